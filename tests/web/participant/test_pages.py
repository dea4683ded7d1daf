"""Home, history and settings pages."""

from datetime import date, time

from sqlalchemy import select

from diary.models import AuditEvent, DayStatus, DiaryEntry
from tests.conftest import csrf
from tests.support.factories import CREATED, make_caregiver, make_participant


def test_home_offers_yesterday_until_noon(client, session, login_as, clock):
    clock.set("2026-03-11T09:00:00+08:00")
    p = make_participant(session, locale="en")
    session.commit()
    login_as(p)
    page = client.get("/").get_data(as_text=True)
    assert "/diary/2026-03-11/who" in page
    assert "/diary/2026-03-10/who" in page
    clock.set("2026-03-11T12:00:00+08:00")
    page = client.get("/").get_data(as_text=True)
    assert "/diary/2026-03-10/who" not in page


def in_each_language(client, session, login_as, **words):
    """Signed in as a new participant of each language in turn; yields that language's words."""
    for locale, said in words.items():
        p = make_participant(session, locale=locale)
        session.commit()
        login_as(p)
        yield said
        client.post("/logout", data={"csrf_token": csrf(client, "/settings")})


def test_yesterdays_screens_say_that_today_in_the_questions_means_yesterday(
        client, session, login_as, clock):
    clock.set("2026-03-11T09:00:00+08:00")
    for words in in_each_language(client, session, login_as,
                                  en="This is yesterday's diary", zh="这是昨天"):
        for step in ("events", "review"):
            assert words in client.get(f"/diary/2026-03-10/{step}").get_data(as_text=True)
            assert words not in client.get(f"/diary/2026-03-11/{step}").get_data(as_text=True)


def test_home_with_answers_kept_only_after_the_first_step_says_some_are_saved(
        client, session, login_as, clock):
    from tests.support.walker import Walker

    clock.set("2026-03-10T20:00:00+08:00")
    for words in in_each_language(client, session, login_as,
                                  en="Some of your answers are saved.", zh="部分回答已经保存。"):
        walker = Walker(client)
        walker.open("/diary/2026-03-10/rehab")
        walker.press({"T1": "yes", "action": "next"})  # sent back, its tap kept
        page = client.get("/").get_data(as_text=True)
        assert words in page
        assert "first 0" not in page
        assert "前0步" not in page


def test_home_puts_an_unfinished_yesterday_first_and_says_it_closes_at_noon_today(
        client, session, login_as, clock):
    clock.set("2026-03-11T04:30:00+08:00")
    for words in in_each_language(client, session, login_as,
                                  en="until 12:00\u202fPM today", zh="今天12:00之前还可以填写"):
        page = client.get("/").get_data(as_text=True)
        assert page.index("/diary/2026-03-10/who") < page.index("/diary/2026-03-11/who")
        assert words in page


def test_home_puts_today_first_once_yesterday_is_done(client, session, login_as, clock):
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-11T09:00:00+08:00")
    p = make_participant(session, locale="en")
    seed_yesterday(session, p, day=date(2026, 3, 10))
    login_as(p)
    page = client.get("/").get_data(as_text=True)
    assert page.index("/diary/2026-03-11/who") < page.index("/diary/2026-03-10/review")


def test_only_a_first_send_after_the_day_is_told_it_will_be_late(client, session, login_as,
                                                                   clock):
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-11T09:00:00+08:00")
    late = "It will be marked as late"
    sent, unsent = make_participant(session, locale="en"), make_participant(session, locale="en")
    seed_yesterday(session, sent, day=date(2026, 3, 10))  # sent on time, being changed now
    login_as(sent)
    assert late not in client.get("/diary/2026-03-10/review").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/settings")})
    login_as(unsent)
    assert late in client.get("/diary/2026-03-10/review").get_data(as_text=True)


def test_the_checking_page_of_a_day_not_answered_says_so(client, session, login_as, clock):
    clock.set("2026-03-10T20:00:00+08:00")
    for words in in_each_language(client, session, login_as,
                                  en="questions are not answered yet", zh="个问题没有回答"):
        page = client.get("/diary/2026-03-10/review").get_data(as_text=True)
        assert words in page
        assert "If your answers below are right" not in page
        assert "Send diary" not in page


def test_home_says_done_once_today_is_sent(client, session, login_as, clock):
    clock.set("2026-03-10T21:00:00+08:00")
    from tests.web.participant.test_diary_flow import seed_yesterday

    p = make_participant(session, locale="en")
    seed_yesterday(session, p, day=date(2026, 3, 10))  # a whole day, answered
    login_as(p)
    page = client.get("/").get_data(as_text=True)
    assert "Done. Thank you." in page
    assert "/diary/2026-03-10/review" in page


