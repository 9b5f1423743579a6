"""Developer tools run as `python -m tools.<name>`."""
