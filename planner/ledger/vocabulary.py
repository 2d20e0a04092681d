"""The words of the contact work: activities (clause 三), target kinds, problem categories.

Every word has an English id (what tables and the rule table store), an English label (the
catalogue's msgid) and a Chinese label (the catalogue's translation). Reading a ledger
accepts any of the three and a few everyday synonyms (``班会``, ``党课``, ``微信``…), so an
office's own sheet reads as it is written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from planner.contract import KINDS, Kind
from planner.i18n import N_, use_language
from planner.i18n import gettext as _


class Activity(StrEnum):
    """A kind of contact activity (clause 三; 四(二) for the weekly leadership contact)."""

    CLASS_MEETING = "class_meeting"
    LECTURE = "lecture"
    DORM_VISIT = "dorm_visit"
    SIX_ONES = "six_ones"
    SOCIETY_PLANNING = "society_planning"
    SOCIETY_MEETING = "society_meeting"
    SOCIETY_ACTIVITY = "society_activity"
    PARTY_LECTURE = "party_lecture"
    BRANCH_MEETING = "branch_meeting"
    BRANCH_REPORT = "branch_report"
    HEART_TALK = "heart_talk"
    IDEOLOGICAL_LECTURE = "ideological_lecture"
    FACE_TO_FACE = "face_to_face"
    ONLINE = "online"


ACTIVITY_LABELS: dict[Activity, str] = {
    Activity.CLASS_MEETING: N_("class meeting, forum or class activity"),
    Activity.LECTURE: N_("lecture for the class"),
    Activity.DORM_VISIT: N_("dorm visit or face-to-face talk"),
    Activity.SIX_ONES: N_('"six ones" growth-plan guidance'),
    Activity.SOCIETY_PLANNING: N_("society activity planned"),
    Activity.SOCIETY_MEETING: N_("society meeting attended"),
    Activity.SOCIETY_ACTIVITY: N_("society activity joined"),
    Activity.PARTY_LECTURE: N_("party lecture"),
    Activity.BRANCH_MEETING: N_("organisational meeting"),
    Activity.BRANCH_REPORT: N_("branch report heard"),
    Activity.HEART_TALK: N_("heart-to-heart talk"),
    Activity.IDEOLOGICAL_LECTURE: N_("ideological lecture"),
    Activity.FACE_TO_FACE: N_("face-to-face contact with students"),
    Activity.ONLINE: N_("online contact"),
}
"""Each activity's label (English msgid; shown through the catalogue)."""

ACTIVITY_SYNONYMS: dict[Activity, tuple[str, ...]] = {
    Activity.CLASS_MEETING: (
        "班会",
        "学生干部会",
        "师生座谈会",
        "座谈会",
        "班级活动",
        "班级集体活动",
        "党日团日活动",
        "class meeting",
        "forum",
    ),
    Activity.LECTURE: ("讲座", "开设讲座", "专题讲座", "lecture"),
    Activity.DORM_VISIT: (
        "走访宿舍",
        "走进宿舍",
        "宿舍走访",
        "面对面谈心",
        "面对面交流",
        "dorm visit",
    ),
    Activity.SIX_ONES: ("六个一", "六个一成长计划", "“六个一”成长计划", "six ones"),
    Activity.SOCIETY_PLANNING: ("策划社团活动", "指导策划活动", "指导策划社团活动"),
    Activity.SOCIETY_MEETING: ("社团会议",),
    Activity.SOCIETY_ACTIVITY: ("社团活动",),
    Activity.PARTY_LECTURE: ("党课", "上党课"),
    Activity.BRANCH_MEETING: ("组织生活", "参加组织生活", "组织生活会"),
    Activity.BRANCH_REPORT: ("听取汇报", "听取支部汇报", "支部汇报"),
    Activity.HEART_TALK: ("谈心谈话", "与党员谈心", "交心谈心"),
    Activity.IDEOLOGICAL_LECTURE: (
        "思政课",
        "思想政治理论课",
        "形势政策课",
        "形势政策报告",
        "思政课/形势政策报告",
    ),
    Activity.FACE_TO_FACE: ("面对面", "面对面接触", "面对面接触学生"),
    Activity.ONLINE: ("线上", "线上交流", "网络交流", "电话", "微信", "微博", "电子邮件", "邮件"),
}
"""Everyday words an office writes for each activity (read as that activity)."""

ACTIVITY_KINDS: dict[Activity, frozenset[Kind]] = {
    Activity.CLASS_MEETING: frozenset({Kind.CLASS}),
    Activity.LECTURE: frozenset({Kind.CLASS}),
    Activity.DORM_VISIT: frozenset({Kind.DORM}),
    Activity.SIX_ONES: frozenset({Kind.DORM}),
    Activity.SOCIETY_PLANNING: frozenset({Kind.SOCIETY}),
    Activity.SOCIETY_MEETING: frozenset({Kind.SOCIETY}),
    Activity.SOCIETY_ACTIVITY: frozenset({Kind.SOCIETY}),
    Activity.PARTY_LECTURE: frozenset({Kind.BRANCH}),
    Activity.BRANCH_MEETING: frozenset({Kind.BRANCH}),
    Activity.BRANCH_REPORT: frozenset({Kind.BRANCH}),
    Activity.HEART_TALK: frozenset({Kind.BRANCH}),
}
"""The kinds of target an activity belongs to; activities not listed suit any target."""

