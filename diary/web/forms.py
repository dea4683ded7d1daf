"""Forms and choices shared by several blueprints."""

from datetime import time

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice

LANGUAGES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]


def reminder_choices(earliest: time, latest: time) -> list[SelectChoice]:
    """Half-hour reminder times within the hours the study allows."""
    out = []
    minutes = earliest.hour * 60 + earliest.minute
    while minutes <= latest.hour * 60 + latest.minute:
        label = f"{minutes // 60:02d}:{minutes % 60:02d}"
        out.append(SelectChoice(label, label))
        minutes += 30
    return out


class ActionForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class LanguageForm(FlaskForm):
    """The language switcher on every page."""

    locale = HiddenField()
    next = HiddenField()
