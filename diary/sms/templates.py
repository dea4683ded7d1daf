"""SMS wordings as data: mainland carriers accept only pre-registered templates and signatures.

Every kind has the same number of variants in Chinese and English; rotating them keeps the same
text from reaching a number twice within a day. No wording names anyone or mentions symptoms;
the on-call alert carries the study code only.
"""

import re

from diary.rules import phones
from diary.rules.deployment import TextSettings
from diary.sms import segments

TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "daily": {
        "zh": ("今天的日记还没有填写，请花一分钟完成。",
               "提醒：今日日记尚未提交，填写只需一分钟。"),
        "en": ("Today's diary is still open. It takes about a minute.",
               "Reminder: please fill in today's diary when you can."),
    },
    "daily_missed": {
        "zh": ("昨天没收到您的日记，我们很惦记您。今天请记得填写。",
               "昨天的日记空缺了，没关系，今天请抽一分钟填写。"),
        "en": ("We missed you yesterday. Today's diary is open and takes about a minute.",
               "We missed your diary yesterday. Please fill in today's when you can."),
    },
    "last_call": {
        "zh": ("昨天的日记还可以补填，时间不多了，请尽快完成。",
               "最后提醒：昨天的日记即将关闭，请尽快补填。"),
        "en": ("Last call: yesterday's diary closes soon. Please fill it in now.",
               "Yesterday's diary is open for a little longer. Please complete it soon."),
    },
    "visit": {
        "zh": ("明天是您的门诊随访日，请按时到院。",
               "温馨提示：您明天有门诊随访，请记得按时前来。"),
        "en": ("Reminder: you have a study clinic visit tomorrow. See you there.",
               "Your study clinic visit is tomorrow. Please remember to come."),
    },
    "visit_daily": {
        "zh": ("明天有门诊随访，请按时到院。今天的日记也请填写。",
               "提醒：明天门诊随访；今天的日记还没填，请抽空完成。"),
        "en": ("You have a study clinic visit tomorrow. Today's diary is still open, too.",
               "Reminder: clinic visit tomorrow, and today's diary is waiting for you."),
    },
    "on_call": {
        "zh": ("紧急：受试者{code}在日记中报告了危险信号，请立即联系。",
               "紧急安全提示：请立即联系受试者{code}（日记报告危险信号）。"),
        "en": ("URGENT: participant {code} reported a warning sign in the diary. Call now.",
               "URGENT safety alert: please contact participant {code} now (diary warning)."),
    },
    "help": {
        "zh": ("研究日记提醒短信。回复退订停止接收，回复START恢复。如需帮助请致电研究团队。",
               "这是研究日记的提醒服务。回复退订可停止，回复START可恢复。"),
        "en": ("Study diary reminders. Reply STOP to stop, START to resume. "
               "For help, call your study team.",
               "This is the study diary reminder service. Reply STOP to stop or START to "
               "resume."),
    },
}
# Kinds that carry the diary link when the number is outside mainland China.
LINKED = frozenset({"daily", "daily_missed", "last_call", "visit_daily"})
# Kinds about the diary or a visit: the daily cap and quiet hours apply to them.
REMINDER_KINDS = frozenset({"daily", "daily_missed", "last_call", "visit", "visit_daily"})
# Kinds that ask for today's or yesterday's diary: never sent once that day is done.
DIARY_KINDS = LINKED
LONGEST_CODE = "XW-01-0086"
LONGEST_LINK = "https://diary.example-site.cn/"


def variant_count(kind: str) -> int:
    """How many wordings the kind has (the same in both languages)."""
    return len(TEXTS[kind]["zh"])


def language(locale: str | None) -> str:
    """The template language for a recipient's locale."""
    return "zh" if (locale or "zh").startswith("zh") else "en"


def render(kind: str, locale: str, variant: int, to: str, texts: TextSettings,
           code: str = "") -> str:
    """The full SMS: signature, wording, and the link only for numbers outside +86."""
    lang = language(locale)
    wording = TEXTS[kind][lang][variant % variant_count(kind)].format(code=code)
    link = texts.link if kind in LINKED and texts.link and not phones.is_mainland(to) else ""
    if lang == "zh":
        body = texts.signature_zh + wording
    else:
        body = f"{texts.signature_en} {wording}"
    return f"{body} {link}" if link else body


