"""A new encryption key, as DEPLOY.md rotates it: both services stopped, the key put first,
`flask diary rekey`, started again; later the old key removed. Everyone still signs in, and
a server started before the command refuses to run."""

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from diary.models import Participant
from tests.conftest import TEST_KEY
from tests.live.conftest import PARTICIPANT_PHONE, sign_in
from tests.support.live_server import LiveServer, fresh_database

NEW = Fernet.generate_key().decode()


def serving(server: LiveServer, keys: str):
    """The server started again with these keys (stopped first if it runs)."""
    server.stop()
    server.keys = keys
    server.start()
    return server


def test_a_rotated_key_keeps_every_sign_in_and_every_number(template_db, tmp_path):
    server = LiveServer(fresh_database(template_db, tmp_path), tmp_path)
    server.cli("diary", "demo")
    try:
        serving(server, TEST_KEY)
        sign_in(server, "participant")

        with pytest.raises(pytest.fail.Exception, match="Worker failed to boot"):
            serving(server, f"{NEW},{TEST_KEY}")  # started too early: refuses, says why
        assert "flask --app wsgi diary rekey" in server.log()
        output = server.cli("diary", "rekey")
        assert "participant: 12 hashes recomputed" in output, output
        serving(server, f"{NEW},{TEST_KEY}")
        for role in ("participant", "caregiver", "coordinator"):
            sign_in(server, role)
        server.assert_no_errors()

        serving(server, NEW)  # the old key retired
        sign_in(server, "participant")
        with server.database() as session:
            first = session.scalar(select(Participant.id).where(
                Participant.study_code == "XW-001"))
        staff = sign_in(server, "coordinator")
        settings = staff.get(f"/staff/participants/{first}/settings")
        assert settings.status_code == 200
        assert PARTICIPANT_PHONE in settings.text  # decrypted with the new key alone
        assert "Nothing to change" in server.cli("diary", "rekey")
        server.assert_no_errors()
    finally:
        server.stop()
