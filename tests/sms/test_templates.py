"""Every SMS wording fits one segment with the signature, in both languages, with no stray link."""

import re
import string

import pytest

from diary.sms import segments, templates
from diary.sms.templates import LONGEST_CODE, LONGEST_LINK, TextSettings

LONGEST = TextSettings(signature_zh="【研究日记】", signature_en="[Study Diary]",
                       link=LONGEST_LINK)
MAINLAND, ABROAD = "+8613912345678", "+85291234567"
ALL = [(kind, lang, variant) for kind, by_lang in templates.TEXTS.items()
       for lang in ("zh", "en") for variant in range(len(by_lang[lang]))]


def test_every_kind_has_at_least_two_wordings_in_both_languages():
    for kind, by_lang in templates.TEXTS.items():
        assert set(by_lang) == {"zh", "en"}, kind
        assert len(by_lang["zh"]) == len(by_lang["en"]) >= 2, kind
        assert len(set(by_lang["zh"])) == len(by_lang["zh"]), kind


@pytest.mark.parametrize(("kind", "lang", "variant"), ALL)
@pytest.mark.parametrize("to", [MAINLAND, ABROAD])
def test_rendering_fits_one_segment_with_signature_and_longest_values(kind, lang, variant, to):
    body = templates.render(kind, lang, variant, to, LONGEST, LONGEST_CODE)
    assert segments.segments(body) == 1, body
    if lang == "zh":
        assert body.startswith("【研究日记】")
        assert segments.units(body) <= 70
    else:
        assert body.startswith("[Study Diary] ")
        assert segments.is_gsm7(body), body
        assert segments.units(body) <= 160


@pytest.mark.parametrize(("kind", "lang", "variant"), ALL)
def test_no_link_to_mainland_numbers_and_a_link_abroad_for_diary_kinds(kind, lang, variant):
    home = templates.render(kind, lang, variant, MAINLAND, LONGEST, LONGEST_CODE)
    away = templates.render(kind, lang, variant, ABROAD, LONGEST, LONGEST_CODE)
    assert "http" not in home
    assert "://" not in home
    assert (LONGEST_LINK in away) == (kind in templates.LINKED)


def test_wordings_carry_no_name_or_answer_only_the_study_code_placeholder():
    fields = {name for by_lang in templates.TEXTS.values() for wordings in by_lang.values()
              for text in wordings for _, name, _, _ in string.Formatter().parse(text) if name}
    assert fields == {"code"}
    for kind, by_lang in templates.TEXTS.items():
        for text in by_lang["zh"] + by_lang["en"]:
            assert ("{code}" in text) == (kind == "on_call")
            assert not re.search(r"\d{2,}", text.replace("START", "")), text


def test_on_call_alert_names_the_study_code_only():
    body = templates.render("on_call", "zh", 0, MAINLAND, LONGEST, "XW-007")
    assert "XW-007" in body


def test_configured_signature_too_long_is_reported():
    long_signature = TextSettings(signature_zh="【" + "很长的研究日记签名" * 4 + "】",
                                  link=LONGEST_LINK)
    assert any("more than one segment" in p for p in templates.problems(long_signature))
    assert templates.problems(LONGEST) == []


def test_app_refuses_to_start_with_a_signature_that_breaks_the_segment_limit(tmp_path):
    from diary import config

    settings = config.load(str(tmp_path), {"DIARY_SMS_SIGNATURE_EN": "[" + "x" * 120 + "]",
                                           "SECRET_KEY": "k", "DIARY_ENCRYPTION_KEYS": "k"})
    with pytest.raises(config.ConfigError, match="too long"):
        config.validate(settings, str(tmp_path))


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello", 1), ("x" * 160, 1), ("x" * 161, 2), ("[" * 80, 1), ("[" * 81, 2),
    ("中" * 70, 1), ("中" * 71, 2), ("é" * 160, 1), ("ç" * 70, 1),
])
def test_segment_counting_follows_gsm7_and_ucs2_limits(text, expected):
    assert segments.segments(text) == expected
