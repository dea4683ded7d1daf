"""PIN hashes mix in a pepper from configuration; peppers rotate and old hashes are upgraded."""

import pytest
from werkzeug.security import check_password_hash

from diary import crypto
from diary.config import ConfigError, load, validate
from diary.services.people import sign_in
from tests.conftest import TEST_PEPPER
from tests.support.factories import PIN, make_participant

OLD, NEW = "old-pepper-" + "1" * 32, "new-pepper-" + "2" * 32


@pytest.fixture
def peppers():
    """Install other peppers for one test, then the tests' own again."""
    yield crypto.configure_peppers
    crypto.configure_peppers(TEST_PEPPER)


def test_a_copied_hash_cannot_be_searched_without_the_pepper(session):
    p = make_participant(session)
    p.set_secret("135791")
    stored = p.secret_hash
    assert stored.startswith(crypto.PEPPERED)
    inner = stored.partition("$")[2]
    # What a copied database allows: trying every PIN against the hash; none matches alone.
    assert not any(check_password_hash(inner, pin) for pin in ("135791", "246810"))
    assert p.check_secret("135791")


def test_what_the_service_hashes_keeps_the_full_scrypt_cost(session):
    """Fixture accounts are hashed more cheaply (tests.support.factories); a secret the service
    sets itself, as enrolment and a PIN change do, never is."""
    p = make_participant(session)
    assert "$scrypt:1024:" in p.secret_hash  # the fixture's own
    p.set_secret("135791")
    assert p.secret_hash.partition("$")[2].startswith("scrypt:32768:8:1$")
    assert crypto.METHOD == "scrypt:32768:8:1"


def test_a_hash_under_an_old_pepper_still_signs_in_and_is_rehashed(session, clock, peppers):
    p = make_participant(session, phone="+8613800000001")
    peppers(OLD)
    p.secret_hash = crypto.hash_secret(PIN)
    session.commit()
    generation = p.session_generation
    peppers(f"{NEW},{OLD}")
    result = sign_in.sign_in_phone(session, "13800000001", PIN, clock(), sign_in.Lockout())
    assert result.account is not None
    assert p.secret_hash.startswith(f"{crypto.PEPPERED}{crypto._pepper_id(NEW)}$")
    assert p.session_generation == generation  # rehashing signs nobody out
    peppers(NEW)  # the old pepper retired: the upgraded hash still works
    assert p.check_secret(PIN)


def test_a_hash_made_before_peppers_still_signs_in_and_is_upgraded(session, clock):
    from werkzeug.security import generate_password_hash

    p = make_participant(session, phone="+8613800000001")
    p.secret_hash = generate_password_hash(PIN)
    session.commit()
    assert sign_in.sign_in_phone(session, "13800000001", PIN, clock(),
                                 sign_in.Lockout()).account is not None
    assert p.secret_hash.startswith(crypto.PEPPERED)


def test_a_retired_pepper_no_longer_verifies(session, peppers):
    p = make_participant(session)
    peppers(OLD)
    p.set_secret(PIN)
    peppers(NEW)
    assert not p.check_secret(PIN)


def _production(tmp_path, **values) -> dict:
    return load(str(tmp_path), {"DIARY_ENV": "production", "SECRET_KEY": "k" * 64,
                                "DIARY_ENCRYPTION_KEYS": "x", "DIARY_PIN_PEPPER": NEW, **values})


@pytest.mark.parametrize("pepper", [None, "short"])
def test_production_requires_a_long_pepper(tmp_path, pepper):
    with pytest.raises(ConfigError, match="DIARY_PIN_PEPPER"):
        validate(_production(tmp_path, DIARY_PIN_PEPPER=pepper), str(tmp_path))


def test_production_starts_with_long_enough_secrets(tmp_path):
    validate(_production(tmp_path), str(tmp_path))


@pytest.mark.parametrize("key", ["x", "a" * 31])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(tmp_path, key):
    with pytest.raises(ConfigError, match=r"at least 32 bytes.*secrets.token_hex\(32\)"):
        validate(_production(tmp_path, SECRET_KEY=key), str(tmp_path))
