"""Each language's templates are compiled with their fixed words translated, to the same HTML."""

import re
from pathlib import Path

from flask import render_template_string
from flask_babel import force_locale

from diary.web import translated_templates

TEMPLATES = Path(translated_templates.__file__).resolve().parent.parent / "templates"
FIXED = re.compile(r"""_\((?:"[^"\\]*"|'[^'\\]*')\)""")


def fixed_words() -> list[str]:
    """Every ``_("…")`` without arguments that a template holds, as written there."""
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        found.update(FIXED.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


def compiled_as(app, source: str, name: str):
    env = app.jinja_env
    return env.template_class.from_code(env, env.compile(source, name=name),
                                        env.make_globals(None), None)


def test_every_fixed_word_compiles_to_what_the_call_gives(app):
    calls = fixed_words()
    assert len(calls) > 200  # the templates' own words, not an empty list
    source = "\n".join(f"{{{{ {call} }}}}|{{{{ {call} ~ '&' }}}}" for call in calls)
    with app.test_request_context("/"):
        for language in ("zh", "en"):
            with force_locale(language):
                by_call = render_template_string(source)  # translated as it renders
                folded = compiled_as(app, source, f"{language}:probe.html")
                code = app.jinja_env.compile(source, name=f"{language}:probe.html", raw=True)
                assert "gettext" not in code
                assert folded.render() == by_call
    assert any("'" in call[3:-2] for call in calls)  # an apostrophe, which escaping would change


def test_pages_come_from_their_language_and_so_does_what_they_extend(app):
    env = app.jinja_env
    with app.test_request_context("/"):
        with force_locale("zh"):
            page = env.get_template("participant/home.html")
            assert page.name == "zh:participant/home.html"
            assert env.join_path("base.html", page.name) == "zh:base.html"
            html = render_template_string('{% extends "base.html" %}')
            assert "研究日记" in html
            assert "This diary is not watched" not in html
        with force_locale("en"):
            assert env.get_template("participant/home.html").name == "en:participant/home.html"
    assert env.get_template("base.html").name == "base.html"  # no request: no language


def test_english_words_keep_their_apostrophes(client, session, login_as, clock):
    from tests.support.factories import make_participant

    clock.set("2026-03-10T20:00:00+08:00")
    participant = make_participant(session, locale="en")
    session.commit()
    login_as(participant, locale="en")
    html = client.get("/").get_data(as_text=True)
    assert "Start today's diary" in html  # drawn as the call drew it: not &#39;


def test_only_a_call_with_nothing_to_fill_in_is_folded(app):
    env = app.jinja_env
    today = env.catalogue("zh").gettext("Today")
    assert today != "Today"
    folded = env.compile('{{ _("Today") }}', name="zh:probe.html", raw=True)
    assert repr(today) in folded
    assert "'Today'" not in folded
    kept = env.compile('{{ _("%(n)d overdue") }}{{ x._("Today") }}{{ _("Today", n=1) }}',
                       name="zh:probe.html", raw=True)
    assert "'%(n)d overdue'" in kept
    assert kept.count("'Today'") == 2
    assert repr(today) not in kept


def test_the_language_follows_every_change_of_the_locale(app):
    from flask import session
    from flask_babel import refresh

    from diary.web.i18n import language

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert language() == "zh"
        assert language() == "zh"  # kept, asked again
        with force_locale("en"):
            assert language() == "en"
        assert language() == "zh"
        session["locale"] = "en"  # a switch: chosen again from the session
        refresh()
        assert language() == "en"


def test_a_template_compiled_first_leaves_the_plurals_in_chinese(app):
    env = app.jinja_env
    with app.test_request_context("/"), force_locale("zh"):
        env.compile('{{ _("Today") }}', name="zh:probe.html")  # the catalogue's first use
        html = render_template_string(
            '{{ ngettext("Your answers to the first step are saved.", '
            '"Your answers to the first %(num)d steps are saved.", 3) }}')
    assert "steps" not in html
    assert "3" in html
