"""The current instant, injectable: tests and the CLI travel in time through it."""

from datetime import datetime

from flask import current_app

from diary.models.base import utcnow


def now() -> datetime:
    """The current aware UTC time, or the configured test clock."""
    clock = current_app.config.get("DIARY_CLOCK")
    return clock() if clock else utcnow()
