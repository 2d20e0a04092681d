"""A synthetic semester of contact work for the demo university, made from a plan.

Given the approved plan's assignments, :func:`demo_ledger` writes what a semester of ledger
entries could look like, with the gaps real offices see: most cadres keep their duties, some
are irregular and a few fall behind; a few cadres take leave; some contacts are online only;
students raise problems, most of which are answered and fed back while some stay open. The
same plan, semester and seed always give the same ledger (numpy's seeded generator, every
step in a fixed order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.i18n import gettext as _
from planner.i18n import use_language
from planner.ledger.cases import Actor, Case, advance, cases_from_ledger
from planner.ledger.duties import owed_duties
from planner.ledger.records import RECORD_COLUMNS, number_records
from planner.ledger.rules import RuleTable, default_rules
from planner.ledger.semester import Semester, contacts_from_plan, leaves_frame
from planner.ledger.vocabulary import CATEGORY_OFFICES, Activity, Category

DEMO_AUTUMN = Semester(
    id="2026-autumn", name="2026年秋季学期", start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 15)
)
DEMO_SPRING = Semester(
    id="2027-spring", name="2027年春季学期", start=dt.date(2027, 2, 22), end=dt.date(2027, 7, 2)
)

DILIGENCE: dict[str, tuple[float, float]] = {
    "steady": (0.72, 0.96),
    "irregular": (0.20, 0.70),
    "behind": (0.08, 0.25),
}
"""Kinds of cadre: (share of cadres, chance that an owed duty is done)."""

LAGGING_SHARES: dict[str, float] = {"steady": 0.2, "irregular": 0.4, "behind": 0.4}
"""The shares of the kinds of cadre in the one college that falls behind (one of the larger
colleges, so that its figures show it rather than chance)."""

LEAVE_SHARE = 0.03
ONLINE_PER_CADRE = 1.2
"""Mean number of online contacts per cadre in a semester (三(六))."""
PROBLEM_SHARE = 0.08
"""Share of face-to-face contacts in which students raise a problem or suggestion."""

STUDENTS: dict[Activity, tuple[int, int]] = {
    Activity.CLASS_MEETING: (18, 45),
    Activity.LECTURE: (25, 90),
    Activity.DORM_VISIT: (2, 4),
    Activity.SIX_ONES: (2, 4),
    Activity.SOCIETY_PLANNING: (5, 15),
    Activity.SOCIETY_MEETING: (8, 30),
    Activity.SOCIETY_ACTIVITY: (15, 60),
    Activity.PARTY_LECTURE: (8, 30),
    Activity.BRANCH_MEETING: (6, 25),
    Activity.BRANCH_REPORT: (3, 8),
    Activity.HEART_TALK: (1, 3),
    Activity.IDEOLOGICAL_LECTURE: (60, 220),
    Activity.FACE_TO_FACE: (1, 12),
    Activity.ONLINE: (1, 30),
}
"""How many students take part in each kind of activity (inclusive range)."""

NOTES: dict[Activity, tuple[str, ...]] = {
    Activity.DORM_VISIT: (
        "了解学生学习生活情况",
        "宿舍卫生良好，学生状态积极",
        "与学生交流课程学习安排",
    ),
    Activity.CLASS_MEETING: ("参加主题班会", "召开师生座谈会", "参加班级团日活动"),
    Activity.LECTURE: ("开设专业发展讲座", "邀请校友开设职业规划讲座"),
    Activity.ONLINE: ("微信群答疑", "电话了解学生近况", "邮件回复学生咨询"),
}
"""Short notes written in the ledger (other activities get a general one)."""
GENERAL_NOTES = ("与学生面对面交流", "了解学生思想动态", "听取学生意见建议")

PROBLEMS: dict[Category, tuple[str, ...]] = {
    Category.STUDY: ("希望延长图书馆自习室开放时间", "希望增加考研辅导讲座"),
    Category.LIFE: ("食堂晚餐时段排队时间长", "校园快递点取件不便"),
    Category.MENTAL_HEALTH: ("希望增加心理健康讲座和咨询时段",),
    Category.EMPLOYMENT: ("希望多组织实习招聘信息发布", "希望开设简历写作指导"),
    Category.FACILITIES: ("宿舍热水供应不稳定", "宿舍楼网络信号弱", "教学楼空调故障"),
    Category.TEACHING: ("部分课程作业量偏大", "希望增加选修课名额"),
    Category.OTHER: ("希望增加校园文体活动场地开放时间",),
}
"""Problems students raise, by category (no personal details, as in a real ledger)."""

SAO_STAFF = "学生处 王老师"


@dataclass
class DemoLedger:
    """A demo semester: contacts in force, leave, the ledger, the cases, and who was made to
    fall behind (so tests and demos can see the gaps show up in the duty figures)."""

    semester: Semester
    as_of: dt.date
    contacts: pd.DataFrame
    leaves: pd.DataFrame
    records: pd.DataFrame
    cases: list[Case]
    diligence: dict[str, str]
    """Each cadre's kind: ``steady``, ``irregular`` or ``behind``."""
    lagging_college: str | None
    """The college made to fall behind (more of its cadres irregular or behind)."""

    @property
    def behind(self) -> frozenset[str]:
        """The cadres made to fall behind."""
        return frozenset(c for c, kind in self.diligence.items() if kind == "behind")


