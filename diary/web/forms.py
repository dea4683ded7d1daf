"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class ActionForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class LanguageForm(FlaskForm):
    """The language switcher on every page."""

    locale = HiddenField()
    next = HiddenField()