def test_history_shows_four_weeks_with_each_status(client, session, login_as, clock):
    clock.set("2026-03-20T10:00:00+08:00")
    p = make_participant(session, locale="en", diary_start_date=date(2026, 3, 1))
    for day, status in ((1, DayStatus.ON_TIME), (2, DayStatus.LATE), (3, DayStatus.MISSED),
                        (4, DayStatus.EXCUSED)):
        session.add(DiaryEntry(participant_id=p.id, diary_date=date(2026, 3, day),
                               status=status, created_at=CREATED))
    session.commit()
    login_as(p)
    page = client.get("/history").get_data(as_text=True)
    assert page.count('<td class="day') == 28
    for status in ("on_time", "late", "missed", "excused", "open", "upcoming"):
        assert f"day day-{status}" in page
    assert "March 19, 2026: Open" in page  # yesterday, until noon
    assert 'href="/diary/2026-03-20/review"' in page  # an open day opens to fill in
    assert '<span class="num">Mar 1</span>' in page  # the month's first day, its name apart


def test_a_sent_day_says_when_it_was_sent_in_words_not_digits(client, session, login_as,
                                                                clock):
    from diary.models import Originator
    from diary.services.diary import entries
    from tests.support.staff import full_answers

    for locale, words in (("en", "Mar 9, 2026 21:00"), ("zh", "2026年3月9日 21:00")):
        p = make_participant(session, locale=locale)
        clock.set("2026-03-09T21:00:00+08:00")
        entries.submit(session, p, date(2026, 3, 9), full_answers(p, date(2026, 3, 9)),
                       entries.Author(p, Originator.PARTICIPANT), "t" * 20 + locale, clock())
        session.commit()
        clock.set("2026-03-11T10:00:00+08:00")
        login_as(p)
        assert words in client.get("/history/2026-03-09").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf(client, "/settings")})


def test_history_names_a_month_start_as_chinese_writes_it(client, session, login_as, clock):
    clock.set("2026-03-20T10:00:00+08:00")
    login_as(make_participant(session, locale="zh", diary_start_date=date(2026, 3, 1)))
    assert '<span class="num">3月1日</span>' in client.get("/history").get_data(as_text=True)


def opened_by_each(client, session, login_as, people, url: str) -> tuple[list, list]:
    """Each person signs in and opens the page: the statements counted, and the pages."""
    from tests.support.query_counter import count_queries

    counters, pages = [], []
    for p in people:
        client.post("/logout", data={"csrf_token": csrf(client, "/login")})
        login_as(p)
        with count_queries(session) as counter:
            pages.append(client.get(url).get_data(as_text=True))
        counters.append(counter)
    return counters, pages


def test_home_query_count_does_not_grow_with_its_open_days(client, session, login_as, clock):
    """Yesterday and today open, each with answers stored and sent: the same statements as a
    home page with only one of them, and each day still reads its own state."""
    from diary.models import Draft
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-11T09:00:00+08:00")
    one, both = make_participant(session, locale="en"), make_participant(session, locale="en")
    session.commit()
    seed_yesterday(session, one, day=date(2026, 3, 11))
    for day in (date(2026, 3, 10), date(2026, 3, 11)):
        seed_yesterday(session, both, day=day)
    session.add(Draft(participant_id=both.id, diary_date=date(2026, 3, 10),
                      answers={"R1": "caregiver"}, updated_at=CREATED))
    session.commit()
    counters, pages = opened_by_each(client, session, login_as, (one, both), "/")
    assert counters[0].count == counters[1].count
    for counter in counters:  # the open days' entries and their drafts in one statement
        reading_drafts = [s for s in counter.statements if "draft" in s]
        assert len(reading_drafts) == 1, counter.statements
        assert "JOIN diary_entry" in reading_drafts[0], counter.statements
    assert "/diary/2026-03-10/who" in pages[0]
    assert "Done. Thank you." in pages[0]
    assert "Done. Thank you." in pages[1]  # today, as stored
    assert "Your changes are not sent yet." in pages[1]  # yesterday: its draft differs


