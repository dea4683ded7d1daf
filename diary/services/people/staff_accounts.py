"""Creating and changing staff accounts and study sites."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from diary.models import Site, StaffRole, StaffUser
from diary.rules import phones
from diary.services import audit

MIN_PASSWORD = 12


def create(session: Session, email: str, name: str, role: str, password: str, now: datetime,
           sites: list[Site] | None = None, by=None) -> StaffUser:
    """A new staff member; refuses short passwords and duplicate addresses."""
    address = email.strip().lower()
    if "@" not in address:
        raise ValueError("not an e-mail address")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == address)):
        raise ValueError("that e-mail address already has an account")
    staff = StaffUser(email=address, display_name=name, role=StaffRole(role),
                      sites=list(sites or []))
    staff.set_secret(password)
    session.add(staff)
    session.flush()
    audit.record(session, now, "staff.create", by, target=f"staff:{staff.id}",
                 detail={"email": address, "role": role, "sites": [s.code for s in staff.sites]})
    return staff


def update(session: Session, member: StaffUser, role: str, sites: list[Site], active: bool,
           password: str | None, by: StaffUser, now: datetime) -> dict:
    """Change a staff member's role, sites, access or password; audited with before and after."""
    changes: dict = {}
    if password:
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
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
    if changes:
        audit.record(session, now, "staff.update", by, target=f"staff:{member.id}",
                     detail=changes)
    return changes


def create_site(session: Session, code: str, name_en: str, name_zh: str, timezone: str,
                on_call_phone: str | None, by: StaffUser, now: datetime) -> Site:
    """A new study site; the code is the prefix of its participants' study codes."""
    code = code.strip().upper()
    if session.scalar(select(Site.id).where(Site.code == code)) is not None:
        raise ValueError("site code in use")
    site = Site(code=code, name_en=name_en.strip(), name_zh=name_zh.strip(), timezone=timezone,
                on_call_phone=on_call_phone or None)
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
