"""The daily questionnaire as data: items, scales, skip logic and labels (INSTRUMENT.md)."""

from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import lazy_gettext as _l

from diary.rules.medicines import GROUPS, MEDICINES

VERSION = "1.0"


@dataclass(frozen=True)
class Choice:
    code: str
    label: object
    short: object = None  # the tile's words where the full label repeats its question


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # yesno | scale | help | choice | multi | temperature | count | text
    label: object
    choices: tuple[Choice, ...] = ()
    observed: object = None  # the caregiver's wording for inner states
    shown_if: tuple[str, frozenset] | None = None
    required: bool = True
    core: bool = False
    minimum: float = 0
    maximum: float = 0
    relative: bool = False  # compares with yesterday: never copied from an earlier day
    groups: tuple = ()  # (title, codes) for a long pick list shown in folded groups

    def codes(self) -> tuple[str, ...]:
        """The stored codes this item accepts."""
        return tuple(c.code for c in self.choices)

    @cached_property
    def code_set(self) -> frozenset[str]:
        """The same codes, made once, to ask whether a value is one of them (the medicine list
        has dozens, asked on every screen drawn and every answer read)."""
        return frozenset(self.codes())

    @property
    def ladder(self) -> bool:
        """Answers are steps of one scale (severity, help, minutes): the review groups them."""
        return self.kind in ("scale", "help") or self.choices == BANDS

    @property
    def in_minutes(self) -> bool:
        return self.choices == BANDS

    def label_for(self, caregiver: bool) -> object:
        """The question as the person answering should read it."""
        return self.observed if caregiver and self.observed else self.label


@dataclass(frozen=True)
class Section:
    id: str
    title: object
    items: tuple[Item, ...]
    shortcut: str | None = None  # "none": all clear; "same": copy the last entry
    none_values: dict = field(default_factory=dict)
    intro: object = None
    same_values: dict = field(default_factory=dict)  # what "same as yesterday" itself means

    @property
    def lists_medicines(self) -> bool:
        """Whether the screen offers the grouped medicine list (the participant's own first)."""
        return any(i.groups for i in self.items)


def _c(*pairs) -> tuple[Choice, ...]:
    return tuple(Choice(code, label) for code, label in pairs)


YES_NO = _c(("yes", _l("Yes")), ("no", _l("No")))
S4 = _c(("0", _l("None")), ("1", _l("Mild")), ("2", _l("Moderate")), ("3", _l("Severe")))
H4 = _c(("independent", _l("Independent")), ("some_help", _l("Some help")),
        ("much_help", _l("A lot of help or unable")), ("not_done", _l("Not done today")))
BANDS = tuple(Choice(code, label, short) for code, label, short in (
    ("lt15", _l("under 15 min"), "<15"), ("15_30", _l("15–30 min"), "15–30"),
    ("31_60", _l("31–60 min"), "31–60"), ("61_120", _l("61–120 min"), "61–120"),
    ("gt120", _l("over 120 min"), ">120")))
SOME = frozenset({"1", "2", "3"})
YES = frozenset({"yes"})


def yesno(item_id, label, **kw) -> Item:
    return Item(item_id, "yesno", label, YES_NO, **kw)


def scale(item_id, label, **kw) -> Item:
    return Item(item_id, "scale", label, S4, **kw)


def helped(item_id, label, **kw) -> Item:
    return Item(item_id, "help", label, H4, **kw)


WHO = Section("who", _l("Who is answering today?"), (
    Item("R1", "choice", _l("Who is answering today?"), _c(
        ("participant", _l("The participant, on their own")),
        ("participant_helped", _l("The participant, with someone's help")),
        ("caregiver", _l("A caregiver, for the participant"))), core=True),
))

WARNING_SIGNS = Section("warning", _l("Warning signs"), (
    yesno("RF1", _l("Sudden loss of balance or trouble walking"), core=True),
    yesno("RF2", _l("Sudden blurred or double vision, or loss of sight on one side"), core=True),
    yesno("RF3", _l("Face drooping on one side"), core=True),
    yesno("RF4", _l("New or worse weakness or numbness of an arm or leg"), core=True),
    yesno("RF5", _l("New or worse slurred speech, trouble finding or understanding words"),
          core=True),
    yesno("RF6", _l("Sudden severe headache, the worst ever"), core=True),
    yesno("RF7", _l("A seizure or fit"), core=True),
    yesno("RF8", _l("Hard to wake, or suddenly confused"), core=True),
    yesno("RF9", _l("Chest pain or sudden shortness of breath"), core=True),
    yesno("RF10", _l("Swelling of face, lips or throat, or hives all over"), core=True),
    yesno("RF11", _l("Vomiting blood, black stools, or bleeding that won't stop"), core=True),
    yesno("RF12", _l("Thoughts of ending your life or harming yourself"), core=True,
          observed=_l("Has he or she spoken of ending their life or of self-harm?")),
), shortcut="none", intro=_l("Since the last entry, did any of these start suddenly or appear "
                              "for the first time?"))
