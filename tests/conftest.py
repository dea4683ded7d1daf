"""Fixtures: an app on a fresh database per test, a client, a settable clock, factories."""

import contextvars
import os
import shutil
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import has_app_context
from flask.testing import FlaskClient

from diary import create_app
from diary.extensions import db as _db

TEST_KEY = Fernet.generate_key().decode()
TEST_PEPPER = "test-pepper-" + "0" * 32
POSTGRES_URL = os.environ.get("DIARY_TEST_DATABASE_URL")

pytest_plugins = ["tests.support.sms", "tests.support.faults", "tests.support.live_server"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The simulated fortnights and the real processes first, so that with several workers
    they run beside the rest instead of after it (the order is otherwise kept)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


class Clock:
    """A clock tests set and move; the app reads it through DIARY_CLOCK."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, iso: str) -> datetime:
        """Move to an instant given in ISO-8601 (with an offset, e.g. +08:00)."""
        self.at = datetime.fromisoformat(iso).astimezone(UTC)
        return self.at


def _migrate(url: str, instance: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(url, instance))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def _config(url: str, instance: str, **extra) -> dict:
    return {"DIARY_ENV": "testing", "TESTING": True, "SECRET_KEY": "test-secret",
            "DIARY_ENCRYPTION_KEYS": TEST_KEY, "DIARY_PIN_PEPPER": TEST_PEPPER,
            "SQLALCHEMY_DATABASE_URI": url,
            **extra}


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database made once: a file to copy (SQLite) or the PostgreSQL schema."""
    root = tmp_path_factory.mktemp("db")
    if POSTGRES_URL:
        url = _worker_database(POSTGRES_URL)
        migrate_afresh(url, str(root))
        return url
    path = root / "template.db"
    _migrate(f"sqlite:///{path}", str(root))
    return path


def _worker_database(url: str) -> str:
    """Each pytest-xdist worker gets a PostgreSQL database of its own, created when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return database_beside(url, worker) if worker else url


def database_beside(url: str, suffix: str) -> str:
    """The URL of a PostgreSQL database named after `url`'s plus a suffix, created when missing."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{suffix}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def migrate_afresh(url: str, instance: str) -> None:
    """An empty PostgreSQL schema, migrated to the latest revision."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    _migrate(url, instance)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))  # 12:00 in Beijing


class RequestClient(FlaskClient):
    """A test client whose every request runs in an application context of its own.

    In a server each request pushes a fresh context: a new `g`, a new database session, closed
    before the response body streams. The test keeps its own context for setup and asserts; its
    work is committed before a request (as it would be in the world the request arrives in) and
    expired after it, so what the request wrote is read back from the database.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context()  # False for a redirect followed inside the request's run
        if outer:
            _db.session.commit()
        # An empty contextvars context holds no app context, so Flask pushes a new one, as a
        # server does; buffered, so the body is produced after that context is gone.
        kwargs["buffered"] = True
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if outer:
            _db.session.expire_all()
        return response


@pytest.fixture
def app(template_db, tmp_path, clock):
    if POSTGRES_URL:
        url = template_db
    else:
        shutil.copy(template_db, tmp_path / "test.db")
        url = f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(_config(url, str(tmp_path), DIARY_CLOCK=clock))
    app.test_client_class = RequestClient
    with app.app_context():
        if POSTGRES_URL:
            _truncate_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _truncate_all() -> None:
    names = ", ".join(t.name for t in _db.metadata.sorted_tables)
    _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    _db.session.commit()


@pytest.fixture
def session(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Sign a participant, caregiver or staff member in through the real forms."""
    from tests.support import factories

    def sign_in(account, secret: str | None = None, locale: str | None = None):
        if locale:
            client.post("/language", data={"locale": locale, "csrf_token": csrf(client)})
        if account.kind == "staff":
            data = {"email": account.email, "password": secret or factories.STAFF_PASSWORD}
            url = "/staff/login"
        else:
            data = {"phone": account.phone, "pin": secret or factories.PIN, "remember": "y"}
            url = "/login"
        data["csrf_token"] = csrf(client, url)
        response = client.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in


def csrf(client, url: str = "/login") -> str:
    """A CSRF token from a page's form."""
    import re

    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
