"""Templates compiled once per language, with their fixed words translated as they compile.

A page's ``_("…")`` asks the catalogue each time the page is drawn, although the words of a
call with no arguments never change for a language. Each language therefore gets its own
compiled copy of every template (``zh:participant/home.html``, and what it extends, includes
and imports is looked up under the same language), in which such a call is already its
translation, marked safe at render time by a filter that takes the context (so the compiler
never folds it into the constants around it: ``~`` joins it as markup, as it joins what the
call gives) and with ``%%`` read as ``%``, exactly what the call would give (``jinja2.ext``
newstyle gettext). Calls with arguments, plurals and contexts stay calls.
Outside a request no language is chosen and the plain template translates as it renders.
"""

from flask import Flask, has_request_context
from flask.templating import Environment
from jinja2 import BaseLoader, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from diary.web.i18n import language

MARK = ":"  # between the language and the template's own name
FILTER = "_fixed_words"


def _language_of(name: str | None) -> str | None:
    language, marked, _rest = (name or "").partition(MARK)
    return language if marked else None


class ByLanguage(BaseLoader):
    """The application's loader, for names with a language in front as for those without."""

    def __init__(self, loader: BaseLoader):
        self.loader = loader

    def get_source(self, environment, template):
        if _language_of(template) is not None:
            template = template.partition(MARK)[2]
        return self.loader.get_source(environment, template)

    def list_templates(self):
        return self.loader.list_templates()


class FixedWords(Extension):
    """Replaces ``_("literal")`` by its translation in the templates of one language."""

    def filter_stream(self, stream):
        language = _language_of(stream.name)
        if language is None:
            return stream
        catalogue = self.environment.catalogue(language)
        tokens = list(stream)
        out = []
        i = 0
        while i < len(tokens):
            words = _translated(tokens, i, catalogue)
            if words is None:
                out.append(tokens[i])
                i += 1
                continue
            line = tokens[i].lineno
            out += [Token(line, "lparen", "("), Token(line, "string", words),
                    Token(line, "pipe", "|"), Token(line, "name", FILTER),
                    Token(line, "rparen", ")")]
            i += 4
        return iter(out)


def _translated(tokens: list, i: int, catalogue) -> str | None:
    """The translation if ``tokens[i:i + 4]`` is ``_ ( "literal" )``, else None."""
    if i + 3 >= len(tokens) or tokens[i].type != "name" or tokens[i].value != "_":
        return None
    if i > 0 and tokens[i - 1].type == "dot":  # something's own attribute `_`
        return None
    if [t.type for t in tokens[i + 1:i + 4]] != ["lparen", "string", "rparen"]:
        return None
    try:
        return catalogue.gettext(tokens[i + 2].value) % {}  # as the newstyle call formats it
    except (KeyError, ValueError, TypeError):  # a placeholder with no value: left to the call
        return None


@pass_context
def _as_translated(_context, words: str) -> Markup:
    """What the newstyle call gives (the context only keeps the compiler from folding it)."""
    return Markup(words)  # noqa: S704 - the catalogue's own words, trusted as the call trusts them


class LanguageEnvironment(Environment):
    """Flask's template environment, drawing each page from its language's compiled copy."""

    def __init__(self, app: Flask, **options):
        options["extensions"] = [*options.get("extensions", ()), FixedWords]
        super().__init__(app, **options)
        self.loader = ByLanguage(self.loader)
        self.filters[FILTER] = _as_translated

    @staticmethod
    def catalogue(language: str):
        from diary.extensions import babel

        return babel.domain_instance.catalogue(language)

    def get_template(self, name, parent=None, globals=None):
        if parent is None and isinstance(name, str) and _language_of(name) is None:
            code = language() if has_request_context() else None
            if code is not None:
                name = f"{code}{MARK}{name}"
        return super().get_template(name, parent, globals)

    def join_path(self, template: str, parent: str) -> str:
        """What a template extends, includes or imports comes in the parent's language."""
        language = _language_of(parent)
        if language is None or _language_of(template) is not None:
            return template
        return f"{language}{MARK}{template}"


def init_app(app: Flask) -> None:
    """Before anything asks for the template environment."""
    app.jinja_environment = LanguageEnvironment
