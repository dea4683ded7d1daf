"""`flask diary rekey`: after a new key is put first, every number is found again, every STOP
and lockout still holds, and the old key can be retired."""

from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Text, select, type_coerce

from diary import crypto
from diary.models import (
    AuditEvent,
    Caregiver,
    InboundMessage,
    OutboundMessage,
    Participant,
    PhoneState,
    ReminderRecipients,
    SignInThrottle,
    Site,
    StaffUser,
)
from diary.services import rekey
from diary.services.messaging import inbound, reachability
from diary.services.people import sign_in
from tests.conftest import TEST_KEY
from tests.support.factories import (
    PIN,
    STAFF_PASSWORD,
    make_caregiver,
    make_participant,
    make_site,
    make_staff,
)

NEW = Fernet.generate_key().decode()
ON_CALL, UNKNOWN = "+8613800009999", "+8613911112222"


@pytest.fixture
def keys():
    """Install other encryption keys for one test, then the tests' own again."""
    yield crypto.configure
    crypto.configure(TEST_KEY)


@pytest.fixture
def stored(session, run_tick, clock, rules):
    """A participant and a caregiver reminded by SMS, the caregiver's STOP, an on-call number,
    five wrong PINs on the participant's phone and five wrong passwords for a staff member, and
    a wrong PIN for a number nobody enrolled: everything that holds a number or its hash."""
    site = make_site(session, on_call_phone=ON_CALL)
    p = make_participant(session, site=site, diary_start_date=date(2026, 3, 10),
                         reminder_recipients=ReminderRecipients.BOTH)
    carer = make_caregiver(session, p, name="王芳")
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    assert len(session.scalars(select(OutboundMessage.id)).all()) == 2
    inbound.receive(session, "SM-stop", carer.phone, "STOP", clock(), rules)
    staff = make_staff(session, sites=[site])
    for _ in range(sign_in.Lockout().max_failures):
        sign_in.sign_in_phone(session, p.phone, "000000", clock(), sign_in.Lockout())
        sign_in.sign_in_staff(session, staff.email, "wrong-password", clock(), sign_in.Lockout())
    sign_in.sign_in_phone(session, UNKNOWN, "000000", clock(), sign_in.Lockout())
    session.commit()
    return p.phone, carer.phone


def found(session, phone: str):
    session.expire_all()
    return sign_in.find_by_phone(session, phone)


def raw_tokens(session) -> list[str]:
    """Every encrypted value as stored."""
    columns = [Participant.phone, Caregiver.name, Caregiver.phone, OutboundMessage.to_phone,
               InboundMessage.from_phone, InboundMessage.body, Site.on_call_phone]
    return [t for c in columns for t in session.scalars(select(type_coerce(c, Text))) if t]


def test_a_new_first_key_finds_no_number_until_rekeyed_then_every_one(session, stored, keys,
                                                                        clock, monkeypatch):
    phone, carer_phone = stored
    monkeypatch.setattr(rekey, "BATCH", 1)  # every row a batch of its own
    keys(f"{NEW},{TEST_KEY}")
    assert found(session, phone) is None  # why the command exists

    done = rekey.rekey(session, clock())
    session.commit()

    assert done.rehashed == {"participant": 1, "caregiver": 1, "outbound_message": 2,
                             "inbound_message": 1}
    assert done.moved == {"phone_state": 1, "sign_in_throttle": 2}
    assert done.dropped == {"sign_in_throttle": 1}  # the number nobody enrolled
    assert isinstance(found(session, phone), Participant)
    assert isinstance(found(session, carer_phone), Caregiver)
    assert reachability.blocked(session, crypto.lookup_hash(carer_phone)) == "opted_out"
    assert sign_in.sign_in_phone(session, phone, PIN, clock(), sign_in.Lockout()).locked
    staff_email = session.scalar(select(StaffUser.email))
    assert sign_in.sign_in_staff(session, staff_email, STAFF_PASSWORD, clock(),
                                 sign_in.Lockout()).locked
    assert session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "keys.rekeyed"))

    keys(NEW)  # the old key retired: everything still reads
    session.expire_all()
    first = Fernet(NEW.encode())
    plain = {first.decrypt(t.encode()).decode() for t in raw_tokens(session)}
    assert plain == {phone, carer_phone, "王芳", "STOP", ON_CALL}  # each encrypted once
    carer = session.scalar(select(Caregiver))
    assert (carer.name, carer.phone) == ("王芳", carer_phone)
    assert session.scalar(select(Site.on_call_phone)) == ON_CALL
    assert session.scalar(select(InboundMessage.body)) == "STOP"
    assert session.scalar(select(OutboundMessage.to_hash).where(
        OutboundMessage.caregiver_id == carer.id)) == crypto.lookup_hash(carer_phone)


