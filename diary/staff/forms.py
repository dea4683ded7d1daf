"""Forms of the coordinator workspace; values are checked here, rules in the services."""

import re
from datetime import date
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diary.rules import phones
from diary.web.forms import LANGUAGES, TypedForm

ZONE_NAMES = {"Asia/Shanghai": _l("Beijing time"), "Asia/Urumqi": _l("Urumqi time"),
              "Asia/Hong_Kong": _l("Hong Kong time"), "Asia/Macau": _l("Macao time"),
              "Asia/Taipei": _l("Taipei time"), "Asia/Singapore": _l("Singapore time"),
              "Asia/Tokyo": _l("Tokyo time"), "Europe/London": _l("London time"),
              "America/New_York": _l("New York time"), "UTC": _l("Coordinated Universal Time")}
TIMEZONES = tuple(ZONE_NAMES)
RECIPIENTS = [("participant", _l("Participant")), ("caregiver", _l("Caregiver")),
              ("both", _l("Both"))]
MODES = [("self", _l("Self: the participant answers")),
         ("assisted", _l("Assisted: the participant answers with help")),
         ("proxy", _l("Proxy: a caregiver answers"))]
RELATIONSHIPS = [("spouse", _l("Spouse or partner")), ("child", _l("Son or daughter")),
                 ("parent", _l("Parent")), ("sibling", _l("Brother or sister")),
                 ("other_family", _l("Other family")), ("carer", _l("Paid carer")),
                 ("other", _l("Other"))]
CHANNELS = [("phone", _l("Phone call")), ("sms", _l("Text message")),
            ("in_person", _l("In person")), ("other", _l("Other"))]
RESULTS = [("reached", _l("Reached")), ("no_answer", _l("No answer")),
           ("voicemail", _l("Left a message")), ("wrong_number", _l("Wrong number")),
           ("call_back", _l("Asked to call back")), ("declined", _l("Declined to talk"))]
RESOLUTIONS = [("contacted_ok", _l("Contacted, all right")),
               ("clinical_follow_up", _l("Clinical follow-up arranged")),
               ("referred_emergency", _l("Referred to emergency care")),
               ("data_corrected", _l("Data entry error, corrected")),
               ("unreachable", _l("Could not reach, escalated")),
               ("no_action_needed", _l("No action needed")), ("other", _l("Other"))]
DATE_HINT = _l("Use the form YYYY-MM-DD, for example 2026-03-01.")


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (or ready-made choices)."""
    return [p if isinstance(p, SelectChoice) else SelectChoice(*p) for p in pairs]


def parse_date(value: str | None) -> date | None:
    """A date typed as YYYY-MM-DD, or None."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def parse_dates(text: str | None) -> list[date] | None:
    """Dates separated by spaces, commas or new lines; None when any is unreadable."""
    found = []
    for part in re.split(r"[\s,，、;；]+", (text or "").strip()):
        if part:
            day = parse_date(part)
            if day is None:
                return None
            found.append(day)
    return found


def parse_visits(text: str | None) -> list[tuple[date, str]] | None:
    """One visit a line: a date, then an optional label; None when a line is unreadable."""
    visits = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        day_text, _sep, label = line.strip().partition(" ")
        day = parse_date(day_text)
        if day is None:
            return None
        visits.append((day, label.strip()[:64]))
    return visits