def test_a_screen_reads_its_day_s_entry_and_draft_in_one_statement(client, session, login_as,
                                                                    clock):
    """Sent and being changed, or never started: the same statements, one for the day (its
    entry, its draft and the last answered day's answers, to copy)."""
    from diary.models import Draft
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-11T09:00:00+08:00")
    fresh, changing = make_participant(session, locale="en"), make_participant(session,
                                                                               locale="en")
    session.commit()
    seed_yesterday(session, changing, day=date(2026, 3, 11))
    session.add(Draft(participant_id=changing.id, diary_date=date(2026, 3, 11),
                      answers={"R1": "caregiver"}, updated_at=CREATED))
    session.commit()
    counters, pages = opened_by_each(client, session, login_as, (fresh, changing),
                                     "/diary/2026-03-11/who")
    assert counters[0].count == counters[1].count
    read = [[s for s in counter.statements if "diary_entry" in s or "draft" in s]
            for counter in counters]
    assert [len(statements) for statements in read] == [1, 1], read
    assert all("answer.item_id" in statements[0] for statements in read)
    assert "diary_entry" in read[0][0]
    assert "draft" in read[0][0]
    assert 'value="caregiver" class="button big primary"' not in pages[0]
    assert 'value="caregiver" class="button big primary"' in pages[1]  # the draft's answer


def test_history_query_count_does_not_grow_with_entries(client, session, login_as, clock):
    from tests.support.query_counter import count_queries

    clock.set("2026-03-28T10:00:00+08:00")
    few = make_participant(session, diary_start_date=date(2026, 3, 1))
    many = make_participant(session, diary_start_date=date(2026, 3, 1))
    for day in range(1, 27):
        session.add(DiaryEntry(participant_id=many.id, diary_date=date(2026, 3, day),
                               status=DayStatus.ON_TIME, created_at=CREATED))
    session.add(DiaryEntry(participant_id=few.id, diary_date=date(2026, 3, 1),
                           status=DayStatus.ON_TIME, created_at=CREATED))
    session.commit()
    counts = []
    for p in (few, many):
        client.post("/logout", data={"csrf_token": csrf(client, "/login")})
        login_as(p)
        with count_queries(session) as counter:
            assert client.get("/history").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_settings_change_language_and_reminder_time_and_are_audited(client, session, login_as):
    p = make_participant(session)
    session.commit()
    login_as(p)
    response = client.post("/settings", data={"locale": "en", "reminder_time": "19:30",
                                              "csrf_token": csrf(client, "/settings")})
    assert response.status_code == 302
    session.refresh(p)
    assert (p.locale, p.reminder_time) == ("en", time(19, 30))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert event.detail["reminder_time"] == {"before": "20:00", "after": "19:30"}
    assert "Your settings are saved." in client.get("/settings").get_data(as_text=True)


def test_reminder_time_outside_the_allowed_hours_is_refused(client, session, login_as):
    p = make_participant(session, locale="en")
    session.commit()
    login_as(p)
    response = client.post("/settings", data={"locale": "en", "reminder_time": "23:00",
                                              "csrf_token": csrf(client, "/settings")})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or \
        "Please choose" in response.get_data(as_text=True)
    session.refresh(p)
    assert p.reminder_time == time(20, 0)


def test_caregiver_changes_their_own_language(client, session, login_as):
    p = make_participant(session, locale="zh")
    carer = make_caregiver(session, p, locale="zh")
    session.commit()
    login_as(carer)
    client.post("/settings", data={"locale": "en", "reminder_time": "20:00",
                                   "csrf_token": csrf(client, "/settings")})
    session.refresh(carer)
    session.refresh(p)
    assert (carer.locale, p.locale) == ("en", "zh")


def test_language_switcher_saves_the_choice_on_the_account(client, session, login_as):
    p = make_participant(session, locale="zh")
    session.commit()
    login_as(p)
    client.post("/language", data={"locale": "en", "next": "/history",
                                    "csrf_token": csrf(client, "/")})
    session.refresh(p)
    assert p.locale == "en"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_manifest_makes_the_diary_installable(client):
    manifest = client.get("/manifest.webmanifest").get_json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}


def test_paused_participant_sees_a_message_and_cannot_fill_in(client, session, login_as, clock):
    from diary.models import ParticipantStatus

    clock.set("2026-03-10T20:00:00+08:00")
    p = make_participant(session, locale="en", status=ParticipantStatus.PAUSED)
    session.commit()
    login_as(p)
    page = client.get("/").get_data(as_text=True)
    assert "Your diary is paused" in page
    assert "/diary/2026-03-10/who" not in page
    assert 'name="R1"' not in client.get("/diary/2026-03-10/who").get_data(as_text=True)


def test_after_the_diary_period_the_home_page_says_thank_you(client, session, login_as, clock):
    clock.set("2027-03-05T20:00:00+08:00")
    p = make_participant(session, locale="en", diary_end_date=date(2027, 3, 1))
    session.commit()
    login_as(p)
    assert "Your diary has ended" in client.get("/").get_data(as_text=True)
