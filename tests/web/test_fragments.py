"""A question's HTML comes from the store only for the very inputs it was drawn for."""

from flask import render_template_string
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from diary.rules import instrument
from diary.web import fragments

DRAWN_FRESH = ('{% from "participant/_items.html" import item_field %}'
               "{{ item_field(item, values, errors, caregiver, own) }}")


def fresh(item, values, errors, caregiver, own):
    return render_template_string(DRAWN_FRESH, item=item, values=values, errors=errors,
                                  caregiver=caregiver, own=own)


def test_each_language_answer_error_and_wording_gets_its_own_html(app):
    symptoms = instrument.BY_SECTION["symptoms"].items
    medicines = next(i for s in instrument.BY_SECTION.values() for i in s.items if i.groups)
    cases = []
    for item in (symptoms[0], symptoms[1], medicines):
        codes = item.codes()
        for values in (MultiDict(), MultiDict([(item.id, codes[0])]),
                       MultiDict([(item.id, codes[-1])]),
                       MultiDict([(item.id, codes[0]), (item.id, codes[1])])):
            for errors in ({}, {item.id: "Please answer this question."}):
                for caregiver in (False, True):
                    for own in ((), (medicines.codes()[2],)):
                        cases.append((item, values, errors, caregiver, own))
    with app.test_request_context("/"):
        app.extensions["diary_fragments"].clear()
        drawn = {"zh": set(), "en": set()}
        for _round in range(2):  # the second round is served from the store
            for locale in ("zh", "en"):
                with force_locale(locale):
                    for item, values, errors, caregiver, own in cases:
                        html = fragments.item_html(item, values, errors, caregiver, own)
                        assert html == fresh(item, values, errors, caregiver, own)
                        drawn[locale].add(str(html))
    assert not drawn["zh"] & drawn["en"]  # no question is drawn alike in both languages
    assert len(drawn["zh"]) >= 3 * 3 * 2  # three items, each answer and error drawn apart


def test_the_store_stays_within_its_limit(app, monkeypatch):
    monkeypatch.setattr(fragments, "LIMIT", 3)
    item = instrument.BY_SECTION["symptoms"].items[0]
    with app.test_request_context("/"):
        app.extensions["diary_fragments"].clear()
        for code in item.codes():
            fragments.item_html(item, MultiDict([(item.id, code)]), {}, False)
            assert len(app.extensions["diary_fragments"]) <= 3


def test_parts_drawn_once_follow_the_language_and_the_page(client, session, login_as, clock):
    from tests.conftest import csrf
    from tests.support.factories import make_participant

    clock.set("2026-03-10T20:00:00+08:00")
    people = {"zh": make_participant(session, locale="zh"),
              "en": make_participant(session, locale="en")}
    session.commit()
    for _round in range(2):
        for locale, person in people.items():
            login_as(person)
            home = client.get("/").get_data(as_text=True)
            screen = client.get("/diary/2026-03-10/symptoms").get_data(as_text=True)
            review = client.get("/diary/2026-03-10/review").get_data(as_text=True)
            notice = {"zh": "如遇紧急情况，请立即拨打120", "en": "In an emergency call 120"}[locale]
            assert all(notice in page for page in (home, screen, review))
            assert "data-saved" in screen
            assert "data-saved" not in home + review
            assert "data-review" in review
            assert "data-review" not in home + screen
            assert all('/static/diary.' in page and 'src="/static/offline.' in page
                       for page in (home, screen))
            client.post("/logout", data={"csrf_token": csrf(client, "/")})


def test_typed_or_forged_answers_are_drawn_each_time_and_never_kept(app):
    symptom = instrument.BY_SECTION["symptoms"].items[0]
    typed = next(i for s in instrument.BY_SECTION.values() for i in s.items
                 if i.kind == "temperature")
    forged = MultiDict([(symptom.id, "x" * 10_000)])
    with app.test_request_context("/"):
        store = app.extensions["diary_fragments"]
        store.clear()
        html = fragments.item_html(symptom, forged, {symptom.id: "Not an option."}, False)
        assert html == fresh(symptom, forged, {symptom.id: "Not an option."}, False, ())
        for value in ("37.2", "37.3"):
            answer = MultiDict([(typed.id, value)])
            assert value in fragments.item_html(typed, answer, {}, False)
        assert store == {}


SUMMARY = ('{% from "participant/_answers.html" import answers_list %}'
           "{{ answers_list(section, answers, caregiver, change_url) }}")


def drawn_afresh(app, **given) -> str:
    """The summary drawn with an empty store, the store left as it was."""
    store = app.extensions["diary_fragments"]
    kept = dict(store)
    store.clear()
    try:
        return render_template_string(SUMMARY, **given)
    finally:
        store.clear()
        store.update(kept)


def test_a_summary_comes_from_the_store_only_for_the_very_answers_it_shows(app):
    symptoms, events = instrument.BY_SECTION["symptoms"], instrument.BY_SECTION["events"]
    first, second = symptoms.items[0], symptoms.items[1]
    days = [(symptoms, {}), (symptoms, {first.id: first.codes()[0]}),
            (symptoms, {first.id: first.codes()[-1]}),
            (symptoms, {first.id: first.codes()[0], second.id: second.codes()[1]}),
            (events, {"E1": "yes", "E1_COUNT": "2"}), (events, {"E1": "yes", "E1_COUNT": "3"})]
    with app.test_request_context("/"):
        store = app.extensions["diary_fragments"]
        store.clear()
        for _round in range(2):  # the second round is served from the store
            for locale in ("zh", "en"):
                with force_locale(locale):
                    for section, answers in days:
                        for caregiver in (False, True):
                            for change_url in (None, "/diary/2026-03-10/symptoms"):
                                given = {"section": section, "answers": answers,
                                         "caregiver": caregiver, "change_url": change_url}
                                html = render_template_string(SUMMARY, **given)
                                assert html == drawn_afresh(app, **given)
        assert [key for key in store if "summary" in key and "symptoms" in key]
        assert not [key for key in store if "events" in key]  # a typed count is never kept


def test_an_answer_that_shows_a_question_is_on_that_question_s_screen():
    """A summary is kept by its own section's answers: nothing it shows depends on another's."""
    for section in instrument.BY_SECTION.values():
        ids = {item.id for item in section.items}
        for item in section.items:
            assert item.shown_if is None or item.shown_if[0] in ids, item.id
