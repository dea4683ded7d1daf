"""Deny by default: every endpoint needs a signed-in account unless it is listed as public."""

from functools import wraps

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from diary import clock
from diary.extensions import login_manager

PUBLIC_ENDPOINTS = {"static", "public.healthz", "public.manifest", "public.offline",
                    "public.service_worker",
                    "auth.login", "auth.staff_login", "auth.language"}
PUBLIC_BLUEPRINTS = {"webhooks"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "worker-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
# The diary needs no sensor, camera, payment or location: a page can never ask for one.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=()")
HSTS = "max-age=31536000; includeSubDomains"
SEEN_EVERY = 60  # seconds: how often a staff session notes that it is still in use
# A diarist's 30-day session slides forward when its cookie is written again. Writing it on
# every response signed it again each time; once an hour keeps it sliding all the same.
DIARIST_SEEN_EVERY = 3600


def load_user(user_id: str):
    """Find the account behind a session identity; a changed secret ends the session.

    The account is read as plain values (`signed_in`).
    """
    from diary.web import signed_in

    try:
        kind, pk, _stamp = user_id.split(":")
        account = signed_in.load(kind, int(pk))
    except ValueError:
        return None
    if account is None or account.get_id() != user_id or not account.is_active:
        return None
    return account


def session_started(now) -> None:
    """Note when this session signed in, for the staff session limits."""
    session["signed_in_at"] = session["seen_at"] = int(now.timestamp())


def keep_sessions_alive():
    """Staff sessions end after 30 minutes without a request and 12 hours after sign-in.

    Every signed-in session notes from time to time that it is still in use; that change is
    what writes the cookie again, with its expiry moved on (the cookie is not re-signed on
    every response, see SESSION_REFRESH_EACH_REQUEST).
    """
    user_id = str(session.get("_user_id", ""))
    if not user_id:
        return None
    now = int(clock.now().timestamp())
    seen = session.get("seen_at", 0)
    if not user_id.startswith("staff:"):
        if now - seen >= DIARIST_SEEN_EVERY:
            session["seen_at"] = now
        return None
    idle = int(current_app.config["DIARY_STAFF_IDLE_MINUTES"]) * 60
    longest = int(current_app.config["DIARY_STAFF_SESSION_HOURS"]) * 3600
    started = session.get("signed_in_at", 0)
    if now - seen > idle or now - started > longest:
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("Your session has ended. Please sign in again."), "info")
    elif now - seen >= SEEN_EVERY:
        session["seen_at"] = now
    return None


def require_login():
    """Send anonymous visitors of non-public pages to the right sign-in page."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS or request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    if request.endpoint is None:
        return None  # a 404 stays a 404
    if not current_user.is_authenticated:
        target = "auth.staff_login" if request.blueprint == "staff" else "auth.login"
        return redirect(url_for(target, next=request.full_path.rstrip("?")))
    return None


def diarist_required(view):
    """Only a participant or their caregiver; hands the view the participant and the account."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        account = current_user._get_current_object()  # the proxy looked through once
        if getattr(account, "kind", None) not in ("participant", "caregiver"):
            abort(403)
        return view(account.participant, account, *args, **kwargs)

    return wrapped


def staff_required(*roles):
    """Only staff (of the given roles); hands the view the staff member."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_user._get_current_object()
            if getattr(staff, "kind", None) != "staff":
                abort(403)
            if roles and staff.role not in roles:
                abort(403)
            return view(staff, *args, **kwargs)

        return wrapped

    return decorate


def set_headers(response):
    """A strict content security policy, HTTPS only once on it, no caching of personal pages."""
    # The policies govern what a document or worker may do; a redirect or JSON renders nothing
    # (leaving them off keeps every redirect of a weak-network step small).
    if response.mimetype in ("text/html", "text/javascript") and response.status_code < 300:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_user.is_authenticated and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


SIGNED_TOKENS_KEPT = 4096


def csrf_token() -> str:
    """Flask-WTF's form token for this session, signed once per session and process.

    Signing (a key derivation, an HMAC) was a few per cent of every page. The tokens carry no
    time limit (``WTF_CSRF_TIME_LIMIT`` is off: a token lives as long as its session), so the
    token signed for a session's first page serves its later pages just as well.
    """
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or current_app.config.get("WTF_CSRF_TIME_LIMIT"):
        return generate_csrf()
    signed_tokens = current_app.extensions["diary_csrf_signed"]
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    token = signed_tokens.get((secret, field, session.get(field)))
    if token is not None:
        setattr(g, field, token)  # where Flask-WTF keeps the request's token
        return token
    token = generate_csrf()  # gives the session its token first if it had none
    if len(signed_tokens) >= SIGNED_TOKENS_KEPT:
        signed_tokens.clear()
    signed_tokens[(secret, field, session[field])] = token
    return token


def init_app(app: Flask) -> None:
    """Wire the login manager, the allow-list, the staff session limits and trusted proxies."""
    hops = int(app.config["DIARY_TRUSTED_PROXIES"])
    if hops:  # behind a TLS proxy: the client's address (rate limits) and https (HSTS)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    app.before_request(keep_sessions_alive)
    app.before_request(require_login)
    app.after_request(set_headers)
    app.extensions["diary_csrf_signed"] = {}
    # in place of Flask-WTF's own, which it gives every template as a global and in context
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
