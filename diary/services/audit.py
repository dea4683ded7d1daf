"""Append-only audit events, written in the same transaction as the change they describe."""

from datetime import datetime

from sqlalchemy.orm import Session

from diary.models import AuditEvent


def actor_of(account) -> tuple[str, int | None, str | None]:
    """Who did it, as (type, id, label), for any signed-in account or the system."""
    if account is None:
        return "system", None, None
    label = {"participant": lambda a: a.participant.study_code,
             "caregiver": lambda a: f"caregiver of {a.participant.study_code}",
             "staff": lambda a: a.email}[account.kind](account)
    return account.kind, account.id, label


def record(session: Session, now: datetime, action: str, account=None, *, participant=None,
           site_id: int | None = None, target: str | None = None,
           detail: dict | None = None) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable with the change."""
    actor_type, actor_id, label = actor_of(account)
    event = AuditEvent(
        at=now, actor_type=actor_type, actor_id=actor_id, actor_label=label, action=action,
        participant_id=participant.id if participant is not None else None,
        site_id=site_id if site_id is not None else (
            participant.site_id if participant is not None else None),
        target=target, detail=detail)
    session.add(event)
    return event
