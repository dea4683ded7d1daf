"""Labels and links for the participant page's SVG calendar of the whole diary."""

from babel import dates
from flask import url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from diary.rules.calendar import DayCell
from diary.services.reporting.participant_page import Page
from diary.staff import calendar_svg


def day_status_names() -> dict[str, str]:
    """Each day status in the reader's language."""
    return {"on_time": _("On time"), "late": _("Late"), "missed": _("Missed"),
            "excused": _("Excused"), "paused": _("Paused"), "open": _("Open"),
            "upcoming": _("Upcoming"), "not_expected": _("Not in the diary period")}


def render(page: Page) -> Markup:
    """The calendar SVG for the page (a year is 365 squares: format and link them cheaply)."""
    names = day_status_names()
    locale = get_locale()
    medium = dates.parse_pattern(locale.date_formats["medium"])  # parsed once, not per day
    # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: Missed, reminder …".
    undelivered = _("%(day)s: %(status)s, reminder not delivered")
    # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: On time".
    plain = _("%(day)s: %(status)s")
    months: dict[str, str] = {}

    def title(cell: DayCell) -> str:
        words = {"day": medium.apply(cell.day, locale),
                 "status": names.get(cell.status, cell.status)}
        return (undelivered if cell.undelivered else plain) % words

    def link(day) -> str:
        month = day.strftime("%Y-%m")
        if month not in months:
            months[month] = url_for("staff.participant", participant_id=page.participant.id,
                                    month=month)
        return f"{months[month]}#d-{day.isoformat()}"

    return calendar_svg.render(page.cells, page.months(), page.today,
                               month_label=lambda m: format_date(m, "yyyy-MM"),
                               day_title=title, link=link,
                               title=_("Diary days, month by month"))
