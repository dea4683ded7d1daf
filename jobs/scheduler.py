"""The scheduler: one APScheduler job that runs the tick every minute, in its own process."""

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from diary import clock, sms
from diary.extensions import db
from diary.rules.deployment import Rules
from diary.services.tick import ticking

JOB_ID = "diary-tick"
log = logging.getLogger("jobs")


def run_tick(app: Flask, gateway: sms.Gateway, rules: Rules | None = None) -> dict:
    """One tick: app context, the service, commit."""
    rules = rules or Rules.from_config(app.config)
    with app.app_context():
        try:
            report = ticking.tick(db.session, clock.now(), gateway, rules)
            db.session.commit()
        finally:
            db.session.remove()
    log.info("tick %s", report)
    return report


def build(app: Flask, gateway: sms.Gateway | None = None) -> BlockingScheduler:
    """A UTC scheduler with the tick job: fixed id, coalesced, one at a time, misfire grace."""
    gateway = gateway or sms.gateway_from_config(app.config)
    scheduler = BlockingScheduler(timezone="UTC")
    rules = Rules.from_config(app.config)  # once per process, as create_app does
    # The first tick runs at start-up: a scheduler restarted after a crash finishes the
    # interrupted work at once instead of at the next full minute.
    scheduler.add_job(run_tick, "cron", args=(app, gateway, rules), second=0, id=JOB_ID,
                      name="diary tick", replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=int(app.config["DIARY_TICK_MISFIRE_GRACE_SECONDS"]),
                      next_run_time=datetime.now(UTC))
    return scheduler
