"""The participant page's calendar: an SVG overview, links to each month, and its legend."""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

from babel import Locale, dates
from flask import url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from markupsafe import Markup

from diary.rules.calendar import DayCell
from diary.services.reporting.participant_page import Page
from diary.staff import calendar_svg
from diary.web.i18n import language

COUNTED = ("on_time", "late", "missed", "excused")
# The same marks as on the squares, as text for the month links.
SYMBOLS = {"on_time": "✓", "late": "◷", "missed": "✗", "excused": "–"}
LEGEND = ("on_time", "late", "missed", "excused", "paused", "open", "upcoming")


@dataclass(frozen=True)
class MonthLink:
    label: str
    url: str
    current: bool
    counts: list[tuple[str, int, str, str]]  # status, days, its name, its mark


@dataclass(frozen=True)
class CalendarView:
    svg: Markup
    months: list[MonthLink]
    legend: list[tuple[Markup, str]]


def day_status_names() -> dict[str, str]:
    """Each day status in the reader's language."""
    return {"on_time": _("On time"), "late": _("Late"), "missed": _("Missed"),
            "excused": _("Excused"), "paused": _("Paused"),
            "open": pgettext("diary day", "Open"),
            "upcoming": _("Upcoming"), "not_expected": _("Not in the diary period")}


def date_formatter(format: str) -> Callable[[date], str]:
    """`flask_babel.format_date(day, format)`, the pattern looked up once, each text kept.

    The page formats hundreds of days, and every participant's calendar the same ones;
    flask_babel finds the locale and parses the pattern anew for each. The app sets no
    custom date formats, so the locale's own are the same.
    """
    return partial(_formatted, language(), format)


@lru_cache(maxsize=32)
def _pattern(locale: str, format: str) -> tuple[Locale, dates.DateTimePattern]:
    found = Locale.parse(locale)
    if format in ("short", "medium", "long", "full"):
        format = dates.get_date_format(format, locale=found)
    return found, dates.parse_pattern(format)


@lru_cache(maxsize=16384)
def _formatted(locale: str, format: str, day: date) -> str:
    found, pattern = _pattern(locale, format)
    return pattern.apply(day, found)


def render(page: Page) -> CalendarView:
    """The overview image, one link per month with its counts, and the legend."""
    names = day_status_names()
    totals = Counter(cell.status for cell in page.cells.values())
    # Translators: the name of the calendar picture, read by screen readers.
    title = _("Diary days, month by month: %(on_time)d on time, %(late)d late, %(missed)d "
              "missed, %(excused)d excused", **{s: totals[s] for s in COUNTED})
    # Translated once; filled in for each of the hundreds of squares.
    # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: Missed, reminder …".
    undelivered = _("%(day)s: %(status)s, reminder not delivered")
    # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: On time".
    plain = _("%(day)s: %(status)s")
    medium, month = date_formatter("medium"), date_formatter("yyyy-MM")

    def day_title(cell: DayCell) -> str:
        values = {"day": medium(cell.day), "status": names.get(cell.status, cell.status)}
        return (undelivered if cell.undelivered else plain) % values

    svg = calendar_svg.render(page.cells, page.months(), page.today, month_label=month,
                              day_title=day_title, title=title)
    legend = [(calendar_svg.key(s), names[s]) for s in LEGEND]
    legend.append((calendar_svg.key("missed", undelivered=True), _("Reminder not delivered")))
    by_month: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for day, cell in page.cells.items():
        by_month[day.year, day.month][cell.status] += 1
    return CalendarView(svg, [_month(page, m, by_month[m.year, m.month], names, month)
                              for m in page.months()], legend)


def _month(page: Page, start: date, counts: Counter, names: dict[str, str],
           label: Callable[[date], str]) -> MonthLink:
    url = url_for("staff.participant", participant_id=page.participant.id,
                  month=start.strftime("%Y-%m")) + "#days"
    return MonthLink(label(start), url, start == page.month,
                     [(s, counts[s], names[s], SYMBOLS[s]) for s in COUNTED if counts[s]])
