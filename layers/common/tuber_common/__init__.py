"""Tuber's shared layer: one place for each cross-cutting concern of the functions."""
