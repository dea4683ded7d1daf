"""The participant page's calendar: an SVG overview, links to each month, and its legend."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from markupsafe import Markup

from diary.rules.calendar import DayCell
from diary.services.reporting.participant_page import Page
from diary.staff import calendar_svg

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


def render(page: Page) -> CalendarView:
    """The overview image, one link per month with its counts, and the legend."""
    names = day_status_names()
    totals = Counter(cell.status for cell in page.cells.values())
    # Translators: the name of the calendar picture, read by screen readers.
    title = _("Diary days, month by month: %(on_time)d on time, %(late)d late, %(missed)d "
              "missed, %(excused)d excused", **{s: totals[s] for s in COUNTED})

    def day_title(cell: DayCell) -> str:
        day, status = format_date(cell.day, "medium"), names.get(cell.status, cell.status)
        if cell.undelivered:
            # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: Missed, reminder …".
            return _("%(day)s: %(status)s, reminder not delivered", day=day, status=status)
        # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: On time".
        return _("%(day)s: %(status)s", day=day, status=status)

    svg = calendar_svg.render(page.cells, page.months(), page.today,
                              month_label=lambda m: format_date(m, "yyyy-MM"),
                              day_title=day_title, title=title)
    legend = [(calendar_svg.key(s), names[s]) for s in LEGEND]
    legend.append((calendar_svg.key("missed", undelivered=True), _("Reminder not delivered")))
    return CalendarView(svg, [_month(page, m, names) for m in page.months()], legend)


def _month(page: Page, start: date, names: dict[str, str]) -> MonthLink:
    counts = Counter(cell.status for day, cell in page.cells.items()
                     if (day.year, day.month) == (start.year, start.month))
    url = url_for("staff.participant", participant_id=page.participant.id,
                  month=start.strftime("%Y-%m")) + "#days"
    return MonthLink(format_date(start, "yyyy-MM"), url, start == page.month,
                     [(s, counts[s], names[s], SYMBOLS[s]) for s in COUNTED if counts[s]])
