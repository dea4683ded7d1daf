"""Forms of the participant's pages that are not questionnaire screens."""

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

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


class SettingsForm(FlaskForm):
    locale = RadioField(_l("Language"), choices=LANGUAGES,
                        validators=[InputRequired(_l("Please choose a language."))])
    reminder_time = SelectField(_l("Daily reminder time"),
                                validators=[InputRequired(_l("Please choose a time."))])
