"""Forms of the admin pages (staff and sites) and of the audit review filter."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from diary.rules import phones
from diary.services.people.staff_accounts import MIN_PASSWORD
from diary.staff.forms import ZONE_NAMES, options, parse_date
from diary.web.forms import TypedForm

ROLES = [("coordinator", _l("Coordinator")), ("investigator", _l("Investigator")),
         ("admin", _l("Administrator"))]
PASSWORD_RULE = _l("At least %(n)d characters.", n=MIN_PASSWORD)


class StaffEditForm(TypedForm):
    role = SelectField(_l("Role"), choices=options(ROLES))
    sites = SelectMultipleField(_l("Sites (coordinators see only these)"), coerce=int)
    active = BooleanField(_l("May sign in"), default=True)
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[
        Optional(), Length(min=MIN_PASSWORD, max=200, message=PASSWORD_RULE)],
        render_kw={"autocomplete": "new-password"})


class StaffCreateForm(StaffEditForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(_l("Please enter the e-mail address.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("Please enter a valid e-mail address.")),
        Length(max=254)])
    display_name = StringField(_l("Name shown to colleagues"), validators=[
        DataRequired(_l("Please enter a name.")), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Please enter a password.")),
        Length(min=MIN_PASSWORD, max=200, message=PASSWORD_RULE)],
        render_kw={"autocomplete": "new-password"})


class SiteForm(TypedForm):
    code = StringField(_l("Site code (study code prefix)"), validators=[
        DataRequired(_l("Please enter a site code.")), Length(max=8)])
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(_l("Please enter the name.")), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[
        DataRequired(_l("Please enter the name.")), Length(max=120)])
    timezone = SelectField(_l("Time zone"), choices=options(ZONE_NAMES.items()))
    on_call_phone = StringField(_l("On-call phone for safety alerts"), validators=[
        Optional(), Length(max=32)])

    def validate_code(self, field) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]{1,8}", field.data.strip()):
            raise ValidationError(_l("Letters and digits only, at most 8."))

    def validate_on_call_phone(self, field) -> None:
        if field.data and phones.normalize(field.data) is None:
            raise ValidationError(_l("This is not a valid phone number."))


class AuditFilterForm(TypedForm):
    """Filters read from the query string (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    participant = StringField(_l("Study code"), validators=[Optional(), Length(max=32)])
    actor = StringField(_l("Actor (study code, e-mail or staff:ID)"),
                        validators=[Optional(), Length(max=254)])
    since = StringField(_l("From (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    until = StringField(_l("Until (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])

    def validate_since(self, field) -> None:
        if field.data and parse_date(field.data) is None:
            raise ValidationError(_l("Use the form YYYY-MM-DD, for example 2026-03-01."))

    validate_until = validate_since