OTHER = "other"
"""The target kind of a contact outside the approved plan (a lecture to a whole grade…)."""

TARGET_KINDS: tuple[str, ...] = (*(k.value for k in KINDS), OTHER)
"""What the ledger's kind column holds: the four kinds of the plan, then ``other``."""

TARGET_KIND_LABELS: dict[str, str] = {
    Kind.CLASS.value: N_("class"),
    Kind.DORM.value: N_("dorm"),
    Kind.SOCIETY.value: N_("society"),
    Kind.BRANCH.value: N_("party branch"),
    OTHER: N_("other"),
}

TARGET_KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    Kind.CLASS.value: ("班级", "班"),
    Kind.DORM.value: ("宿舍",),
    Kind.SOCIETY.value: ("社团",),
    Kind.BRANCH.value: ("党支部", "支部", "学生党支部"),
    OTHER: ("其他", "其它", "计划外"),
}


class Category(StrEnum):
    """The category of a students' problem or suggestion (四(三)(四))."""

    STUDY = "study"
    LIFE = "life"
    MENTAL_HEALTH = "mental_health"
    EMPLOYMENT = "employment"
    FACILITIES = "facilities"
    TEACHING = "teaching"
    OTHER = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.STUDY: N_("study"),
    Category.LIFE: N_("daily life"),
    Category.MENTAL_HEALTH: N_("mental health"),
    Category.EMPLOYMENT: N_("employment"),
    Category.FACILITIES: N_("facilities"),
    Category.TEACHING: N_("teaching"),
    Category.OTHER: N_("other matters"),
}

CATEGORY_SYNONYMS: dict[Category, tuple[str, ...]] = {
    Category.STUDY: ("学业", "学习"),
    Category.LIFE: ("生活",),
    Category.MENTAL_HEALTH: ("心理", "心理健康"),
    Category.EMPLOYMENT: ("就业", "就业创业"),
    Category.FACILITIES: ("后勤", "设施", "后勤设施", "宿舍设施"),
    Category.TEACHING: ("教学",),
    Category.OTHER: ("其他", "其它"),
}

CATEGORY_OFFICES: dict[Category, str] = {
    Category.STUDY: N_("Academic Affairs Office"),
    Category.LIFE: N_("Logistics Office"),
    Category.MENTAL_HEALTH: N_("Mental Health Centre"),
    Category.EMPLOYMENT: N_("Career Centre"),
    Category.FACILITIES: N_("Logistics Office"),
    Category.TEACHING: N_("Academic Affairs Office"),
    Category.OTHER: N_("Student Affairs Office"),
}
"""The office a problem of each category usually goes to (a suggestion; the SAO decides)."""

SAO = N_("Student Affairs Office")
"""The Student Affairs Office (学生处), as an office that answers a problem itself."""

PERIOD_LABELS: dict[str, str] = {
    "week": N_("week"),
    "month": N_("month"),
    "semester": N_("semester"),
}


def fold(text: str) -> str:
    """A word as looked up: NFKC-folded (full-width letters), trimmed, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _lookup(labels: Mapping[Any, str], synonyms: Mapping[Any, Iterable[str]]) -> dict[str, str]:
    """Word → id for ids, English and Chinese labels and synonyms (both catalogues)."""
    words: dict[str, str] = {}
    for key, synonym_list in synonyms.items():
        for word in synonym_list:
            words[fold(word)] = str(key)
    for language in ("en", "zh"):
        with use_language(language):
            for key, label in labels.items():
                words[fold(_(label))] = str(key)
    for key in labels:
        words[fold(str(key))] = str(key)
    return words


def activity_words() -> dict[str, str]:
    """Every word read as an activity, folded (:func:`fold`), to the activity's id."""
    return _lookup(ACTIVITY_LABELS, ACTIVITY_SYNONYMS)


def target_kind_words() -> dict[str, str]:
    """Every word read as a target kind (the four kinds and ``other``), to its id."""
    return _lookup(TARGET_KIND_LABELS, TARGET_KIND_SYNONYMS)


def category_words() -> dict[str, str]:
    """Every word read as a problem category, to its id."""
    return _lookup(CATEGORY_LABELS, CATEGORY_SYNONYMS)


def activity_label(activity: str) -> str:
    """An activity's label in this context's language (the id itself if unknown)."""
    label = ACTIVITY_LABELS.get(activity)  # type: ignore[call-overload]
    return _(label) if label else activity


def target_kind_label(kind: str) -> str:
    """A target kind's label in this context's language."""
    label = TARGET_KIND_LABELS.get(kind)
    return _(label) if label else kind


def category_label(category: str) -> str:
    """A problem category's label in this context's language."""
    label = CATEGORY_LABELS.get(category)  # type: ignore[call-overload]
    return _(label) if label else category


def period_label(every: str) -> str:
    """``week``/``month``/``semester`` in this context's language."""
    label = PERIOD_LABELS.get(every)
    return _(label) if label else every


def suited(activity: str, kind: str) -> bool:
    """Whether ``activity`` belongs with a target of ``kind`` (any activity suits ``other``)."""
    if kind == OTHER:
        return True
    kinds = ACTIVITY_KINDS.get(activity)  # type: ignore[call-overload]
    return kinds is None or kind in kinds
