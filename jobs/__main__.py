"""Run the scheduler in its own process (never inside web workers)."""

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from diary import clock, create_app
from diary.extensions import db


def tick() -> None:
    """One tick: app context, the service, commit."""
    from diary.services import ticking

    with app.app_context():
        report = ticking.run(db.session, clock.now())
        logging.getLogger("jobs").info("tick %s", report)


app = create_app()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(tick, "cron", second=0, id="diary-tick", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=50)
    scheduler.start()
