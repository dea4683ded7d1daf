"""Pooled connections: one the server closed is replaced before use, without a round trip."""

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from diary.extensions import db
from tests.conftest import POSTGRES_URL

postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="a PostgreSQL backend ended")
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="a SQLite connection's trace")


@postgres_only
def test_a_connection_the_server_ended_is_replaced_at_checkout(app):
    with db.engine.connect() as connection:
        first = connection.connection.dbapi_connection.info.backend_pid
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with admin.connect() as other:
        assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
    admin.dispose()
    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.info.backend_pid != first
        assert connection.scalar(sa.text("SELECT 1")) == 1


@postgres_only
def test_a_live_connection_is_kept(app):
    with db.engine.connect() as connection:
        first = connection.connection.dbapi_connection.info.backend_pid
    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.info.backend_pid == first


@sqlite_only
def test_taking_a_pooled_connection_sends_nothing(app):
    with db.engine.connect() as connection:
        driver = connection.connection.dbapi_connection
    sent = []
    driver.set_trace_callback(sent.append)
    try:
        with db.engine.connect() as connection:
            assert connection.connection.dbapi_connection is driver
    finally:
        driver.set_trace_callback(None)
    assert [s for s in sent if not s.upper().startswith("ROLLBACK")] == []
