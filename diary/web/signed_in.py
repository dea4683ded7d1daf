"""Who is signed in, read as plain values on every request.

Every diary page asks who is signed in and plans the day from the participant's dates; every
staff page asks for the staff member's role. Loaded through the ORM, that was an
identity-mapped object graph (the account, its participant, the infusion dates) built on every
request, although almost no page changes it. One statement of plain columns gives the same
answers at a fraction of the cost; a page that does change the account (its language, its
settings, signing out) asks for its record with ``record_of``. Encrypted columns (phone, name)
are never read here.
"""

from dataclasses import dataclass
from datetime import date, time
from functools import cache

from flask import g
from sqlalchemy import bindparam, select

from diary.extensions import db
from diary.models import Caregiver, InfusionDate, Participant, Site, StaffUser
from diary.models.account import SessionIdentity
from diary.models.participant import ParticipantStatus, ReportingMode
from diary.models.staff import SiteReach, StaffRole
from diary.services.people.scope import SITE_SEEN_BY_STAFF, SiteChoice
from diary.web import transactions

DIARISTS = {"participant": Participant, "caregiver": Caregiver}
RECORDS = {**DIARISTS, "staff": StaffUser}


@dataclass(frozen=True, slots=True)
class DiaryOwner:
    """The participant whose diary is filled in, with what planning its days needs."""

    id: int
    study_code: str
    site_id: int
    locale: str
    timezone: str
    reminder_time: time
    reporting_mode: ReportingMode
    diary_start_date: date
    diary_end_date: date
    status: ParticipantStatus
    infusion_dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class Diarist(SessionIdentity):
    """A signed-in participant or caregiver, as Flask-Login's current user."""

    kind: str
    id: int
    locale: str
    session_generation: int
    enabled: bool  # a caregiver the study team set aside is not
    participant: DiaryOwner

    @property
    def is_active(self) -> bool:
        return self.enabled and self.participant.status != ParticipantStatus.WITHDRAWN


@dataclass(frozen=True, slots=True)
class StaffMember(SessionIdentity, SiteReach):
    """A signed-in member of the study staff, as Flask-Login's current user."""

    id: int
    email: str
    display_name: str
    role: StaffRole
    locale: str | None
    active: bool
    session_generation: int
    site_choices: tuple[SiteChoice, ...] = ()  # the sites they may see, by code (pick lists)

    kind = "staff"

    @property
    def is_active(self) -> bool:
        return self.active


def load(kind: str, pk: int) -> Diarist | StaffMember | None:
    """The participant, caregiver or staff member with this id, or None (so for any other
    kind)."""
    if kind == "staff":
        rows = transactions.rows_before_writing(_STAFF, {"pk": pk})
        if not rows:
            return None
        sites = tuple(SiteChoice(r.site_id, r.site_code) for r in rows if r.site_id is not None)
        return StaffMember(*rows[0][:_STAFF_COLUMNS], site_choices=sites)
    if kind not in DIARISTS:
        return None
    rows = transactions.rows_before_writing(_statement(kind), {"pk": pk})
    if not rows:
        return None
    first = rows[0]
    owner = DiaryOwner(
        id=first.p_id, study_code=first.study_code, site_id=first.site_id,
        locale=first.p_locale, timezone=first.timezone, reminder_time=first.reminder_time,
        reporting_mode=first.reporting_mode, diary_start_date=first.diary_start_date,
        diary_end_date=first.diary_end_date, status=first.status,
        infusion_dates=tuple(r.infusion_date for r in rows if r.infusion_date is not None))
    if kind == "participant":
        return Diarist(kind, owner.id, owner.locale, first.p_generation, True, owner)
    return Diarist(kind, first.c_id, first.c_locale, first.c_generation, bool(first.c_active),
                   owner)


def record_of(account):
    """The account's own record in the request's session, for a page that changes it.

    From here on the record is also the request's current user, so what the page changes
    (the language above all) holds for the rest of the request, its messages included.
    """
    if not isinstance(account, Diarist | StaffMember):
        return account  # a record already (the one that has just signed in)
    record = db.session.get(RECORDS[account.kind], account.id)
    if record is not None:
        g._login_user = record  # where Flask-Login keeps the request's current user
    return record


@cache
def _statement(kind: str):
    """One row per infusion date (one with none if there are none), built once per kind."""
    p = Participant
    columns = [p.id.label("p_id"), p.study_code, p.site_id, p.locale.label("p_locale"),
               p.timezone, p.reminder_time, p.reporting_mode, p.diary_start_date,
               p.diary_end_date, p.status, p.session_generation.label("p_generation"),
               InfusionDate.infusion_date]
    if kind == "participant":
        source = p.__table__
        where = p.id == bindparam("pk")
    else:
        c = Caregiver
        columns += [c.id.label("c_id"), c.locale.label("c_locale"), c.active.label("c_active"),
                    c.session_generation.label("c_generation")]
        source = c.__table__.join(p.__table__, c.participant_id == p.id)
        where = c.id == bindparam("pk")
    source = source.outerjoin(InfusionDate.__table__, InfusionDate.participant_id == p.id)
    return (select(*columns).select_from(source).where(where)
            .order_by(InfusionDate.infusion_date))


# One row per site the staff member may see (every site for the roles that see all, one row
# with no site for none), by code: the pick lists need no statement of their own.
_STAFF_COLUMNS = 7
_STAFF = (select(StaffUser.id, StaffUser.email, StaffUser.display_name, StaffUser.role,
                 StaffUser.locale, StaffUser.active, StaffUser.session_generation,
                 Site.id.label("site_id"), Site.code.label("site_code"))
          .select_from(StaffUser.__table__.outerjoin(Site.__table__, SITE_SEEN_BY_STAFF))
          .where(StaffUser.id == bindparam("pk")).order_by(Site.code))
