"""What a person changes about their own account, on the real server: language, sign-out."""

import re

from sqlalchemy import select

from diary.models import Caregiver, Participant
from tests.live.conftest import sign_in


def _chosen_time(page: str) -> str:
    return re.search(r'<option (?=[^>]*selected)[^>]*value="([^"]+)"', page).group(1)


def test_language_set_on_settings_and_switched_back_is_saved_and_said(live_server, cast):
    for role, model, pk in (("caregiver", Caregiver, cast.caregiver_id),
                            ("participant", Participant, cast.participant_id)):
        browser = sign_in(live_server, role)
        page = browser.get("/settings").text
        saved = browser.submit("/settings", {"locale": "en", "reminder_time": _chosen_time(page)})
        assert (saved.status_code, saved.headers["Location"]) == (302, "/settings"), saved.text
        page = browser.get("/settings").text
        assert '<html lang="en">' in page
        assert "Your settings are saved." in page  # in the language just chosen
        with live_server.database() as session:
            assert session.get(model, pk).locale == "en"
        back = browser.submit("/language", {"locale": "zh", "next": "/"})
        assert back.status_code == 302
        assert '<html lang="zh-CN">' in browser.get("/").text
        with live_server.database() as session:
            assert session.scalar(select(model.locale).where(model.id == pk)) == "zh"
        out = browser.submit("/logout")
        assert out.headers["Location"] == "/login"
        assert browser.get("/settings").headers["Location"].startswith("/login")
