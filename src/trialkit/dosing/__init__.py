"""dosing (being written)."""
