"""Tuber's local stack: the whole platform on one machine, no Docker, no AWS account."""