WARNING_SIGNS.none_values.update({i.id: "no" for i in WARNING_SIGNS.items})

SYMPTOMS = Section("symptoms", _l("Symptoms today"), (
    scale("S1", _l("Weakness of the affected arm or leg")),
    scale("S2", _l("Numbness or abnormal feeling")),
    scale("S3", _l("Trouble speaking, finding words or understanding")),
    scale("S4", _l("Problems with vision")),
    scale("S5", _l("Dizziness or unsteadiness")),
    scale("S6", _l("Headache")),
    scale("S7", _l("Pain")),
    Item("S7_WHERE", "multi", _l("Where is the pain?"), _c(
        ("shoulder", _l("Shoulder")), ("arm", _l("Arm")), ("leg", _l("Leg")),
        ("other", _l("Other"))), shown_if=("S7", SOME)),
    scale("S8", _l("Stiffness or spasms in the affected limbs")),
    scale("S9", _l("Tiredness"), observed=_l("How tired did he or she seem?")),
    scale("S10", _l("Sad, down or no interest"),
          observed=_l("How sad, down or uninterested did he or she seem?")),
    Item("S11", "choice", _l("Sleep last night"), _c(
        ("good", _l("Good")), ("fair", _l("Fair")), ("poor", _l("Poor")),
        ("very_poor", _l("Very poor")))),
    scale("S12", _l("Trouble with memory or attention, confusion"),
          observed=_l("How forgetful, inattentive or confused did he or she seem?")),
    scale("S13", _l("Coughing or choking when eating or drinking")),
    Item("S14", "choice", _l("Overall, compared with yesterday"), _c(
        ("better", _l("Better")), ("same", _l("About the same")), ("worse", _l("Worse"))),
        core=True, relative=True),
), shortcut="same", same_values={"S14": "same"})

EVENTS = Section("events", _l("Events today"), (
    yesno("E1", _l("Did you fall today?"), core=True,
          observed=_l("Did he or she fall today?")),
    Item("E1_COUNT", "count", _l("How many falls?"), shown_if=("E1", YES), core=True,
         minimum=1, maximum=20),
    Item("E1_INJURY", "choice", _l("Were you hurt?"), _c(
        ("no", _l("No")), ("bruise", _l("Bruise or scrape")),
        ("doctor", _l("Needed a doctor"))), shown_if=("E1", YES), core=True,
        observed=_l("Was he or she hurt?")),
    yesno("E1_HEAD", _l("Did you hit your head?"), shown_if=("E1", YES), core=True,
          observed=_l("Did he or she hit their head?")),
    Item("E2", "temperature", _l("Highest temperature today"), core=True,
         minimum=35.0, maximum=42.0),
    Item("E3", "choice", _l("Today, did you see a doctor, go to an emergency department or "
                            "get admitted to hospital (not counting study visits)?"), _c(
        ("no", _l("No")), ("clinic", _l("Clinic")), ("emergency", _l("Emergency department")),
        ("admitted", _l("Admitted to hospital"))), core=True,
        observed=_l("Today, did he or she see a doctor, go to an emergency department or get "
                    "admitted to hospital (not counting study visits)?")),
), shortcut="none", none_values={"E1": "no", "E3": "no"},
    intro=_l("A fall means unexpectedly ending up on the ground or a lower level."))

FUNCTION = Section("function", _l("Daily activities today"), (
    helped("F1", _l("Eating")),
    helped("F2", _l("Grooming (face, teeth, hair)")),
    helped("F3", _l("Dressing")),
    helped("F4", _l("Using the toilet")),
    helped("F5", _l("Bathing")),
    helped("F6", _l("Moving between bed and chair")),
    helped("F7", _l("Walking indoors on level ground")),
    yesno("F7_WHEELCHAIR", _l("Used a wheelchair instead of walking")),
    helped("F8", _l("Stairs")),
    Item("F9", "choice", _l("Bladder accidents"), _c(
        ("none", _l("None")), ("once", _l("Once")), ("more", _l("More than once")),
        ("catheter", _l("Has a catheter")))),
    Item("F10", "choice", _l("Bowel accidents"), _c(
        ("none", _l("None")), ("once", _l("Once")), ("more", _l("More than once")))),
    yesno("F11", _l("Went outside today?")),
), shortcut="same")

