"""Parts of pages drawn once per language (and what else they depend on), then served again.

Most of a diary screen is its questions' fixed words and tiles; between two people only the
ticked tile and the error differ. A question's HTML depends on nothing but the item, its own
answer, its error, the caregiver's wording, the usual medicines and the language (no address,
no token, no date), so what was drawn for one set of these serves every later request with the
same set. Only answers chosen from the item's own codes are kept (what is typed, or forged, is
drawn each time), and each application keeps its own store, emptied when full: it never grows
past ``LIMIT`` parts.
"""

from flask import current_app, request
from markupsafe import Markup

from diary.web.i18n import language

LIMIT = 4096


def _store() -> dict[tuple, tuple[object, Markup]]:
    store = current_app.extensions["diary_fragments"]
    if len(store) >= LIMIT:
        store.clear()
    return store


def _chosen(item, picked) -> bool:
    """Whether every value was chosen from the item's own codes: only such HTML is kept."""
    return item.code_set.issuperset(picked)


def item_html(item, values, errors, caregiver: bool, own=()) -> Markup:
    """The item's fieldset as ``participant/_items.html`` draws it, from the store when it can."""
    given = tuple(values.getlist(item.id))
    if not _chosen(item, given):  # typed or forged: drawn each time, never kept
        return _item_field()(item, values, errors, caregiver, own)
    error = errors.get(item.id)
    key = (language(), item.id, bool(caregiver), tuple(own) if item.groups else (),
           given, None if error is None else str(error))
    store = _store()
    found = store.get(key)
    if found is not None and found[0] is item:  # the instrument's own item, not a namesake
        return found[1]
    html = _item_field()(item, values, errors, caregiver, own)  # escaped: autoescaping
    store[key] = (item, html)
    return html


def _item_field():
    """The macro that draws a question, in the request's language."""
    return current_app.jinja_env.get_template("participant/_items.html").module.item_field


def drawn_once(*key, caller) -> Markup:
    """The body of ``{% call drawn_once(name, ...) %}…{% endcall %}``, drawn once per language.

    For markup that depends on nothing but the language and the names given: the addresses of
    the static files (fixed while the server runs), a page's fixed words.
    """
    key = (language(), request.script_root, "once", *key)
    store = _store()
    found = store.get(key)
    if found is None:
        found = store[key] = (None, caller())
    return found[1]


def drawn_for(*key, items, answers, caller) -> Markup:
    """``drawn_once`` for markup that also shows the answers to ``items`` (a summary).

    Kept only when every answer is one of its item's own codes: a day with a typed answer
    (a temperature, a note) is drawn each time, and what is typed is never kept.
    """
    chosen = []
    for item in items:
        value = answers.get(item.id)
        if value is None:
            continue
        if not _chosen(item, value.split(",") if item.kind == "multi" else [value]):
            return caller()
        chosen.append((item.id, value))
    return drawn_once(*key, tuple(item.id for item in items), tuple(chosen), caller=caller)


def init_app(app) -> None:
    """Templates call ``item_html(item, values, errors, caregiver, own)``, ``drawn_once`` and
    ``drawn_for``."""
    app.extensions["diary_fragments"] = {}
    app.jinja_env.globals.update(item_html=item_html, drawn_once=drawn_once,
                                 drawn_for=drawn_for)
