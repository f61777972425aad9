"""analysis (being written)."""
