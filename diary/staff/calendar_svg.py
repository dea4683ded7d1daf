"""A month-by-month overview as server-rendered SVG: one square per day, coloured and marked.

The picture is one image (``role="img"`` with a summary as its name), never a container of links:
the months are reached through a separate list of links with big targets and text labels. Each
status also has a mark of its own (tick, clock, cross, dash, bars), so colour is never the only
sign of it.
"""

from collections.abc import Callable
from datetime import date, timedelta

from markupsafe import Markup, escape

from diary.rules.calendar import DayCell

CELL, GAP, HEAD, PAD = 14, 2, 18, 10
MONTH_W = 7 * (CELL + GAP)
MONTH_H = HEAD + 6 * (CELL + GAP)
COLUMNS = 3
# Presentation attributes, not style attributes: the content security policy forbids inline style.
FILLS = {"on_time": "#2e7d32", "late": "#e0a100", "missed": "#c62828", "excused": "#757575",
         "paused": "#b0bec5", "open": "#ffffff", "upcoming": "#f2f2f2", "not_expected": "#ffffff"}
STROKES = {"open": "#0b5394", "not_expected": "#e0e0e0", "upcoming": "#bdbdbd"}
# The mark drawn on a square of each status (a path in the 14 × 14 square) and its ink.
MARKS = {"on_time": ("M3 7.5 6 10.5 11 4", "#ffffff"), "late": ("M7 3 V7 H10.5", "#1a1a1a"),
         "missed": ("M4 4 10 10 M10 4 4 10", "#ffffff"), "excused": ("M3.5 7 H10.5", "#ffffff"),
         "paused": ("M5 4 V10 M9 4 V10", "#1a1a1a")}
UNDELIVERED = "M7 0.5 H13.5 V7 Z"


def render(cells: dict[date, DayCell], starts: list[date], today: date, *,
           month_label: Callable[[date], str], day_title: Callable[[DayCell], str],
           title: str) -> Markup:
    """The SVG image, a block per month, each day a marked square with a tooltip."""
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
            parts.append(_day(cell, x, y, day == today, day_title(cell)))
            day += timedelta(days=1)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute is escaped above


def key(status: str, undelivered: bool = False) -> Markup:
    """The legend's small square for a status, drawn as on the calendar."""
    square = _square(DayCell(date.min, status, undelivered=undelivered), 0, 0, False)
    return Markup(f'<svg class="key" viewBox="0 0 {CELL} {CELL}" aria-hidden="true">'  # noqa: S704
                  f'{square}</svg>')


def _day(cell: DayCell, x: int, y: int, is_today: bool, label: str) -> str:
    return (f'<g class="d d-{cell.status}"><title>{escape(label)}</title>'
            f'{_square(cell, x, y, is_today)}</g>')


def _square(cell: DayCell, x: int, y: int, is_today: bool) -> str:
    fill = FILLS.get(cell.status, "#ffffff")
    stroke = "#1a1a1a" if is_today else STROKES.get(cell.status, fill)
    width = 2 if is_today or cell.status == "open" else 1
    parts = [f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="{width}"/>']
    if cell.status in MARKS:
        path, ink = MARKS[cell.status]
        parts.append(f'<path transform="translate({x} {y})" d="{path}" fill="none" '
                     f'stroke="{ink}" stroke-width="2" stroke-linecap="round"/>')
    if cell.undelivered:
        parts.append(f'<path class="undelivered" transform="translate({x} {y})" '
                     f'd="{UNDELIVERED}" fill="#ffffff" stroke="#1a1a1a" stroke-width="1"/>')
    return "".join(parts)
