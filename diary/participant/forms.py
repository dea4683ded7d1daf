"""Forms of the participant's pages that are not questionnaire screens."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from diary.web.forms import LANGUAGES, TypedForm


class SettingsForm(TypedForm):
    locale = RadioField(_l("Language"), choices=LANGUAGES,
                        validators=[InputRequired(_l("Please choose a language."))])
    reminder_time = SelectField(_l("Daily reminder time"),
                                validators=[InputRequired(_l("Please choose a time."))])