def test_rekeying_again_changes_nothing(session, stored, keys, clock):
    keys(f"{NEW},{TEST_KEY}")
    assert rekey.rekey(session, clock()).changed > 0
    session.commit()
    tokens = raw_tokens(session)
    again = rekey.rekey(session, clock())
    assert again.changed == 0
    assert raw_tokens(session) == tokens
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "keys.rekeyed")
                          .order_by(AuditEvent.id.desc())) == session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "keys.rekeyed"))  # recorded once


def test_a_state_recorded_under_the_new_key_first_is_merged_keeping_the_stop(session, stored,
                                                                               keys, clock,
                                                                               rules):
    """Started with the new key before rekeying: the number's new record meets its old one."""
    _, carer_phone = stored
    keys(f"{NEW},{TEST_KEY}")
    reachability.delivery_report(session, crypto.lookup_hash(carer_phone), False, clock(),
                                 rules.flags)
    assert reachability.blocked(session, crypto.lookup_hash(carer_phone)) is None
    sign_in.sign_in_phone(session, stored[0], "000000", clock(), sign_in.Lockout())
    session.commit()

    done = rekey.rekey(session, clock())
    session.commit()

    assert done.merged == {"phone_state": 1, "sign_in_throttle": 1}
    state = session.scalar(select(PhoneState).where(
        PhoneState.phone_hash == crypto.lookup_hash(carer_phone)))
    assert state.opted_out_at is not None
    assert state.undelivered_in_row == 1
    assert session.scalar(select(SignInThrottle.failures).where(
        SignInThrottle.key_hash == sign_in.phone_key(stored[0]))) >= sign_in.Lockout().max_failures


def test_the_command_checks_without_changing_then_rekeys(app, session, stored, keys):
    phone, _ = stored
    keys(f"{NEW},{TEST_KEY}")
    runner = app.test_cli_runner()

    checked = runner.invoke(args=["diary", "rekey", "--check"])
    assert checked.exit_code == 0, checked.output
    assert "participant: 1 hashes recomputed" in checked.output
    assert "none made" in checked.output
    assert found(session, phone) is None

    result = runner.invoke(args=["diary", "rekey"])
    assert result.exit_code == 0, result.output
    assert isinstance(found(session, phone), Participant)
    assert "Nothing to change" in runner.invoke(args=["diary", "rekey"]).output


def test_a_service_started_before_the_rekey_refuses_to_run_and_says_what_to_do(app, session,
                                                                                stored, keys,
                                                                                clock):
    from diary import startup
    from tests.support.query_counter import count_queries

    with count_queries(session) as counted:
        assert not rekey.pending(session)
    assert counted.count == 0  # one key: nothing to ask at start-up
    session.commit()
    keys(f"{NEW},{TEST_KEY}")
    assert rekey.pending(session)
    session.rollback()
    with pytest.raises(startup.KeysNotRekeyed, match="flask --app wsgi diary rekey"):
        startup.refuse_stale_keys(app)

    rekey.rekey(session, clock())
    session.commit()
    assert not rekey.pending(session)
    session.rollback()
    startup.refuse_stale_keys(app)


def test_an_old_key_written_otherwise_than_when_it_was_first_is_refused(session, keys, clock,
                                                                         rules):
    """A trailing newline on the old first key made its hashes: written without it, the STOPs
    would match nothing and be lost, so the command changes nothing and says why."""
    keys(TEST_KEY + "\n")
    p = make_participant(session)
    inbound.receive(session, "SM-stop", p.phone, "STOP", clock(), rules)
    session.commit()
    keys(f"{NEW},{TEST_KEY}")
    with pytest.raises(rekey.Refused, match="written exactly"):
        rekey.rekey(session, clock())
    session.rollback()
    keys(f"{NEW},{TEST_KEY}\n")
    assert rekey.rekey(session, clock()).moved == {"phone_state": 1}


def test_one_number_enrolled_twice_under_two_keys_is_named_not_merged(session, keys, clock):
    first = make_participant(session, phone="+8613800000077")
    session.commit()
    keys(f"{NEW},{TEST_KEY}")
    second = make_participant(session, phone="+8613800000077")  # its hash under the new key
    session.commit()
    with pytest.raises(rekey.Refused, match=f"participant {first.id} and {second.id}"):
        rekey.rekey(session, clock())
