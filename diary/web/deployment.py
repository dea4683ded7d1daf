"""The deployment's rules for request handlers: built once in create_app, shared by every view."""

from flask import Flask, current_app

from diary.rules.deployment import Rules

KEY = "diary.rules"


def init_app(app: Flask) -> None:
    """Build the rules once from the validated settings."""
    app.extensions[KEY] = Rules.from_config(app.config)


def rules() -> Rules:
    """The rules of the running application."""
    return current_app.extensions[KEY]
