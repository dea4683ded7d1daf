"""SMS wordings as data: mainland carriers accept only pre-registered templates and signatures.

Every kind has the same number of variants in Chinese and English; rotating them keeps the same
text from reaching a number twice within a day. No wording names anyone or mentions symptoms;
the on-call alert carries the study code only.
"""


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
