"""SMS webhooks: receipts and replies from Twilio (signed), Alibaba and Tencent (token in URL)."""

import hmac
from functools import wraps

from flask import Blueprint, Response, abort, current_app, jsonify, request
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator
from werkzeug.exceptions import BadRequest

from diary import clock
from diary.extensions import db
from diary.services.messaging import delivery, inbound
from diary.sms import pushes
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
    code = request.form.get("ErrorCode", "")
    # Twilio's codes are ASCII digits; anything else ("²", "1e3") is no code at all.
    known = code if code.isascii() and code.isdigit() and len(code) <= 64 else None
    delivery.apply_status(db.session, sid, state.lower(), known, clock.now(), rules())
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


def tokened(view):
    """403 unless ?token= matches DIARY_SMS_CALLBACK_TOKEN (Alibaba and Tencent do not sign)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = current_app.config.get("DIARY_SMS_CALLBACK_TOKEN") or ""
        given = request.args.get("token", "")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _pushed(parse):
    """The pushed JSON read by the provider's parser; 400 when it is not what they send."""
    try:
        return parse(request.get_json(force=True, silent=False))
    except (BadRequest, pushes.BadPush):
        abort(400)


def _apply_receipts(receipts: list[pushes.Receipt]) -> None:
    rules_now, now = rules(), clock.now()
    for receipt in receipts:
        delivery.apply_status(db.session, receipt.sid, receipt.status, receipt.error_code, now,
                              rules_now, reference=receipt.reference)
    db.session.commit()


def _receive_replies(replies: list[pushes.Reply]) -> None:
    rules_now, now = rules(), clock.now()
    for reply in replies:
        inbound.receive(db.session, reply.sid, reply.sender, reply.body, now, rules_now)
    db.session.commit()


def _push(parse, handle, answer: dict):
    """A view for one provider push: check the token, read the body, act, answer as expected."""

    @tokened
    def view() -> Response:
        handle(_pushed(parse))
        return jsonify(answer)

    return view


# Alibaba's SmsReport and SmsUp, Tencent's status and reply callbacks: one or many per push.
for _path, _parse, _handle, _answer in (
        ("aliyun/report", pushes.aliyun_receipts, _apply_receipts, pushes.ALIYUN_OK),
        ("aliyun/inbound", pushes.aliyun_replies, _receive_replies, pushes.ALIYUN_OK),
        ("tencent/status", pushes.tencent_receipts, _apply_receipts, pushes.TENCENT_OK),
        ("tencent/inbound", pushes.tencent_replies, _receive_replies, pushes.TENCENT_OK)):
    bp.add_url_rule(f"/{_path}", endpoint=_path.replace("/", "_"),
                    view_func=_push(_parse, _handle, _answer), methods=["POST"])
