"""One module per feature area; each defines PAGES (and optionally batches). See harness.py."""
