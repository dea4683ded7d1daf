"""The embedded database, its write-ahead log and the development secrets are private (0600)."""

import os
import stat

import pytest
import sqlalchemy as sa

from diary import config as settings
from diary import sqlite_files
from diary.extensions import db
from tests.conftest import POSTGRES_URL


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The common umask 022, which would leave new files readable by every local user."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def write_through(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('private')"))
    with engine.connect() as conn:  # the log and shared memory exist while a connection is open
        assert conn.scalar(sa.text("PRAGMA journal_mode")) == "wal"
        files = {name: mode(f"{url.removeprefix('sqlite:///')}{name}")
                 for name in ("", "-wal", "-shm")}
    engine.dispose()
    assert files == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_a_new_database_file_and_its_wal_and_shm_are_created_0600(tmp_path, loose_umask):
    write_through(f"sqlite:///{tmp_path / 'diary.db'}")


def test_an_existing_world_readable_database_is_tightened_on_connect(tmp_path, loose_umask):
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    (tmp_path / "old.db-wal").touch(mode=0o644)
    assert mode(path) == 0o644
    write_through(f"sqlite:///{path}")


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the embedded database only")
def test_the_applications_own_database_is_0600(app, session):
    session.execute(sa.text("SELECT 1"))
    path = db.engine.url.database
    assert mode(path) == 0o600
    assert mode(path + "-wal") == 0o600


def test_memory_and_read_only_databases_create_no_file(tmp_path):
    assert sqlite_files.database_path([":memory:"], {}) is None
    assert sqlite_files.database_path([f"file:{tmp_path}/x.db?mode=ro"], {"uri": True}) is None
    assert sqlite_files.database_path([f"file:{tmp_path}/y.db"], {"uri": True}) == \
        f"{tmp_path}/y.db"


def test_generated_development_secrets_are_0600_in_a_0700_folder(tmp_path, loose_umask,
                                                                 monkeypatch):
    for name in ("DIARY_SECRET_KEY", "DIARY_ENCRYPTION_KEYS", "DIARY_PIN_PEPPER", "DIARY_ENV",
                 "DIARY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    config = settings.load(str(instance))
    settings.validate(config, str(instance))
    assert mode(instance) == 0o700
    assert {p.name: mode(p) for p in instance.iterdir()} == {
        "secret_key": 0o600, "diary_encryption_keys": 0o600, "diary_pin_pepper": 0o600}
    again = settings.load(str(instance))
    settings.validate(again, str(instance))
    assert again["SECRET_KEY"] == config["SECRET_KEY"]


def test_an_existing_readable_secret_file_is_tightened(tmp_path, monkeypatch):
    monkeypatch.delenv("DIARY_SECRET_KEY", raising=False)
    monkeypatch.delenv("DIARY_ENCRYPTION_KEYS", raising=False)
    (tmp_path / "secret_key").write_text("k" * 64)
    (tmp_path / "secret_key").chmod(0o644)
    config = settings.load(str(tmp_path), {"DIARY_ENV": "development"})
    settings.validate(config, str(tmp_path))
    assert config["SECRET_KEY"] == "k" * 64
    assert mode(tmp_path / "secret_key") == 0o600
