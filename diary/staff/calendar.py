"""Labels and links for the participant page's SVG calendar of the whole diary."""

from flask import url_for
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from markupsafe import Markup

from diary.rules.calendar import DayCell
from diary.services.reporting.participant_page import Page
from diary.staff import calendar_svg


def day_status_names() -> dict[str, str]:
    """Each day status in the reader's language."""
    return {"on_time": _("On time"), "late": _("Late"), "missed": _("Missed"),
            "excused": _("Excused"), "paused": _("Paused"),
            "open": pgettext("diary day", "Open"),
            "upcoming": _("Upcoming"), "not_expected": _("Not in the diary period")}


def render(page: Page) -> Markup:
    """The calendar SVG for the page."""
    names = day_status_names()

    def title(cell: DayCell) -> str:
        day, status = format_date(cell.day, "medium"), names.get(cell.status, cell.status)
        if cell.undelivered:
            # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: Missed, reminder …".
            return _("%(day)s: %(status)s, reminder not delivered", day=day, status=status)
        # Translators: a calendar square's tooltip, e.g. "Mar 9, 2026: On time".
        return _("%(day)s: %(status)s", day=day, status=status)

    def link(day) -> str:
        return url_for("staff.participant", participant_id=page.participant.id,
                       month=day.strftime("%Y-%m")) + f"#d-{day.isoformat()}"

    return calendar_svg.render(page.cells, page.months(), page.today,
                               month_label=lambda m: format_date(m, "yyyy-MM"),
                               day_title=title, link=link,
                               title=_("Diary days, month by month"))
