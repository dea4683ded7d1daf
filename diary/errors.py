"""Error pages in the person's language; a form that expired keeps the person on the page."""

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from diary.extensions import db


def init_app(app: Flask) -> None:
    """Register friendly pages for the errors a person can meet."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.blueprint == "webhooks":
            return "forbidden", 403
        flash(_("This page had expired. Please check your answers and press the button again."),
              "error")
        return redirect(request.full_path.rstrip("?") if request.method == "POST" else "/")

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _page(code))


def _page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code), code

    return handler
