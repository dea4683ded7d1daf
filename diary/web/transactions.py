"""Transaction mode per request kind: pages that only read never wait for the write lock."""

from flask import Flask, g, request

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Pages fetched with GET that still write once, first thing (an export records who took it).
WRITING_READS = {"staff.export_csv", "staff.export_odm"}


def may_write(peek: bool = False) -> bool:
    """Whether the transaction beginning now may write.

    Requests that change something (POST and the like) take the write lock for every
    transaction; a writing read takes it for its first transaction only, so the long stream
    that follows an export's audit row does not hold writers back.
    """
    if request.method not in READING_METHODS:
        return True
    if request.endpoint not in WRITING_READS or g.get("_diary_wrote"):
        return False
    if not peek:
        g._diary_wrote = True
    return True


def init_app(app: Flask) -> None:
    """Let the SQLite BEGIN ask the request what kind it is."""
    app.extensions["diary_may_write"] = may_write
