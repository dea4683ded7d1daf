"""The one place that decides which sites, participants and flags a staff member may see."""

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import Session, defer

from diary.models import Caregiver, Flag, InboundMessage, Participant, Site, StaffUser
from diary.models.staff import ALL_SITES_ROLES, staff_site
from diary.services import sql

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one names no row


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as plain values: safe to carry past the request's database session."""

    id: int
    sees_all_sites: bool

    @classmethod
    def of(cls, staff: StaffUser) -> "Viewer":
        return cls(staff.id, staff.sees_all_sites)


@dataclass(frozen=True)
class Reach:
    """The shape of a staff member's scope (all sites or their own; every site or one), apart
    from its values: a statement built once around ``participant_ids`` serves every staff
    member of that shape, given ``values`` when it runs."""

    all_sites: bool
    one_site: bool

    @classmethod
    def of(cls, staff: StaffUser | Viewer, site_id: int | None = None) -> tuple["Reach", dict]:
        return (cls(staff.sees_all_sites, site_id is not None),
                {"reach_staff": staff.id, "reach_site": site_id})

    @property
    def participant_ids(self) -> Select:
        """The subquery ``participant_ids`` gives, with the staff member and site as bound
        parameters (``reach_staff``, ``reach_site``)."""
        return _reach_subquery(self.all_sites, self.one_site)


@cache
def _reach_sites(all_sites: bool) -> Select:
    return select(Site.id) if all_sites else select(staff_site.c.site_id).where(
        staff_site.c.staff_id == bindparam("reach_staff"))


@cache
def _reach_subquery(all_sites: bool, one_site: bool) -> Select:
    query = select(Participant.id).where(Participant.site_id.in_(_reach_sites(all_sites)))
    return query.where(Participant.site_id == bindparam("reach_site")) if one_site else query


# The same rule as a join condition from a staff_user row to each site row it may see: the
# signed-in staff member is read with the sites of their pick lists (`site_choices`).
SITE_SEEN_BY_STAFF = or_(*(StaffUser.role == role for role in ALL_SITES_ROLES),
                         exists().where(staff_site.c.staff_id == StaffUser.id,
                                        staff_site.c.site_id == Site.id))


def site_ids(staff: StaffUser | Viewer) -> Select:
    """A subquery of the site ids this staff member may see (the `Reach` one, its value set)."""
    return _reach_sites(staff.sees_all_sites).params(reach_staff=staff.id)


# Pick lists: the on-call number is left unread, so not decrypted on every page.
_ALL_SITES = select(Site).options(defer(Site.on_call_phone)).order_by(Site.code)
_OWN_SITES = _ALL_SITES.where(Site.id.in_(_reach_sites(False)))


# The pick lists of the dashboard, the flags and the exports show a site's code only.
_ALL_SITE_CHOICES = select(Site.id, Site.code).order_by(Site.code)
_OWN_SITE_CHOICES = _ALL_SITE_CHOICES.where(Site.id.in_(_reach_sites(False)))


def _their_sites(staff: StaffUser, every_site, own_sites) -> tuple:
    """The statement (and its values) for the sites this staff member may see."""
    if staff.sees_all_sites:
        return every_site, {}
    return own_sites, {"reach_staff": staff.id}


def visible_sites(session: Session, staff: StaffUser) -> list[Site]:
    """The sites this staff member may see, by code (statements built once; the on-call
    number is read only if asked for)."""
    return list(session.scalars(*_their_sites(staff, _ALL_SITES, _OWN_SITES)))


class SiteChoice(NamedTuple):
    """A site in a pick list."""

    id: int
    code: str


def site_choices(session: Session, staff: StaffUser) -> list:
    """The id and code of each site this staff member may see, by code, as plain rows (a
    pick list needs no `Site` objects; statements built once). A signed-in staff member
    read with their sites (``site_choices``) has them already."""
    known = getattr(staff, "site_choices", None)
    if known is not None:
        return list(known)
    return list(sql.rows(session, *_their_sites(staff, _ALL_SITE_CHOICES, _OWN_SITE_CHOICES)))


def can_see_site(session: Session, staff: StaffUser, site_id: int | None) -> bool:
    """Whether the site is one of the staff member's."""
    if site_id is None:
        return False
    return session.scalar(select(Site.id).where(Site.id == site_id,
                                                Site.id.in_(site_ids(staff)))) is not None


def participant_ids(staff: StaffUser | Viewer, site_id: int | None = None) -> Select:
    """A subquery of the participants this staff member may see (optionally one site): the
    `Reach` one, its values set."""
    reach, values = Reach.of(staff, site_id)
    return reach.participant_ids.params(values)


def participant_for_staff(session: Session, staff: StaffUser,
                          participant_id: int) -> Participant | None:
    """The participant if the staff member may see them, else None (the view answers 404)."""
    return session.scalar(select(Participant).where(
        Participant.id == participant_id, Participant.site_id.in_(site_ids(staff))))


def flag_for_staff(session: Session, staff: StaffUser, flag_id: int) -> Flag | None:
    """The flag if it belongs to one of the staff member's participants, else None."""
    return session.scalar(select(Flag).where(
        Flag.id == flag_id, Flag.participant_id.in_(participant_ids(staff))))


def caregiver_for_staff(session: Session, staff: StaffUser, participant_id: int,
                        caregiver_id: int) -> Caregiver | None:
    """The caregiver if linked to that participant and the participant is in scope."""
    return session.scalar(select(Caregiver).where(
        Caregiver.id == caregiver_id, Caregiver.participant_id == participant_id,
        Caregiver.participant_id.in_(participant_ids(staff))))


def reply_for_staff(session: Session, staff: StaffUser, message_id: int) -> InboundMessage | None:
    """An SMS reply if it came from one of the staff member's participants, else None."""
    return session.scalar(select(InboundMessage).where(
        InboundMessage.id == message_id,
        InboundMessage.participant_id.in_(participant_ids(staff))))
