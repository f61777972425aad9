"""recist (being written)."""
