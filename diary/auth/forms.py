"""Sign-in forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from diary.rules import phones
from diary.web.forms import TypedForm


class PhoneSignInForm(TypedForm):
    phone = StringField(_l("Mobile phone number"),
                        validators=[DataRequired(_l("Please enter your phone number.")),
                                    Length(max=32)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    pin = PasswordField(_l("PIN"),
                        validators=[DataRequired(_l("Please enter your PIN.")), Length(max=12)],
                        render_kw={"inputmode": "numeric", "autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this phone"), default=True)

    def validate_phone(self, field) -> None:
        from wtforms.validators import ValidationError

        if phones.normalize(field.data) is None:
            raise ValidationError(_l("This does not look like a mobile phone number. "
                                     "Example: 138 0000 0001."))


class StaffSignInForm(TypedForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(_l("Please enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Please enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"})
