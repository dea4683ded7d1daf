"""Each question's HTML, drawn once per language, wording and answer, then served again.

Most of a diary screen is its questions' fixed words and tiles; between two people only the
ticked tile and the error differ. A question's HTML depends on nothing but the item, its own
answer, its error, the caregiver's wording, the usual medicines and the language (no address,
no token, no date), so what was drawn for one set of these serves every later request with the
same set. A full store is emptied and refilled: it never grows past ``LIMIT`` questions.
"""

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

LIMIT = 4096
_drawn: dict[tuple, tuple[object, Markup]] = {}


def item_html(item, values, errors, caregiver: bool, own=()) -> Markup:
    """The item's fieldset as ``participant/_items.html`` draws it, from the store when it can."""
    error = errors.get(item.id)
    key = (str(get_locale()), item.id, bool(caregiver), tuple(own) if item.groups else (),
           tuple(values.getlist(item.id)), None if error is None else str(error))
    found = _drawn.get(key)
    if found is not None and found[0] is item:  # the instrument's own item, not a namesake
        return found[1]
    macro = current_app.jinja_env.get_template("participant/_items.html").module.item_field
    html = macro(item, values, errors, caregiver, own)  # escaped: the template autoescapes
    if len(_drawn) >= LIMIT:
        _drawn.clear()
    _drawn[key] = (item, html)
    return html


def init_app(app) -> None:
    """Templates call ``item_html(item, values, errors, caregiver, own)``."""
    app.jinja_env.globals["item_html"] = item_html
