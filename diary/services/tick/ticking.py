"""The scheduler's tick: everything due at an instant, run once, safe to repeat or interrupt."""

from datetime import datetime

from sqlalchemy.orm import Session

from diary.rules.deployment import Rules
from diary.services.messaging import delivery, on_call, outbox, reminders
from diary.services.tick import closing
from diary.sms.gateway import Gateway


def tick(session: Session, now: datetime, gateway: Gateway, rules: Rules) -> dict:
    """Close windows and flag, reconcile unknown sends, plan due messages, send them."""
    # An idle tick stays one short transaction: commit only after writing.
    people = reminders.roster(session)
    report = closing.close_windows(session, now, rules, people)
    if report["missed_days"]:
        session.commit()
    report["reconciled"] = delivery.reconcile(session, gateway, now, rules)
    report.update(reminders.plan(session, now, rules))
    report["on_call"] = on_call.queue_on_call(session, now, rules)
    if report["queued"] or report["stale"] or report["on_call"]:
        session.commit()
    report["delivery"] = outbox.deliver(session, gateway, now, rules)
    return report
