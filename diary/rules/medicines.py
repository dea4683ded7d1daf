"""The medicine pick list of INSTRUMENT.md, grouped, with the classes the triggers need."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Medicine:
    code: str
    group: str
    label: object


GROUPS = {
    "neuro": _l("Neuroprotective"),
    "antidep": _l("Antidepressants"),
    "spastic": _l("Spasticity"),
    "antithromb": _l("Blood thinners"),
    "lipid": _l("Cholesterol"),
    "pain": _l("Pain, seizures, sleep"),
    "tcm": _l("Chinese patent medicines"),
}

MEDICINES = (
    Medicine("butylphthalide", "neuro", _l("butylphthalide")),
    Medicine("edaravone", "neuro", _l("edaravone")),
    Medicine("edaravone_dexborneol", "neuro", _l("edaravone–dexborneol")),
    Medicine("citicoline", "neuro", _l("citicoline")),
    Medicine("cerebrolysin", "neuro", _l("cerebrolysin")),
    Medicine("kallidinogenase", "neuro", _l("urinary kallidinogenase")),
    Medicine("cinepazide", "neuro", _l("cinepazide")),
    Medicine("oxiracetam", "neuro", _l("oxiracetam / piracetam")),
    Medicine("fluoxetine", "antidep", _l("fluoxetine")),
    Medicine("sertraline", "antidep", _l("sertraline")),
    Medicine("escitalopram", "antidep", _l("escitalopram")),
    Medicine("citalopram", "antidep", _l("citalopram")),
    Medicine("paroxetine", "antidep", _l("paroxetine")),
    Medicine("baclofen", "spastic", _l("baclofen")),
    Medicine("tizanidine", "spastic", _l("tizanidine")),
    Medicine("eperisone", "spastic", _l("eperisone")),
    Medicine("botulinum", "spastic", _l("botulinum toxin type A injection")),
    Medicine("aspirin", "antithromb", _l("aspirin")),
    Medicine("clopidogrel", "antithromb", _l("clopidogrel")),
    Medicine("ticagrelor", "antithromb", _l("ticagrelor")),
    Medicine("cilostazol", "antithromb", _l("cilostazol")),
    Medicine("warfarin", "antithromb", _l("warfarin")),
    Medicine("doac", "antithromb", _l("rivaroxaban / dabigatran")),
    Medicine("atorvastatin", "lipid", _l("atorvastatin")),
    Medicine("rosuvastatin", "lipid", _l("rosuvastatin")),
    Medicine("gabapentin", "pain", _l("gabapentin")),
    Medicine("pregabalin", "pain", _l("pregabalin")),
    Medicine("paracetamol", "pain", _l("paracetamol")),
    Medicine("ibuprofen", "pain", _l("ibuprofen")),
    Medicine("levetiracetam", "pain", _l("levetiracetam")),
    Medicine("sleeping_pills", "pain", _l("sleeping pills")),
    Medicine("naoxintong", "tcm", _l("Naoxintong capsules")),
    Medicine("tongxinluo", "tcm", _l("Tongxinluo capsules")),
    Medicine("huatuo", "tcm", _l("Huatuo Zaizao pills")),
    Medicine("xuesaitong", "tcm", _l("Xuesaitong / Xueshuantong")),
    Medicine("ginkgo", "tcm", _l("ginkgo leaf preparation")),
    Medicine("danshen", "tcm", _l("compound Danshen dripping pills")),
    Medicine("danqi", "tcm", _l("Danqi Piantan capsules (MLC601)")),
    Medicine("angong", "tcm", _l("Angong Niuhuang pills")),
    Medicine("decoction", "tcm", _l("herbal decoction")),
    Medicine("other", "other", _l("other medicine")),
)

BY_CODE = {m.code: m for m in MEDICINES}
ANTIDEPRESSANTS = frozenset(m.code for m in MEDICINES if m.group == "antidep")
ANTISPASTIC = frozenset(m.code for m in MEDICINES if m.group == "spastic")
ANTICOAGULANTS = frozenset({"warfarin", "doac"})