def problems(texts: TextSettings, code: str = LONGEST_CODE) -> list[str]:
    """Every rendering that would not fit one segment or breaks the link rule."""
    found = []
    for kind, by_lang in TEXTS.items():
        for lang, wordings in by_lang.items():
            for variant in range(len(wordings)):
                for to in ("+8613912345678", "+85291234567"):
                    body = render(kind, lang, variant, to, texts, code)
                    if segments.segments(body) != 1:
                        found.append(f"{kind}/{lang}/{variant} to {to[:3]}: more than one segment")
                    if lang == "en" and not segments.is_gsm7(body):
                        found.append(f"{kind}/en/{variant}: not GSM-7")
                    if phones.is_mainland(to) and "://" in body:
                        found.append(f"{kind}/{lang}/{variant}: link to a +86 number")
    return found


# Template providers (Alibaba, Tencent): each wording is registered once, with its parameters.
VARIABLE = re.compile(r"\{(\w+)\}")
# Words the mainland providers refuse in notices (marketing, surveys; Tencent: medical claims).
FORBIDDEN = {"aliyun": ("问卷调查", "调查问卷", "抽奖", "中奖", "红包", "贷款", "http"),
             "tencent": ("问卷调查", "调查问卷", "医疗", "抽奖", "中奖", "红包", "贷款", "http")}
# The longest value each parameter can take, to check against the provider's length limit.
LONGEST_VALUE = {"code": LONGEST_CODE}


def wording_id(kind: str, variant: int) -> str:
    """The name a wording is registered under: kind and variant from 1 (daily_1, on_call_2)."""
    return f"{kind}_{variant % variant_count(kind) + 1}"


def every_wording():
    """(kind, language, variant, text) for every wording."""
    for kind, by_lang in TEXTS.items():
        for lang, texts in by_lang.items():
            for variant, text in enumerate(texts):
                yield kind, lang, variant, text


def parameters(kind: str, lang: str, variant: int, code: str = "") -> tuple[tuple[str, str], ...]:
    """The wording's parameters in the order they appear, with their values."""
    values = {"code": code}
    text = TEXTS[kind][lang][variant % variant_count(kind)]
    return tuple((name, values[name]) for name in VARIABLE.findall(text))


def provider_text(text: str, provider: str) -> str:
    """The wording in the provider's variable syntax: ${code} (Alibaba) or {1} (Tencent)."""
    if provider == "aliyun":
        return VARIABLE.sub(lambda m: "${" + m[1] + "}", text)
    names = list(dict.fromkeys(VARIABLE.findall(text)))
    return VARIABLE.sub(lambda m: "{" + str(names.index(m[1]) + 1) + "}", text)


def template_problems(provider: str, param_limit: int) -> list[str]:
    """Wordings the provider would refuse: forbidden words, parameters over the length limit."""
    found = []
    for kind, lang, variant, text in every_wording():
        name = f"{wording_id(kind, variant)}/{lang}"
        found += [f"{name}: contains {word}" for word in FORBIDDEN[provider]
                  if word.lower() in text.lower()]
        found += [f"{name}: parameter {param} may exceed {param_limit} characters"
                  for param in VARIABLE.findall(text) if len(LONGEST_VALUE[param]) > param_limit]
    return found


def registration_sheet(provider: str) -> list[str]:
    """Every wording in the provider's syntax, as a TOML skeleton for DIARY_SMS_TEMPLATE_FILE."""
    lines = [f"# {provider}: submit each text below as a notice template (通知短信) under your",
             "# registered signature, then write the approved code between the quotes.",
             "# Parameters: code = the participant's study code (at most "
             f"{len(LONGEST_CODE)} characters)."]
    for lang in ("zh", "en"):
        lines += ["", f"[{lang}]"]
        lines += [f'{wording_id(kind, variant)} = ""  # {provider_text(text, provider)}'
                  for kind, text_lang, variant, text in every_wording() if text_lang == lang]
    return lines
