"""Hostile inputs cragcat must survive: a server on 127.0.0.1 and files that attack it.

Each test here was written against a defect found by trying cragcat as an
attacker would (issue 13); the server in :mod:`tests.hostile.site` keeps those
behaviours so that future changes keep the defences.
"""
