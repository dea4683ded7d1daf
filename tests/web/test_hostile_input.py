"""Input an attacker sends: files in text fields, control characters, odd digits; never a 500."""

import io

import pytest

from diary.models import MessageStatus, OutboundMessage
from tests.conftest import csrf
from tests.support.factories import make_participant
from tests.web.participant.test_bad_input import draft_answers, open_screen
from tests.web.webhooks.test_webhooks import sent_message, signed_post  # noqa: F401 - fixtures

CONTROL_EN = "invisible control characters"
CONTROL_ZH = "看不见的控制字符"


@pytest.mark.parametrize(("url", "field", "other"), [
    ("/login", "phone", {"pin": "246810"}),
    ("/login", "pin", {"phone": "13800000001"}),
    ("/staff/login", "email", {"password": "correct horse battery"}),
    ("/staff/login", "password", {"email": "someone@example.org"}),
])
def test_a_file_in_a_sign_in_field_is_an_empty_field(client, url, field, other):
    data = {"csrf_token": csrf(client, url), **other,
            field: (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "photo.png")}
    response = client.post(url, data=data, content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Please enter your" in response.get_data(as_text=True)


def test_control_characters_at_sign_in_are_refused_in_both_languages(client, session):
    make_participant(session, phone="+8613800000001")
    session.commit()
    for language, message in (("en", CONTROL_EN), ("zh", CONTROL_ZH)):
        response = client.post("/login", data={"csrf_token": csrf(client), "phone": "13800000001",
                                               "pin": "2468\x0010"},
                               headers={"Accept-Language": language})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    staff = client.post("/staff/login", data={"csrf_token": csrf(client, "/staff/login"),
                                              "email": "a\x1b@example.org", "password": "x"},
                        headers={"Accept-Language": "en"})
    assert CONTROL_EN in staff.get_data(as_text=True)


def test_a_typed_answer_with_control_characters_is_refused(
        client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "medicines")
    page = walker.press({"M1": "all", "M2": "yes", "M2_DRUGS": "other",
                         "M2_OTHER": "aspi\x00rin\x07", "action": "next"})
    assert walker.status == 200
    assert CONTROL_EN in page
    assert "M2_OTHER" not in draft_answers(session, p)


def test_an_error_code_in_other_digits_is_not_a_500(session, signed_post, sent_message):  # noqa: F811
    _, message = sent_message
    for code in ("²", "٣", "1e3", ""):
        response = signed_post("/sms/status", {"MessageSid": "SMfake1",
                                               "MessageStatus": "failed", "ErrorCode": code})
        assert response.status_code == 204, code
    session.expire_all()
    stored = session.get(OutboundMessage, message.id)
    assert stored.status == MessageStatus.FAILED
    assert stored.error_code is None
