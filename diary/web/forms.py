"""Forms and choices shared by several blueprints."""

from datetime import time

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import TextArea

from diary.rules.text import has_control, without_control

LANGUAGES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]
CONTROL_CHARACTERS = _l("This has invisible control characters in it (perhaps from copying and "
                        "pasting). Please type it again.")


class TypedForm(FlaskForm):
    """Every form here: typed text only, no control characters (a text area keeps its lines)."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            # No form takes a file: an upload in a field reads as the field left empty.
            data = FlaskForm.Meta.wrap_formdata(self, form, formdata)
            return request.form if isinstance(data, CombinedMultiDict) else data

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            multiline = isinstance(field.widget, TextArea)
            if isinstance(field.data, str) and has_control(field.data, multiline):
                field.data = without_control(field.data, multiline)  # shown back as seen
                field.errors = [*field.errors, CONTROL_CHARACTERS]
                valid = False
        return valid


def reminder_choices(earliest: time, latest: time) -> list[SelectChoice]:
    """Half-hour reminder times within the hours the study allows."""
    out = []
    minutes = earliest.hour * 60 + earliest.minute
    while minutes <= latest.hour * 60 + latest.minute:
        label = f"{minutes // 60:02d}:{minutes % 60:02d}"
        out.append(SelectChoice(label, label))
        minutes += 30
    return out


class ActionForm(TypedForm):
    """A form with only its CSRF token, for buttons that change something."""


class LanguageForm(TypedForm):
    """The language switcher on every page."""

    locale = HiddenField()
    next = HiddenField()
