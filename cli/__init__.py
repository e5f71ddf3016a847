"""The `docqa` command line (the top layer: it may import every other package)."""
