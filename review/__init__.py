"""`cragcat review`: a local web app to label photos, choose covers and exclude photos.

Wiring on the top floor: it reads and writes the catalog only through
``catalog``'s writers and reuses the stages' functions (covers, the sheet).
"""