def demo_ledger(
    assignments: pd.DataFrame,
    semester: Semester = DEMO_AUTUMN,
    *,
    seed: int = 1,
    rules: RuleTable | None = None,
    as_of: dt.date | None = None,
    cases_until: dt.date | None = None,
) -> DemoLedger:
    """A semester of ledger entries for the plan's ``assignments`` up to ``as_of`` (the whole
    semester by default), deterministic for a given ``seed``.

    The students' problems are followed up to ``cases_until`` (``as_of`` by default): the SAO
    goes on answering a semester's problems after it ends, which a year's report sees.
    """
    rules = rules or default_rules()
    as_of = as_of or semester.end + dt.timedelta(days=1)
    rng = np.random.default_rng(seed)
    contacts = contacts_from_plan(assignments, semester)
    diligence, lagging = _diligence(rng, contacts)
    leaves = _leaves(rng, sorted(diligence), semester)
    owed = owed_duties(semester, contacts, rules, leaves)
    parts = [_duty_records(rng, owed, diligence, rules, as_of), _online(rng, contacts, as_of)]
    records = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    records = records.sort_values(["date", "cadre_id", "activity"], kind="stable")
    records = number_records(_with_problems(rng, records.reset_index(drop=True)))
    cases = _progress(rng, cases_from_ledger(records, contacts), cases_until or as_of)
    return DemoLedger(semester, as_of, contacts, leaves, records, cases, diligence, lagging)


def _diligence(
    rng: np.random.Generator, contacts: pd.DataFrame
) -> tuple[dict[str, str], str | None]:
    """Each cadre's kind, drawn by :data:`DILIGENCE`; in one college by :data:`LAGGING_SHARES`."""
    cadres = contacts.drop_duplicates("cadre_id").sort_values("cadre_id")
    sizes = cadres["college"].dropna().value_counts()
    colleges = sorted(sizes.index[sizes >= sizes.median()])
    lagging = str(colleges[int(rng.integers(len(colleges)))]) if colleges else None
    kinds = list(DILIGENCE)
    usual = np.array([DILIGENCE[k][0] for k in kinds])
    behind = np.array([LAGGING_SHARES[k] for k in kinds])
    draws = rng.random(len(cadres))
    out = {}
    for cadre, college, draw in zip(cadres["cadre_id"], cadres["college"], draws, strict=True):
        shares = behind if college == lagging else usual
        out[str(cadre)] = kinds[int(np.searchsorted(np.cumsum(shares), draw, side="right"))]
    return out, lagging


def _leaves(rng: np.random.Generator, cadres: list[str], semester: Semester) -> pd.DataFrame:
    """A few cadres away for two to six weeks."""
    chosen = [c for c in cadres if rng.random() < LEAVE_SHARE]
    rows = []
    for cadre in chosen:
        start = semester.start + dt.timedelta(days=int(rng.integers(0, semester.days - 20)))
        end = min(start + dt.timedelta(days=int(rng.integers(14, 43))), semester.end)
        rows.append((cadre, start, end))
    return leaves_frame(rows)


