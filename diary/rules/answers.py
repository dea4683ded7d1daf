"""Reading a screen's answers from a form: validation against the instrument, skip logic."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from diary.rules.instrument import ITEMS, Section, is_shown
from diary.rules.text import has_control, without_control

MISSING = _l("Please answer this question.")
NOT_AN_OPTION = _l("Please choose one of the options shown.")
TEMPERATURE_RANGE = _l("Enter a temperature between 35.0 and 42.0 °C, or choose “Not measured”.")
OTHER_NAME = _l("Please write the name of the other medicine.")
CONTROL_CHARACTERS = _l("This has invisible control characters in it (perhaps from copying and "
                        "pasting). Please type it again.")
REHAB_KIND = _l("Please choose the minutes of at least one kind of rehabilitation, or answer "
                "“No” above.")
UNKNOWN_FIELD = _l("Some answers on this page did not match its questions. Please check and send "
                   "again.")


def read_section(section: Section, form, prior: dict[str, str]) -> tuple[dict, dict]:
    """The screen's answers (as stored strings) and errors keyed by item id ('' for the form)."""
    answers: dict[str, str] = {}
    errors: dict[str, object] = {}
    allowed = {i.id for i in section.items}
    if any(k in ITEMS and k not in allowed for k in form):
        errors[""] = UNKNOWN_FIELD
    context = dict(prior)
    for item in section.items:
        if not is_shown(item, context):
            continue
        value, error = _read(item, form)
        if error is not None:
            errors[item.id] = error
        if value is not None:
            answers[item.id] = value
            context[item.id] = value
    if answers.get("M2") == "yes" and "other" in answers.get("M2_DRUGS", "").split(","):
        if not answers.get("M2_OTHER"):
            errors["M2_OTHER"] = OTHER_NAME
    _rehab_has_a_kind(section, answers, errors)
    return answers, errors


def _rehab_has_a_kind(section: Section, answers: dict, errors: dict) -> None:
    """A "yes" to rehabilitation names at least one kind with its minutes, where the day asks
    for them (the short core days ask only whether)."""
    kinds = [i.id for i in section.items if i.id.startswith("T2_")]
    if answers.get("T1") == "yes" and kinds and not any(answers.get(k) for k in kinds) \
            and not any(k in errors for k in kinds):
        errors[kinds[0]] = REHAB_KIND


def _values(form, key: str) -> list[str]:
    """Every value a form sent for a field (a plain mapping sends at most one)."""
    if hasattr(form, "getlist"):
        return form.getlist(key)
    return [form[key]] if form.get(key) is not None else []


def _read(item, form) -> tuple[str | None, object]:
    if item.kind == "multi":
        picked = [v for v in _values(form, item.id) if v]
        if not item.code_set.issuperset(picked):
            return None, NOT_AN_OPTION
        if not picked:
            return (None, MISSING) if item.required else ("", None)
        return ",".join(c for c in item.codes() if c in picked), None
    if item.kind == "temperature":
        return _temperature(item, _values(form, item.id))
    raw = (form.get(item.id) or "").strip()
    if not raw:
        return (None, MISSING) if item.required else (None, None)
    if item.kind == "count":
        return _count(item, raw)
    if item.kind == "text":
        if has_control(raw):
            return without_control(raw)[: int(item.maximum)], CONTROL_CHARACTERS
        if len(raw) > item.maximum:
            return raw[: int(item.maximum)], _("Please use at most %(n)d characters.",
                                                n=int(item.maximum))
        return raw, None
    if raw not in item.code_set:
        return None, NOT_AN_OPTION
    return raw, None


def _temperature(item, given: list[str]) -> tuple[str | None, object]:
    """A typed temperature wins over a "not measured" tick left on; neither is unanswered."""
    values = [v.strip() for v in given if v and v.strip()]
    typed = [v for v in values if v != "not_measured"]
    if not typed:
        return ("not_measured", None) if values else \
            ((None, MISSING) if item.required else (None, None))
    raw = typed[0]
    try:
        value = Decimal(raw.replace(",", ".").replace("，", ".").replace("。", ".")
                        .replace("℃", "").replace("°C", "").strip())
    except InvalidOperation:
        return without_control(raw)[:8], TEMPERATURE_RANGE
    if value.is_finite() and value == value.to_integral() and 350 <= value <= 420:
        value = value / 10  # "368" typed without its point on a number pad
    if not value.is_finite() or not item.minimum <= value <= item.maximum:
        return without_control(raw)[:8], TEMPERATURE_RANGE
    return f"{value.quantize(Decimal('0.1'))}", None


def _count(item, raw: str) -> tuple[str | None, object]:
    if not (raw.isascii() and raw.isdigit() and len(raw) < 4) or \
            not item.minimum <= int(raw) <= item.maximum:
        return without_control(raw)[:4], _("Enter a number between %(low)d and %(high)d.",
                                           low=int(item.minimum), high=int(item.maximum))
    return str(int(raw)), None


def contradicts(values: dict[str, str], form) -> bool:
    """Whether the form answers one of these questions otherwise (a "yes" tapped before
    "none of these" was pressed)."""
    return any(v and v != values[k] for k in values for v in _values(form, k))


def none_of_these(section: Section, form) -> tuple[dict, dict]:
    """The "none of these" tap: its own answers, a temperature as typed, else not measured."""
    answers, errors = dict(section.none_values), {}
    for item in section.items:
        if item.kind == "temperature" and item.id not in answers:
            value, error = _temperature(item, _values(form, item.id))
            if error is not None and value is not None:
                errors[item.id] = error
            answers[item.id] = value if value is not None else "not_measured"
    return answers, errors


def missing_items(sections: list[Section], answers: dict[str, str]) -> list[str]:
    """Required items not yet answered, in screen order."""
    missing = []
    for section in sections:
        for item in section.items:
            if item.required and is_shown(item, answers) and item.id not in answers:
                missing.append(item.id)
    return missing


def changes(sections: list[Section], before: dict[str, str],
            after: dict[str, str]) -> list[tuple]:
    """Each question whose answer differs between two sets of answers, in screen order, with
    the answer before and after (None where there was none)."""
    return [(item, before.get(item.id), after.get(item.id))
            for section in sections for item in section.items
            if (before.get(item.id) or "") != (after.get(item.id) or "")]


def display(item, value: str | None, separator: str = "; ") -> str:
    """An answer as the person reads it in their language (several choices joined by the
    language's own separator: Chinese labels have 、 inside them)."""
    if value is None or value == "":
        return "—"
    if item.kind == "temperature":
        return str(NOT_MEASURED) if value == "not_measured" else f"{value} °C"
    if item.kind in ("count", "text"):
        return value
    picked = value.split(",") if item.kind == "multi" else [value]
    return separator.join(_label(item, v) for v in picked)


def _label(item, code: str) -> str:
    """One choice's words; only that label is translated, not every choice of the item."""
    return next((str(c.label) for c in item.choices if c.code == code), code)


NOT_MEASURED = _l("Not measured")


def as_form_pairs(answers: dict[str, str]) -> list[tuple[str, str]]:
    """Stored answers as form fields again (a multiple choice becomes one pair per choice)."""
    pairs = []
    for key, value in answers.items():
        if key in ITEMS and ITEMS[key].kind == "multi":
            pairs += [(key, v) for v in value.split(",") if v]
        else:
            pairs.append((key, value))
    return pairs
