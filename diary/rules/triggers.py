"""Safety triggers (INSTRUMENT.md sections 1 and 9): pure rules over today's and recent answers."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from diary.rules.medicines import ANTICOAGULANTS, ANTIDEPRESSANTS, ANTISPASTIC

EMERGENCY_SIGNS = tuple(f"RF{n}" for n in range(1, 12))
CRISIS_SIGN = "RF12"
TRACKED_SYMPTOMS = tuple(f"S{n}" for n in range(1, 14) if n != 11)
# What the trend triggers read of earlier days: the symptoms and "worse than yesterday".
HISTORY_ITEMS = (*TRACKED_SYMPTOMS, "S14")


@dataclass(frozen=True)
class Thresholds:
    fever_c: float = 38.0
    high_fever_c: float = 39.0
    symptom_jump: int = 2
    worse_days: int = 3

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        """Read the trigger thresholds from the settings."""
        return cls(float(config["DIARY_FEVER_C"]), float(config["DIARY_HIGH_FEVER_C"]),
                   int(config["DIARY_SYMPTOM_JUMP"]), int(config["DIARY_WORSE_DAYS"]))


@dataclass
class Outcome:
    emergency: list[str] = field(default_factory=list)
    crisis: bool = False
    same_day: list[str] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        """Whether the person must see the emergency or crisis page now."""
        return bool(self.emergency) or self.crisis


def warning_signs(answers: dict[str, str]) -> Outcome:
    """The first screen alone: any warning sign means the emergency or crisis page."""
    return Outcome(emergency=[i for i in EMERGENCY_SIGNS if answers.get(i) == "yes"],
                   crisis=answers.get(CRISIS_SIGN) == "yes")


def urgent(answers: dict[str, str], on_anticoagulant: Callable[[], bool],
           limits: Thresholds) -> Outcome:
    """The causes that call for the emergency or crisis page now: none reads earlier days, and
    the medicine list is asked (`on_anticoagulant()`) only after a fall with a head strike."""
    out = warning_signs(answers)
    if _high_fever(answers, limits):
        out.emergency.append("high_fever")
    if _level(answers, "I6") >= 2:
        out.emergency.append("breathless")
    if answers.get("E1") == "yes" and answers.get("E1_HEAD") == "yes" and on_anticoagulant():
        out.emergency.append("head_strike_anticoagulant")
    return out


def evaluate(day: date, answers: dict[str, str], history: dict[date, dict[str, str]],
             on_anticoagulant: bool, limits: Thresholds) -> Outcome:
    """Every trigger for a day's answers, given earlier days' answers and the medicine list."""
    out = urgent(answers, lambda: on_anticoagulant, limits)
    temperature = _max_temperature(answers)
    fever = temperature is not None and temperature >= limits.fever_c
    if fever and "high_fever" not in out.emergency:
        out.same_day.append("fever")
    if answers.get("E1") == "yes":
        if on_anticoagulant and answers.get("E1_HEAD") != "yes":
            out.same_day.append("fall_anticoagulant")
        if answers.get("E1_INJURY") == "doctor":
            out.same_day.append("fall_injury")
    if answers.get("E3") in ("emergency", "admitted"):
        out.same_day.append("hospital")
    if any(_level(answers, i) >= 2 for i in ("I3", "I4", "I5")):
        out.same_day.append("infusion_reaction")
    if fever and _level(answers, "S13") >= 2:
        out.same_day.append("choking_fever")
    out.same_day += _symptom_jumps(day, answers, history, limits.symptom_jump)
    if _worse_running(day, answers, history, limits.worse_days):
        out.same_day.append("worse_days")
    drugs = set(answers.get("M2_DRUGS", "").split(",")) if answers.get("M2") == "yes" else set()
    if drugs & ANTIDEPRESSANTS:
        out.same_day.append("new_antidepressant")
    if drugs & ANTISPASTIC:
        out.same_day.append("new_antispastic")
    return out


def _high_fever(answers: dict[str, str], limits: Thresholds) -> bool:
    temperature = _max_temperature(answers)
    chills_or_breathless = _level(answers, "I2") >= 1 or _level(answers, "I6") >= 1
    return temperature is not None and temperature >= limits.high_fever_c and \
        chills_or_breathless


def on_anticoagulant(codes: list[str]) -> bool:
    """Whether any current medicine is an anticoagulant."""
    return bool(set(codes) & ANTICOAGULANTS)


def _level(answers: dict[str, str], item: str) -> int:
    value = answers.get(item, "")
    return int(value) if value.isdigit() else -1


def _max_temperature(answers: dict[str, str]) -> float | None:
    values = [float(answers[i]) for i in ("E2", "I1")
              if answers.get(i) not in (None, "", "not_measured")]
    return max(values) if values else None


def _symptom_jumps(day, answers, history, jump) -> list[str]:
    week = [history[d] for d in sorted(history) if 0 < (day - d).days <= 7]
    found = []
    for item in TRACKED_SYMPTOMS:
        past = [_level(h, item) for h in week if _level(h, item) >= 0]
        if past and _level(answers, item) >= median(past) + jump:
            found.append(f"symptom_jump:{item}")
    return found


def _worse_running(day, answers, history, days) -> bool:
    if answers.get("S14") != "worse":
        return False
    return all(history.get(day - timedelta(days=n), {}).get("S14") == "worse"
               for n in range(1, days))
