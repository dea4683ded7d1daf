"""A month-by-month calendar as server-rendered SVG: one square per day, coloured by status."""

from collections.abc import Callable
from datetime import date, timedelta

from markupsafe import Markup, escape

from diary.rules.calendar import DayCell

CELL, GAP, HEAD, PAD = 14, 2, 18, 10
MONTH_W = 7 * (CELL + GAP)
MONTH_H = HEAD + 6 * (CELL + GAP)
COLUMNS = 3
# Presentation attributes, not style attributes: the content security policy forbids inline style.
FILLS = {"on_time": "#2e7d32", "late": "#e0a100", "missed": "#c62828", "excused": "#8e8e8e",
         "paused": "#b0bec5", "open": "#ffffff", "upcoming": "#f2f2f2", "not_expected": "#ffffff"}
STROKES = {"open": "#0b5394", "not_expected": "#e0e0e0"}


def render(cells: dict[date, DayCell], starts: list[date], today: date, *,
           month_label: Callable[[date], str], day_title: Callable[[DayCell], str],
           link: Callable[[date], str], title: str) -> Markup:
    """The SVG element, a block per month; each day links to its entry and has a title."""
    rows = -(-len(starts) // COLUMNS)
    width = COLUMNS * (MONTH_W + PAD)
    height = rows * (MONTH_H + PAD)
    parts = [f'<svg class="year" role="img" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">']
    for index, start in enumerate(starts):
        x0 = (index % COLUMNS) * (MONTH_W + PAD)
        y0 = (index // COLUMNS) * (MONTH_H + PAD)
        parts.append(f'<text x="{x0}" y="{y0 + 12}" font-size="11" fill="#1a1a1a">'
                     f'{escape(month_label(start))}</text>')
        day, offset = start, start.weekday()
        while day.month == start.month:
            cell = cells.get(day, DayCell(day, "not_expected"))
            slot = offset + day.day - 1
            x = x0 + (slot % 7) * (CELL + GAP)
            y = y0 + HEAD + (slot // 7) * (CELL + GAP)
            parts.append(_day(cell, x, y, day == today, link(day), day_title(cell)))
            day += timedelta(days=1)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute is escaped above


def _day(cell: DayCell, x: int, y: int, is_today: bool, href: str, label: str) -> str:
    fill = FILLS.get(cell.status, "#ffffff")
    stroke = "#1a1a1a" if is_today else STROKES.get(cell.status, fill)
    width = 2 if is_today else 1
    mark = ""
    if cell.undelivered:
        cx, cy = x + CELL / 2, y + CELL / 2
        mark = (f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="#ffffff" stroke="#1a1a1a" '
                f'stroke-width="1.5"/>')
    return (f'<a href="{escape(href)}" class="d d-{cell.status}"><title>{escape(label)}</title>'
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"/>{mark}</a>')
