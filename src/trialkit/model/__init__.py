"""Typed, frozen records that every domain package speaks: codes, date spans, patient facts."""
