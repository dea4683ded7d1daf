"""Creating staff accounts."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from diary.models import Site, StaffRole, StaffUser
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
