"""Test data builders: make_participant(session, **kw) and friends."""

import functools
import itertools
from datetime import UTC, date, datetime, time

from diary import crypto
from diary.models import (
    Caregiver,
    InfusionDate,
    Medication,
    Participant,
    Site,
    StaffRole,
    StaffUser,
)

PIN = "246810"
STAFF_PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
CREATED = datetime(2026, 2, 20, 2, 0, tzinfo=UTC)  # rows made by a builder were made before March


FIXTURE_COST = "scrypt:1024:8:1"


@functools.cache
def secret_hash(secret: str) -> str:
    """The peppered hash of a fixture account's secret, made once: the tests' pepper never
    changes. It is made at a 32 times lower scrypt cost: signing in checks it the same way (the
    cost is read from the hash), only faster. What the service hashes itself keeps the full
    cost (`tests/test_crypto.py`)."""
    return crypto.hash_secret(secret, FIXTURE_COST)


def make_site(session, code: str = "XW", **kw) -> Site:
    site = Site(code=code, name_en=kw.pop("name_en", f"Site {code}"),
                name_zh=kw.pop("name_zh", f"中心{code}"),
                created_at=kw.pop("created_at", CREATED), **kw)
    session.add(site)
    session.flush()
    return site


def _phone() -> str:
    return f"+86139{next(_numbers):08d}"


def make_participant(session, site: Site | None = None, **kw) -> Participant:
    site = site or session.query(Site).first() or make_site(session)
    phone = kw.pop("phone", None) or _phone()
    n = next(_numbers)
    values = {"study_code": f"{site.code}-{n:03d}", "locale": "zh", "timezone": "Asia/Shanghai",
              "reminder_time": time(20, 0), "diary_start_date": date(2026, 3, 1),
              "diary_end_date": date(2027, 3, 1), "created_at": CREATED}
    values.update(kw)
    infusions = values.pop("infusions", [])
    medicines = values.pop("medicines", [])
    p = Participant(site=site, phone=phone, phone_hash=crypto.lookup_hash(phone),
                    secret_hash=secret_hash(PIN), **values)
    session.add(p)
    session.flush()
    for day in infusions:
        session.add(InfusionDate(participant_id=p.id, infusion_date=day))
    for code in medicines:
        session.add(Medication(participant_id=p.id, code=code))
    session.flush()
    session.refresh(p)
    return p


def make_caregiver(session, participant: Participant, **kw) -> Caregiver:
    phone = kw.pop("phone", None) or _phone()
    carer = Caregiver(participant_id=participant.id, name=kw.pop("name", "李华"),
                      relationship_to=kw.pop("relationship_to", "daughter"), phone=phone,
                      phone_hash=crypto.lookup_hash(phone), secret_hash=secret_hash(PIN),
                      created_at=kw.pop("created_at", CREATED), **kw)
    session.add(carer)
    session.flush()
    return carer


def make_staff(session, role: str = "coordinator", sites: list[Site] | None = None,
               **kw) -> StaffUser:
    n = next(_numbers)
    staff = StaffUser(email=kw.pop("email", f"staff{n}@example.org"),
                      display_name=kw.pop("display_name", f"Staff {n}"), role=StaffRole(role),
                      secret_hash=secret_hash(STAFF_PASSWORD), sites=list(sites or []),
                      created_at=kw.pop("created_at", CREATED), **kw)
    session.add(staff)
    session.flush()
    return staff
