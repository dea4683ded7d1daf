"""Pages anyone may open: health check, web-app manifest, service worker, offline notice."""

import json

from flask import Blueprint, current_app, jsonify, render_template, url_for
from sqlalchemy import text

from diary.extensions import db

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz():
    """200 with the database status, 503 if the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the database is down
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/manifest.webmanifest")
def manifest():
    """Lets the diary be added to the home screen and open like an app."""
    body = {
        "name": "研究日记 Study Diary",
        "short_name": "日记 Diary",
        "start_url": url_for("participant.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": url_for("static", filename=f"icons/icon-{n}.png"), "sizes": f"{n}x{n}",
             "type": "image/png"} for n in (192, 512)
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline():
    """Shown when the phone has no connection."""
    return render_template("offline.html")


# The shell the service worker keeps on the phone; pages are added as they are visited.
SHELL = ("diary.css", "diary.js", "queue.js", "offline.js", "icons/icon-48.png")


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the root so that it may answer for every page; never cached."""
    shell = [url_for("static", filename=name) for name in SHELL] + [url_for("public.offline")]
    version = "-".join(current_app.extensions["static_names"][name] for name in SHELL)
    body = (current_app.extensions["static_built"] / "sw.js").read_text(encoding="utf-8")
    queue = url_for("static", filename="queue.js")
    head = (f"const VERSION = {json.dumps(version)};\nconst SHELL = {json.dumps(shell)};\n"
            f"const QUEUE = {json.dumps(queue)};\n")
    response = current_app.response_class(head + body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
