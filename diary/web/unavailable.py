"""The database is locked, full or gone: say so in the person's language and keep their answers."""

import logging

from flask import current_app, g, jsonify, make_response, render_template, request
from flask_login import AnonymousUserMixin

from diary.extensions import db
from diary.rules import answers as reading
from diary.rules import triggers
from diary.rules.instrument import WARNING_SIGNS

log = logging.getLogger("diary.web")
RETRY_AFTER_SECONDS = 15
# Never written back into a page: secrets typed into a form are asked for again.
UNKEPT = ("csrf_token", "pin", "password", "secret")


def respond(error):
    """503 with a retry form carrying what was sent, so one tap sends it again once."""
    # The driver's own message ("database is locked", "terminating connection…"): never the
    # statement or its parameters, which may hold answers.
    reason = str(getattr(error, "orig", None) or type(error).__name__).splitlines()[0][:200]
    log.warning("database unavailable during %s %s: %s", request.method, request.endpoint,
                reason)
    _release()
    if request.blueprint == "webhooks" or request.is_json:
        response = jsonify(status="unavailable")
    else:
        response = make_response(render_template(
            "errors/unavailable.html", kept=_kept(), action=request.path,
            retry_url=_retry_url(), help=_help()))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"  # the page may carry the person's answers
    return response


def _release() -> None:
    """Drop the failed transaction without asking the database anything more.

    The signed-in account cannot be read again while the database is locked, so the page is
    drawn as for a visitor; the language comes from the session, where it was noted earlier.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; close() below drops it
        log.info("rollback after a database failure failed too")
    db.session.close()
    g._login_user = (current_app.login_manager.anonymous_user or AnonymousUserMixin)()


def _kept() -> list[tuple[str, str]] | None:
    """The fields of a failed POST to send again (None for a GET, which is simply reloaded)."""
    if request.method != "POST" or request.blueprint == "auth":
        return None  # sign-in and sign-out: nothing worth keeping, and no PIN in a page
    return [(name, value) for name, value in request.form.items(multi=True)
            if not any(word in name.lower() for word in UNKEPT)]


def _retry_url() -> str:
    """Where "Try again" leads when nothing is resent: the same page, or the sign-in form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return request.path if request.endpoint in ("auth.login", "auth.staff_login") else "/"


def _help() -> triggers.Outcome | None:
    """A warning sign sent while the database was down: the way to help must still show."""
    if request.method != "POST" or request.endpoint != "participant.step":
        return None
    given, _errors = reading.read_section(WARNING_SIGNS, request.form, {})
    outcome = triggers.warning_signs(given)
    return outcome if outcome.urgent else None
