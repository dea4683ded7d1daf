"""Error pages in the person's language; a form that expired keeps the person on the page."""

import math
import time
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from diary.extensions import db, limiter
from diary.web import unavailable


def init_app(app: Flask) -> None:
    """Register friendly pages for the errors a person can meet."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.blueprint == "webhooks":
            return "forbidden", 403
        flash(_("This page had expired. Please check your answers and press the button again."),
              "error")
        return redirect(_back())

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error):
        # A number or date far outside anything stored (a hand-made URL): nothing to find.
        db.session.rollback()
        return render_template("errors/error.html", code=404), 404

    @app.errorhandler(IntegrityError)
    def already_saved(error):
        # Two taps raced and the database kept one: say so instead of failing.
        db.session.rollback()
        flash(_("This was already saved a moment ago. Please check the page."), "error")
        return redirect(_back())

    # Locked, full or gone (and a pool with no free connection): a retry, not a failure.
    app.register_error_handler(OperationalError, unavailable.respond)
    app.register_error_handler(PoolTimeout, unavailable.respond)

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, _page(code))

    @app.errorhandler(429)
    def too_many(error):
        response = app.make_response(_page(429)(error))
        response.headers["Retry-After"] = str(_seconds_until_reset())
        return response


def _back() -> str:
    """The page the form was on: the referring page on this site, else the start page."""
    if request.method == "GET":
        return "/"
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def _seconds_until_reset() -> int:
    """When the limit that was hit lets the next attempt through (a minute if unknown)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def _page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code), code

    return handler
