"""Twilio webhooks: delivery status reports and replies, accepted only when signed."""

from functools import wraps

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator

from diary import clock
from diary.extensions import db
from diary.services.messaging import delivery, inbound
from diary.web.deployment import rules

bp = Blueprint("webhooks", __name__, url_prefix="/sms")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed(view):
    """403 unless X-Twilio-Signature matches the public URL and the form, with our token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        public = current_app.config["DIARY_PUBLIC_URL"].rstrip("/")
        url = public + request.full_path.rstrip("?")
        if not token or not signature or not RequestValidator(token).validate(
                url, request.form, signature):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.post("/status")
@signed
def status() -> Response:
    """A delivery status for one of our messages; repeated or late reports change nothing."""
    sid, state = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not state:
        abort(400)
    code = request.form.get("ErrorCode")
    delivery.apply_status(db.session, sid, state.lower(), int(code) if code and code.isdigit()
                          else None, clock.now(), rules())
    db.session.commit()
    return Response(status=204)


@bp.post("/inbound")
@signed
def incoming() -> Response:
    """A reply: STOP, START, HELP or anything else, stored once."""
    sid, sender = request.form.get("MessageSid", ""), request.form.get("From", "")
    if not sid or not sender:
        abort(400)
    inbound.receive(db.session, sid, sender, request.form.get("Body", ""), clock.now(),
                    rules())
    db.session.commit()
    return Response(EMPTY_TWIML, mimetype="text/xml")
