"""Creating and changing staff accounts and study sites."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from diary.models import Site, StaffRole, StaffUser
from diary.rules import phones
from diary.services import audit
from diary.services.people import sign_in

MIN_PASSWORD = 12
MIN_STRENGTH = 3  # zxcvbn's score (0–4): 3 is "safely unguessable" for an online attack
MIN_NAME_PART = 3  # shorter parts of an address ("li@…") are left out of the containment check


class PasswordRejected(ValueError):
    """The password is too short, too guessable or contains the e-mail address."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def password_problem(password: str, email: str, name: str = ""):
    """Why this password cannot be used for this account, in the reader's language, or None."""
    if len(password) < MIN_PASSWORD:
        return _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD)
    address = email.strip().lower()
    parts = [address, address.partition("@")[0]]
    if any(len(p) >= MIN_NAME_PART and p in password.lower() for p in parts):
        return _l("The password must not contain the e-mail address or its name part.")
    if zxcvbn(password, user_inputs=[*parts, *name.split()])["score"] < MIN_STRENGTH:
        return _l("This password is too easy to guess. Use four or five unrelated words, or a "
                  "longer mix of words and numbers.")
    return None


def check_password(password: str, email: str, name: str = "") -> None:
    """Refuse a weak password with the reason."""
    problem = password_problem(password, email, name)
    if problem is not None:
        raise PasswordRejected(problem)


def create(session: Session, email: str, name: str, role: str, password: str, now: datetime,
           sites: list[Site] | None = None, by=None) -> StaffUser:
    """A new staff member; refuses weak passwords and duplicate addresses."""
    address = email.strip().lower()
    if "@" not in address:
        raise ValueError("not an e-mail address")
    check_password(password, address, name)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == address)):
        raise ValueError("that e-mail address already has an account")
    staff = StaffUser(email=address, display_name=name, role=StaffRole(role),
                      sites=list(sites or []), created_at=now)
    staff.set_secret(password)
    session.add(staff)
    session.flush()
    audit.record(session, now, "staff.create", by, target=f"staff:{staff.id}",
                 detail={"email": address, "role": role, "sites": [s.code for s in staff.sites]})
    return staff


def update(session: Session, member: StaffUser, role: str, sites: list[Site], active: bool,
           password: str | None, by: StaffUser, now: datetime) -> dict:
    """Change a staff member's role, sites, access or password; audited with before and after.

    A new password or the loss of access ends the member's sessions everywhere.
    """
    changes: dict = {}
    if password:
        check_password(password, member.email, member.display_name)
        member.set_secret(password)
        changes["password_reset"] = True
    if member.role != StaffRole(role):
        changes["role"] = {"before": member.role.value, "after": role}
        member.role = StaffRole(role)
    before, after = sorted(s.code for s in member.sites), sorted(s.code for s in sites)
    if before != after:
        changes["sites"] = {"before": before, "after": after}
        member.sites = list(sites)
    if member.active != active:
        changes["active"] = {"before": member.active, "after": active}
        member.active = active
        if not active:
            member.end_sessions()
    if changes:
        audit.record(session, now, "staff.update", by, target=f"staff:{member.id}",
                     detail=changes)
    return changes


def unlock(session: Session, member: StaffUser, by: StaffUser, now: datetime) -> None:
    """Clear the sign-in delay of a staff member's address after too many wrong passwords."""
    sign_in.unlock(session, member.email)
    audit.record(session, now, "sign_in.unlock", by, target=f"staff:{member.id}")


def create_site(session: Session, code: str, name_en: str, name_zh: str, timezone: str,
                on_call_phone: str | None, by: StaffUser, now: datetime) -> Site:
    """A new study site; the code is the prefix of its participants' study codes."""
    code = code.strip().upper()
    if session.scalar(select(Site.id).where(Site.code == code)) is not None:
        raise ValueError("site code in use")
    site = Site(code=code, name_en=name_en.strip(), name_zh=name_zh.strip(), timezone=timezone,
                on_call_phone=on_call_phone or None, created_at=now)
    session.add(site)
    session.flush()
    audit.record(session, now, "site.create", by, site_id=site.id, target=f"site:{site.id}",
                 detail={"code": code, "timezone": timezone})
    return site


def update_site(session: Session, site: Site, name_en: str, name_zh: str, timezone: str,
                on_call_phone: str | None, by: StaffUser, now: datetime) -> dict:
    """Change a site's names, time zone or on-call phone; audited with before and after."""
    changes = {}
    for field, value in (("name_en", name_en.strip()), ("name_zh", name_zh.strip()),
                         ("timezone", timezone)):
        if getattr(site, field) != value:
            changes[field] = {"before": getattr(site, field), "after": value}
            setattr(site, field, value)
    if site.on_call_phone != (on_call_phone or None):
        # The number itself stays out of the audit trail, as everywhere.
        changes["on_call_phone"] = {"before": phones.mask(site.on_call_phone),
                                    "after": phones.mask(on_call_phone)}
        site.on_call_phone = on_call_phone or None
    if changes:
        audit.record(session, now, "site.update", by, site_id=site.id, target=f"site:{site.id}",
                     detail=changes)
    return changes
