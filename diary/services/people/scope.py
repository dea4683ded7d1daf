"""The one place that decides which sites, participants and flags a staff member may see."""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from diary.models import Caregiver, Flag, InboundMessage, Participant, Site, StaffUser
from diary.models.staff import staff_site

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one names no row


def site_ids(staff: StaffUser) -> Select:
    """A subquery of the site ids this staff member may see."""
    if staff.sees_all_sites:
        return select(Site.id)
    return select(staff_site.c.site_id).where(staff_site.c.staff_id == staff.id)


def visible_sites(session: Session, staff: StaffUser) -> list[Site]:
    """The sites this staff member may see, by code."""
    return list(session.scalars(select(Site).where(Site.id.in_(site_ids(staff)))
                                .order_by(Site.code)))


def can_see_site(session: Session, staff: StaffUser, site_id: int | None) -> bool:
    """Whether the site is one of the staff member's."""
    if site_id is None:
        return False
    return session.scalar(select(Site.id).where(Site.id == site_id,
                                                Site.id.in_(site_ids(staff)))) is not None


def participant_ids(staff: StaffUser, site_id: int | None = None) -> Select:
    """A subquery of the participants this staff member may see (optionally one site)."""
    query = select(Participant.id).where(Participant.site_id.in_(site_ids(staff)))
    return query.where(Participant.site_id == site_id) if site_id is not None else query


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
