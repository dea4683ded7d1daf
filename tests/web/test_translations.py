"""Every string exists in Chinese: no gap, no fuzzy entry, no stale template, no English leak."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "diary/translations/zh/LC_MESSAGES/messages.po"
POT = ROOT / "diary/translations/messages.pot"


def _ids(path: Path) -> set:
    with path.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_every_chinese_string_is_translated_and_not_fuzzy():
    with PO.open("rb") as f:
        catalog = read_po(f)
    gaps = [m.id for m in catalog if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert gaps == [], f"untranslated: {gaps[:5]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:5]}"


def test_placeholders_match_in_every_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    pattern = re.compile(r"%\(\w+\)[sd]")
    for m in catalog:
        if m.id and m.string:
            # A plural's every form follows the plural msgid (Chinese has one form).
            source = m.id[-1] if isinstance(m.id, tuple) else m.id
            for text in m.string if isinstance(m.string, tuple) else (m.string,):
                assert sorted(pattern.findall(source)) == sorted(pattern.findall(text)), m.id


def test_messages_pot_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "--no-location",
         "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh), "."],
        cwd=ROOT, check=True)
    assert _ids(fresh) == _ids(POT), "run script/translations and translate the new strings"
    assert _ids(POT) == _ids(PO), "messages.po is not merged with messages.pot"


class _Text(HTMLParser):
    """The visible text of a page, without script, style or the language switcher."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style") or (tag == "form" and ("class", "lang") in attrs):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value and not self._skip:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "form") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


# Words that stay as they are in Chinese text: codes, abbreviations, units and names.
ALLOWED = {"PIN", "BE", "FAST", "PT", "OT", "ST", "MLC601", "XW", "B", "E", "F", "A", "S",
           "T", "C", "English"}


def english_words(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    words = re.findall(r"[A-Za-z]{2,}", " ".join(parser.parts))
    return [w for w in words if w not in ALLOWED]


def chinese_pages(client, session, login_as, clock):
    from tests.support.factories import make_caregiver, make_participant
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-10T20:30:00+08:00")
    p = make_participant(session, locale="zh", infusions=[__import__("datetime").date(2026, 3, 8)])
    make_caregiver(session, p)
    seed_yesterday(session, p)
    login_as(p)
    urls = ["/", "/history", "/settings", "/diary/2026-03-10/review",
            "/diary/2026-03-10/help?kind=emergency", "/diary/2026-03-10/help?kind=crisis",
            "/diary/2026-02-01/who", "/no-such-page"]
    urls += [f"/diary/2026-03-10/{s}" for s in ("who", "warning", "symptoms", "events",
                                                 "function", "rehab", "medicines", "devices",
                                                 "infusion")]
    return {url: client.get(url).get_data(as_text=True) for url in urls}


def test_chinese_pages_contain_no_untranslated_english(client, session, login_as, clock):
    for url, html in chinese_pages(client, session, login_as, clock).items():
        assert 'lang="zh-CN"' in html, url
        assert english_words(html) == [], url


def test_sign_in_page_in_chinese_has_no_english(client):
    html = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert english_words(html) == []


@pytest.mark.parametrize("header", ["zh-CN", "zh-TW", "zh-Hans", "zh", "zh-CN,en;q=0.5"])
def test_chinese_accept_language_variants_select_chinese(client, header):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html


def test_english_browser_gets_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in to your diary" in html


def test_deployment_default_is_chinese(client):
    html = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html


def test_english_leak_detector_finds_english_and_ignores_the_switcher():
    html = ('<form class="lang"><button>English</button></form><p>今天 Please answer</p>'
            '<p title="Step two">第二步</p>')
    assert english_words(html) == ["Please", "answer", "Step", "two"]
