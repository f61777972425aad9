"""Population screening: the protocol's criteria compiled to relational queries (ibis)."""