def _duty_records(
    rng: np.random.Generator,
    owed: pd.DataFrame,
    diligence: dict[str, str],
    rules: RuleTable,
    as_of: dt.date,
) -> pd.DataFrame:
    """For each owed duty whose window has begun: done (or not) once, on a day in its window."""
    owed = owed[[start <= as_of for start in owed["window_start"]]].reset_index(drop=True)
    chance = owed["cadre_id"].map(lambda c: DILIGENCE[diligence[c]][1]).to_numpy(float)
    done = rng.random(len(owed)) < chance
    first = np.array([d.toordinal() for d in owed["window_start"]])
    last = np.array([min(d, as_of - dt.timedelta(days=1)).toordinal() for d in owed["window_end"]])
    last = np.maximum(last, first)
    day = first + np.floor(rng.random(len(owed)) * (last - first + 1)).astype(int)
    picks = rng.random(len(owed))
    rows = []
    for i in np.flatnonzero(done):
        duty = owed.iloc[i]
        activities = rules.rule(str(duty["rule"])).activities
        contact = duty["scope"] == "contact"
        # A cadre rule is mostly met by its first activity (a talk, for the weekly contact).
        which = 0 if contact or picks[i] < 0.7 else int(picks[i] * 97) % len(activities)
        activity = activities[which]
        rows.append(
            {
                "cadre_id": duty["cadre_id"],
                "kind": duty["kind"] if contact else "other",
                "target_id": duty["target_id"] if contact else "",
                "date": dt.date.fromordinal(int(day[i])),
                "activity": Activity(activity).value,
            }
        )
    return _finish(rng, pd.DataFrame(rows))


def _online(rng: np.random.Generator, contacts: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Online contacts (三(六)) with the cadre's own target, on random days."""
    rows = []
    for contact in contacts.itertuples():
        first = contact.start.toordinal()
        last = min(contact.end, as_of - dt.timedelta(days=1)).toordinal()
        for _n in range(int(rng.poisson(ONLINE_PER_CADRE))):
            if last < first:
                break
            rows.append(
                {
                    "cadre_id": contact.cadre_id,
                    "kind": contact.kind,
                    "target_id": contact.target_id,
                    "date": dt.date.fromordinal(int(rng.integers(first, last + 1))),
                    "activity": Activity.ONLINE.value,
                }
            )
    return _finish(rng, pd.DataFrame(rows))


def _finish(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Students met and a note for each record."""
    if frame.empty:
        return frame
    frame["students"] = [
        int(rng.integers(*STUDENTS[Activity(a)], endpoint=True)) for a in frame["activity"]
    ]
    frame["note"] = [
        str(rng.choice(NOTES.get(Activity(a), GENERAL_NOTES))) for a in frame["activity"]
    ]
    frame["problems"] = ""
    frame["category"] = Category.OTHER.value
    frame["row"] = 0
    return frame


def _with_problems(rng: np.random.Generator, records: pd.DataFrame) -> pd.DataFrame:
    """Students raise a problem in a few face-to-face contacts."""
    categories = list(PROBLEMS)
    raised = (rng.random(len(records)) < PROBLEM_SHARE) & (
        records["activity"] != "online"
    ).to_numpy()
    for i in np.flatnonzero(raised):
        category = categories[int(rng.integers(len(categories)))]
        records.loc[i, "category"] = category.value
        records.loc[i, "problems"] = str(rng.choice(PROBLEMS[category]))
    return records[[c for c in RECORD_COLUMNS if c != "record_id"]]


def _progress(rng: np.random.Generator, cases: list[Case], as_of: dt.date) -> list[Case]:
    """Each case taken as far along its life cycle as its age allows; some stay open."""
    sao = Actor(kind="sao", name=SAO_STAFF)
    out = []
    for case in cases:
        college = Actor(
            kind="college", name=f"{case.college or '学生处'}联络员", college=case.college
        )
        sender = college if case.college else sao
        steps: list[tuple[str, Actor, int, dict[str, str]]] = [("with_sao", sender, 4, {})]
        if rng.random() < 0.8:
            with use_language("zh"):
                office = _(CATEGORY_OFFICES[case.category])
            steps.append(("passed", sao, 3, {"office": office}))
        steps.append(("answered", sao, 25, {"note": "已协调相关部门处理"}))
        steps.append(("fed_back", sender, 6, {"note": "已在联系学生时向学生反馈"}))
        for status, actor, most, more in steps:
            if rng.random() < (0.03 if status != "answered" else 0.08):
                break  # the case stays here: open, or answered but not yet fed back
            on = case.steps[-1].on + dt.timedelta(days=int(rng.integers(1, most + 1)))
            if on >= as_of:
                break
            case = advance(case, status, on, actor, **more)
        out.append(case)
    return out
