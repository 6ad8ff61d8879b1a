"""Harvest climbing photos into the catalog: sources -> fetch -> ingest -> dedup.

Sources (an html site described by a profile, the OpenBeta API, a local
folder) yield pages and image references; the fetcher brings bytes politely;
ingest validates, stores and hashes each image once and records every
sighting; dedup groups near-duplicates into clusters. See ARCHITECTURE.md.
"""
