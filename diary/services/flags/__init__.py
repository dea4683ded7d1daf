"""Coordinator flags: opening them once per cause, and what staff do with them."""
