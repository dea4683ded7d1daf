"""Approved template codes: which code the provider gave each wording in each language."""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from diary.sms import templates
from diary.sms.gateway import Wording

# The language whose templates every site registers; others fall back to it when absent.
BASE_LANGUAGE = "zh"


@dataclass(frozen=True)
class TemplateCodes:
    """(wording id, language) → the provider's template code."""

    codes: Mapping[tuple[str, str], str]

    @classmethod
    def placeholders(cls, provider: str) -> "TemplateCodes":
        """Codes derived from the wording ids, for development and tests."""
        prefix = "SMS_" if provider == "aliyun" else ""
        return cls({(templates.wording_id(kind, variant), lang):
                    f"{prefix}{templates.wording_id(kind, variant)}_{lang}".upper()
                    for kind, lang, variant, _ in templates.every_wording()})

    @classmethod
    def from_file(cls, path: str | Path) -> "TemplateCodes":
        """Read a TOML file: one table per language, wording id = code (daily_1 = "SMS_…")."""
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls({(wording, lang): str(code) for lang, table in data.items()
                    if isinstance(table, dict) for wording, code in table.items()})

    @classmethod
    def from_config(cls, config: Mapping, provider: str) -> "TemplateCodes":
        """The file named by DIARY_SMS_TEMPLATE_FILE, or placeholders when it is unset."""
        path = config.get("DIARY_SMS_TEMPLATE_FILE")
        return cls.from_file(path) if path else cls.placeholders(provider)

    def languages(self) -> set[str]:
        return {lang for _, lang in self.codes} | {BASE_LANGUAGE}

    def missing(self) -> list[str]:
        """Wordings in a language in use (Chinese always) that have no code."""
        used = self.languages()
        return [f"{templates.wording_id(kind, variant)} ({lang})"
                for kind, lang, variant, _ in templates.every_wording()
                if lang in used and (templates.wording_id(kind, variant), lang) not in self.codes]

    def code(self, wording: Wording) -> tuple[str, str] | None:
        """The code and the language it is in (Chinese when the language has none)."""
        wid = templates.wording_id(wording.kind, wording.variant)
        for lang in (wording.language, BASE_LANGUAGE):
            if (wid, lang) in self.codes:
                return self.codes[(wid, lang)], lang
        return None
