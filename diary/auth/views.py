"""Sign in, sign out and choose a language."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from diary import clock
from diary.auth import device
from diary.auth.forms import PhoneSignInForm, StaffSignInForm
from diary.extensions import db
from diary.services import audit
from diary.services.people import sign_in
from diary.web import limits, security
from diary.web.forms import ActionForm, LanguageForm
from diary.web.signed_in import record_of

bp = Blueprint("auth", __name__)


def safe_next(default: str) -> str:
    """Follow a `next` only when it stays on this site."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
@limits.sign_in_overall
@limits.sign_in_per_address
def login():
    """Participants and caregivers: phone number and PIN."""
    if current_user.is_authenticated and current_user.kind != "staff":
        return redirect(url_for("participant.home"))
    form = PhoneSignInForm()
    if form.validate_on_submit():
        lockout = sign_in.Lockout.from_config(current_app.config)
        result = sign_in.sign_in_phone(db.session, form.phone.data, form.pin.data, clock.now(),
                                       lockout, device.current())
        db.session.commit()
        if result.account is not None:
            return _start_session(result.account, form.remember.data,
                                  safe_next(url_for("participant.home")))
        form.pin.errors.append(_refusal(result))
    return render_template("auth/login.html", form=form)


@bp.route("/staff/login", methods=["GET", "POST"])
@limits.sign_in_overall
@limits.sign_in_per_address
def staff_login():
    """Study staff: e-mail and password."""
    form = StaffSignInForm()
    if form.validate_on_submit():
        lockout = sign_in.Lockout.from_config(current_app.config)
        result = sign_in.sign_in_staff(db.session, form.email.data, form.password.data,
                                       clock.now(), lockout, device.current())
        db.session.commit()
        if result.account is not None:
            return _start_session(result.account, False, safe_next("/staff/"))
        form.password.errors.append(_refusal(result))
    return render_template("auth/staff_login.html", form=form)


def _refusal(result: sign_in.SignInResult) -> str:
    if result.locked:
        wait = result.wait_seconds
        if wait >= 60:
            return ngettext("Too many attempts. Please wait %(num)d minute and try again, or "
                            "call the study team.", "Too many attempts. Please wait %(num)d "
                            "minutes and try again, or call the study team.", -(-wait // 60))
        return ngettext("Too many attempts. Please wait %(num)d second and try again, or call "
                        "the study team.", "Too many attempts. Please wait %(num)d seconds and "
                        "try again, or call the study team.", wait)
    return _("The phone number or PIN is not right. Please try again.") if \
        request.endpoint == "auth.login" else _("The e-mail or password is not right.")


def _start_session(account, remember: bool, target: str):
    locale = session.get("locale")
    session.clear()  # a fresh session at sign-in; the language chosen before it stays
    if locale:
        session["locale"] = locale
    session.permanent = True
    login_user(account, remember=remember)
    security.session_started(clock.now())
    response = redirect(target)
    device.remember(response, account)
    return response


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST with CSRF, so no link can sign a person out).

    Advancing the account's session generation makes every copy of its session and remember
    cookies worthless, not only the one in this browser.
    """
    form = ActionForm()
    staff = getattr(current_user, "kind", None) == "staff"
    if form.validate_on_submit() and current_user.is_authenticated:
        account = record_of(current_user._get_current_object())
        account.end_sessions()
        audit.record(db.session, clock.now(), "sign_out", account,
                     participant=getattr(account, "participant", None))
        db.session.commit()
        language = session.get("locale")
        session.clear()
        if language:  # the sign-in page that follows stays in the person's language
            session["locale"] = language
        logout_user()  # after clear: it leaves the note that deletes the remember cookie
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.staff_login" if staff else "auth.login"))


@bp.post("/language")
def language():
    """Switch between 中文 and English; saved on the account when signed in."""
    form = LanguageForm()
    locale = form.locale.data
    if form.validate_on_submit() and locale in current_app.config["DIARY_LOCALES"]:
        session["locale"] = locale
        if current_user.is_authenticated and current_user.locale != locale:
            account = record_of(current_user._get_current_object())
            audit.record(db.session, clock.now(), "settings.language", account,
                         participant=getattr(account, "participant", None),
                         detail={"before": account.locale, "after": locale})
            account.locale = locale
            db.session.commit()
    return redirect(safe_next(url_for("participant.home")))
