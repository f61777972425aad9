"""ctcae (being written)."""
