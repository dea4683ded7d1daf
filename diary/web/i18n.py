"""Language choice and locale-aware formatting for templates."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import Flask, g, request, session
from flask_babel import Domain, force_locale, format_date, format_datetime, format_time, get_locale
from flask_login import current_user


class CatalogueDomain(Domain):
    """Flask-Babel's message domain, finding the request's catalogue in one step.

    Every label of a diary screen is translated at render time; the stock lookup walks the
    application context three times per string, which cost more than the rest of the page.
    """

    def get_translations(self):
        try:
            context = g._flask_babel
            locale = context.babel_locale
        except (AttributeError, RuntimeError):  # not chosen yet, or outside the application
            return super().get_translations()
        kept = getattr(context, "diary_catalogue", None)  # this request's, for this locale
        if kept is not None and kept[0] is locale:
            return kept[1]
        found = self.cache.get((str(locale), self.domain[0]))
        if found is None:
            return super().get_translations()
        context.diary_catalogue = (locale, found)
        return found

    def catalogue(self, language: str):
        """The catalogue of this language, whatever the request's: Flask-Babel's own, loaded
        (its plural rule with it) and cached as the request's would be."""
        with force_locale(language):
            return Domain.get_translations(self)


def select_locale() -> str:
    """The saved choice, then the session's, then Accept-Language, then the default."""
    supported = _supported()
    saved = getattr(current_user, "locale", None) if current_user else None
    if saved in supported:
        if session.get("locale") != saved:
            session["locale"] = saved  # so a page drawn while the database is away keeps it
        return saved
    if session.get("locale") in supported:
        return session["locale"]
    return from_accept_language(request.accept_languages, supported) or _default()


def from_accept_language(accepted, supported: tuple[str, ...]) -> str | None:
    """The first language the browser prefers by its primary tag: zh-CN, zh-TW, zh-Hans → zh."""
    for value, _quality in accepted:
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in supported:
            return primary
    return None


def _supported() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["DIARY_LOCALES"])


def _default() -> str:
    from flask import current_app

    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language() -> str | None:
    """The request's language as its code (zh, en): ``str(get_locale())``, asked of the
    request's Babel state in one step, as a page asks for it many times (None outside one)."""
    try:
        context = g._flask_babel
        locale = context.babel_locale
    except (AttributeError, RuntimeError):  # not chosen yet, or outside the application
        locale = get_locale()
        return None if locale is None else str(locale)
    kept = getattr(context, "diary_language", None)  # cleared with the locale it belongs to
    if kept is None or kept[0] is not locale:
        kept = context.diary_language = (locale, str(locale))
    return kept[1]


def html_lang() -> str:
    """The BCP 47 tag for <html lang>."""
    code = language()
    return "zh-CN" if code == "zh" else code


def list_separator() -> str:
    """Between the names in a list: a Chinese name may hold 、 itself (说话、找词或理解困难)."""
    return "；" if language() == "zh" else "; "


def short_date(day: date) -> str:
    """A day as a short label that fits a button: 3月7日周六, Sat, Mar 7."""
    return format_skeleton("MMMEd", day, locale=get_locale())


def month_day(day: date) -> str:
    """A day of a month, where a calendar starts the month: 12月1日, Dec 1."""
    return format_skeleton("MMMd", day, locale=get_locale())


def date_and_time(at: datetime, tz: str | None = None) -> str:
    """An instant no reader misreads: 2026年12月3日 20:08, Dec 3, 2026 20:08 (never 12/3/26 in
    English, which a reader of day-first dates takes for 12 March); in `tz` when given, else in
    the site's time zone."""
    rebase = tz is None
    if tz is not None:
        at = at.astimezone(ZoneInfo(tz))
    return f"{format_date(at, 'medium', rebase=rebase)} {format_time(at, 'HH:mm', rebase=rebase)}"


def month_name(day: date) -> str:
    """A month and its year: 2026年3月, March 2026."""
    return format_skeleton("yMMMM", day, locale=get_locale())


def init_app(app: Flask) -> None:
    """The quicker catalogue lookup, and formatting helpers for every template."""
    from diary.extensions import babel

    domain = babel.domain_instance = CatalogueDomain(
        domain=app.config.get("BABEL_DOMAIN", "messages"))
    # The templates' _() and ngettext() ask the domain directly, as Python code does.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(html_lang=html_lang, format_date=format_date,
                                 list_separator=list_separator,
                                 format_datetime=format_datetime, format_time=format_time,
                                 short_date=short_date,
                                 month_name=month_name, month_day=month_day,
                                 date_and_time=date_and_time)
