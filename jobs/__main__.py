"""Run the scheduler in its own process (never inside web workers): python -m jobs."""

import logging

from diary import create_app, memory, startup
from jobs.scheduler import build


def main() -> None:
    """Configure logging, build the app and the scheduler, and block."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    startup.refuse_stale_keys(app)
    logging.getLogger("jobs").info("scheduler started (SMS backend: %s)",
                                   app.config["DIARY_SMS_BACKEND"])
    scheduler = build(app)
    memory.settle()
    scheduler.start()


if __name__ == "__main__":
    main()