def _date_field(label, required: bool):
    checks = [DataRequired(_l("Please enter a date."))] if required else [Optional()]
    return StringField(label, validators=[*checks, Length(max=10)],
                       render_kw={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"},
                       description=DATE_HINT)


class ParticipantFields(TypedForm):
    """What enrolment and the settings page share."""

    phone = StringField(_l("Mobile phone number"), validators=[
        DataRequired(_l("Please enter the phone number.")), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    locale = SelectField(_l("Language"), choices=options(LANGUAGES), default="zh")
    timezone = SelectField(_l("Time zone"), choices=options(ZONE_NAMES.items()),
                           default="Asia/Shanghai")
    reminder_time = SelectField(_l("Daily reminder time"), default="20:00")
    reminder_recipients = SelectField(_l("Reminders go to"), choices=options(RECIPIENTS),
                                      default="participant")
    reporting_mode = SelectField(_l("Who usually answers"), choices=options(MODES),
                                 default="self")
    diary_end_date = _date_field(_l("Diary end date (empty: 365 days after the start)"), False)
    infusions = TextAreaField(_l("Infusion dates"), validators=[Length(max=400)],
                              description=_l("One date per line, YYYY-MM-DD."))
    visits = TextAreaField(_l("Scheduled clinic visits"), validators=[Length(max=2000)],
                           description=_l("One visit per line: the date, then a label, "
                                          "e.g. 2026-04-01 Month 1."))

    def validate_phone(self, field) -> None:
        if phones.normalize(field.data) is None:
            raise ValidationError(_l("This is not a valid mobile phone number. "
                                     "Example: 138 0013 8000 or +44 7700 900123."))

    def validate_timezone(self, field) -> None:
        if field.data not in available_timezones():
            raise ValidationError(_l("Please choose a time zone."))

    def validate_diary_end_date(self, field) -> None:
        if field.data and parse_date(field.data) is None:
            raise ValidationError(DATE_HINT)

    def validate_infusions(self, field) -> None:
        if parse_dates(field.data) is None:
            raise ValidationError(_l("Each infusion date must look like 2026-03-01."))

    def validate_visits(self, field) -> None:
        if parse_visits(field.data) is None:
            raise ValidationError(_l("Each line must start with a date like 2026-04-01."))


class EnrolForm(ParticipantFields):
    study_code = StringField(_l("Study code"), validators=[
        DataRequired(_l("Please enter the study code.")), Length(max=32)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    site_id = SelectField(_l("Site"), coerce=int,
                          validators=[InputRequired(_l("Please choose a site."))])
    diary_start_date = _date_field(_l("Diary start date"), True)

    def validate_study_code(self, field) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]+-[A-Za-z0-9-]+", (field.data or "").strip()):
            raise ValidationError(_l("A study code looks like XW-001: the site prefix, a "
                                     "hyphen, then letters or digits."))

    def validate_diary_start_date(self, field) -> None:
        if parse_date(field.data) is None:
            raise ValidationError(DATE_HINT)


class SettingsForm(ParticipantFields):
    """A participant's settings; the end date is required once enrolled."""


class CaregiverForm(TypedForm):
    name = StringField(_l("Caregiver's name"), validators=[
        DataRequired(_l("Please enter the caregiver's name.")), Length(max=80)])
    relationship_to = SelectField(_l("Relationship to the participant"),
                                  choices=options(RELATIONSHIPS))
    phone = StringField(_l("Caregiver's mobile phone number"), validators=[
        DataRequired(_l("Please enter the phone number.")), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    locale = SelectField(_l("Language"), choices=options(LANGUAGES), default="zh")

    validate_phone = ParticipantFields.validate_phone


class ReasonForm(TypedForm):
    """A change that needs a reason: withdrawal, correction, excusal."""

    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Please give a reason.")), Length(max=500)])


class StatusForm(TypedForm):
    reason = TextAreaField(_l("Reason (required to withdraw)"), validators=[Length(max=500)])


class OutreachForm(TypedForm):
    channel = SelectField(_l("How"), choices=options(CHANNELS))
    result = SelectField(_l("Result"), choices=options(RESULTS))
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])


class AcknowledgeForm(TypedForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=1000)])


class ResolveForm(TypedForm):
    code = SelectField(_l("Resolution"), choices=options([("", _l("Choose…")), *RESOLUTIONS]),
                       validators=[DataRequired(_l("Please choose a resolution."))])
    note = TextAreaField(_l("Note"), validators=[
        DataRequired(_l("Please write a note.")), Length(max=1000)])
