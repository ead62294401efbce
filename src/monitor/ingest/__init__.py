"""Ingest: getting things in from the network — guarded HTTP, feeds in every format, pages
extracted to text in worker processes, and each feed's poll decided (polling.py)."""