THERAPIES = (("PT", _l("Physiotherapy (PT)")), ("OT", _l("Occupational therapy (OT)")),
             ("ST", _l("Speech or swallowing therapy (ST)")), ("ACU", _l("Acupuncture")),
             ("TUINA", _l("Massage / tuina")), ("HOME", _l("Home exercises")),
             ("OTHER", _l("Other rehabilitation")))
REHAB = Section("rehab", _l("Rehabilitation today"), (
    yesno("T1", _l("Any rehabilitation today?"), core=True),
    *(Item(f"T2_{code}", "choice", label, BANDS, shown_if=("T1", YES), required=False)
      for code, label in THERAPIES),
    Item("T3", "choice", _l("Where?"), _c(
        ("ward", _l("Hospital ward")), ("outpatient", _l("Outpatient or rehab centre")),
        ("home", _l("Home")), ("community", _l("Community"))), shown_if=("T1", YES)),
), shortcut="same")

MEDICINES_SECTION = Section("medicines", _l("Medicines today"), (
    Item("M1", "choice", _l("Did you take your usual stroke and rehab medicines today?"), _c(
        ("all", _l("All of them")), ("some_missed", _l("Missed some")),
        ("none", _l("None of them")), ("not_sure", _l("Not sure"))),
        observed=_l("Did he or she take the usual stroke and rehab medicines today?")),
    yesno("M2", _l("Today, did you start or stop any medicine, or have an injection or drip?"),
          core=True, observed=_l("Today, did he or she start or stop any medicine, or have an "
                                 "injection or drip?")),
    Item("M2_DRUGS", "multi", _l("Which medicines?"),
         tuple(Choice(m.code, m.label) for m in MEDICINES), shown_if=("M2", YES), core=True,
         groups=tuple((title, tuple(m.code for m in MEDICINES if m.group == group))
                      for group, title in GROUPS.items())),
    Item("M2_OTHER", "text", _l("Name of the other medicine"), shown_if=("M2", YES),
         required=False, core=True, maximum=60),
), shortcut="same")

DEVICES = Section("devices", _l("Getting around today"), (
    Item("D1", "choice", _l("Mainly got around with"), _c(
        ("nothing", _l("Nothing")), ("cane", _l("Single cane")), ("quad_cane", _l("Quad cane")),
        ("walker", _l("Walker or rollator")), ("wheelchair_self", _l("Wheelchair, self-propelled")),
        ("wheelchair_pushed", _l("Wheelchair, pushed")), ("bed", _l("Mostly in bed"))), core=True),
    Item("D2", "multi", _l("Also used"), _c(
        ("afo", _l("Ankle-foot orthosis")), ("splint", _l("Hand or wrist splint")),
        ("sling", _l("Shoulder sling")), ("shower_chair", _l("Shower chair")),
        ("commode", _l("Commode or raised toilet seat")),
        ("grab_bars", _l("Grab bars or bed rails")), ("nursing_bed", _l("Nursing bed")),
        ("pads", _l("Pads or diapers")), ("other", _l("Other"))), required=False),
), shortcut="same")

INFUSION = Section("infusion", _l("After the infusion"), (
    Item("I1", "temperature", _l("Highest temperature today"), minimum=35.0, maximum=42.0),
    scale("I2", _l("Chills")),
    scale("I3", _l("Rash or itching")),
    scale("I4", _l("Pain, redness or swelling of the drip arm")),
    scale("I5", _l("Swelling or pain of one calf or leg")),
    scale("I6", _l("Shortness of breath or chest tightness")),
    scale("I7", _l("Nausea or vomiting")),
    scale("I8", _l("Racing or irregular heartbeat")),
), intro=_l("Please measure your temperature on these days."))

SECTIONS = (WHO, WARNING_SIGNS, SYMPTOMS, EVENTS, FUNCTION, REHAB, MEDICINES_SECTION, DEVICES,
            INFUSION)
ITEMS = {item.id: item for section in SECTIONS for item in section.items}
BY_SECTION = {s.id: s for s in SECTIONS}


def trim(section: Section, core_only: bool) -> Section:
    """The section as asked on a short-core day: only its core items."""
    if not core_only:
        return section
    items = tuple(i for i in section.items if i.core)
    nones = {k: v for k, v in section.none_values.items() if k in {i.id for i in items}}
    same = {k: v for k, v in section.same_values.items() if k in {i.id for i in items}}
    return Section(section.id, section.title, items, section.shortcut, nones, section.intro, same)


def is_shown(item: Item, answers: dict[str, str]) -> bool:
    """Skip logic: whether the item applies given the answers so far."""
    if item.shown_if is None:
        return True
    parent, values = item.shown_if
    return answers.get(parent) in values
