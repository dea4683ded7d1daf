"""What a long-running process (a web worker, the scheduler) checks once its app is built."""

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from diary.extensions import READS_ONLY, db
from diary.services import rekey

STALE_KEYS = ("DIARY_ENCRYPTION_KEYS has a new first key, but the stored phone numbers are "
              "still under the old one: nobody could sign in by phone, no reply would find its "
              "sender and no STOP would be matched. Stop the web service and the scheduler, run "
              "`flask --app wsgi diary rekey`, then start them again (docs/DEPLOY.md, section 5).")


class KeysNotRekeyed(RuntimeError):
    """The data waits for `flask diary rekey`; gunicorn stops instead of booting workers again."""


def refuse_stale_keys(app: Flask) -> None:
    """Stop at start-up while `flask diary rekey` is still due (one query, with several keys).

    A database that cannot be reached yet is not a reason to stop: its pages say so.
    """
    with app.app_context():
        try:
            with db.engine.connect().execution_options(**{READS_ONLY: True}) as connection:
                stale = rekey.pending(Session(connection))
        except SQLAlchemyError:
            stale = False
    if stale:
        raise KeysNotRekeyed(STALE_KEYS)
