"""Urgent safety flags: an SMS to the site's on-call number, with the study code only."""

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import Flag, FlagKind, FlagStatus, Participant, Site
from diary.rules import phones, schedule
from diary.rules.deployment import Rules
from diary.services.messaging import outbox, wording
from diary.sms import templates

UNNOTIFIED = (select(Flag, Participant.study_code, Site)
              .join(Participant, Participant.id == Flag.participant_id)
              .join(Site, Site.id == Participant.site_id)
              .where(Flag.kind == FlagKind.SAFETY_URGENT, Flag.status == FlagStatus.OPEN,
                     Flag.notified_at.is_(None), Flag.opened_at >= bindparam("since")))


def queue_on_call(session: Session, now: datetime, rules: Rules) -> int:
    """Queue one alert per open urgent flag not yet notified; the tick sends it at once."""
    max_age = timedelta(hours=rules.outbox.on_call_max_age_hours)
    rows = session.execute(UNNOTIFIED, {"since": now - max_age}).all()
    new = []
    for flag, code, site in rows:
        if not site.on_call_phone:
            continue
        new.append(_alert(flag, code, site, now, max_age, rules))
        flag.notified_at = now
    return outbox.enqueue(session, new, now)


def _alert(flag: Flag, code: str, site: Site, now: datetime, max_age: timedelta,
           rules: Rules) -> outbox.NewMessage:
    to = site.on_call_phone
    locale = "zh" if phones.is_mainland(to) else "en"
    variant = wording.preferred_variant("on_call", None, flag.id)
    return outbox.NewMessage(
        key=f"site{site.id}:on_call:{flag.diary_date}:flag{flag.id}", recipient="on_call",
        to=to, to_hash=crypto.lookup_hash(to), kind="on_call", locale=locale, variant=variant,
        body=templates.render("on_call", locale, variant, to, rules.texts, code),
        due_at=now, expires_at=now + max_age, diary_date=flag.diary_date,
        local_date=schedule.local_today(now, site.timezone), participant_id=flag.participant_id,
        site_id=site.id)
