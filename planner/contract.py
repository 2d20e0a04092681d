"""The data contract v1.1 (``shared/spec/data-contract.md``) as data.

Everything that knows a table name, a column name, a Chinese alias or a vocabulary word reads
it from here, so the contract lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The four kinds of target a cadre can hold (clause 二)."""

    CLASS = "class"
    DORM = "dorm"
    SOCIETY = "society"
    BRANCH = "branch"


KINDS: tuple[Kind, ...] = (Kind.CLASS, Kind.DORM, Kind.SOCIETY, Kind.BRANCH)
"""Kinds in the order every table and chart shows them."""

KIND_ALIASES: dict[str, Kind] = {
    "class": Kind.CLASS,
    "班级": Kind.CLASS,
    "dorm": Kind.DORM,
    "宿舍": Kind.DORM,
    "society": Kind.SOCIETY,
    "社团": Kind.SOCIETY,
    "branch": Kind.BRANCH,
    "党支部": Kind.BRANCH,
    "学生党支部": Kind.BRANCH,
}

KIND_LABELS_ZH: dict[Kind, str] = {
    Kind.CLASS: "班级",
    Kind.DORM: "宿舍",
    Kind.SOCIETY: "社团",
    Kind.BRANCH: "党支部",
}

KIND_TABLE: dict[Kind, str] = {
    Kind.CLASS: "classes",
    Kind.DORM: "dorms",
    Kind.SOCIETY: "societies",
    Kind.BRANCH: "branches",
}
"""The input table that holds the targets of each kind."""


class Role(StrEnum):
    """The role vocabulary; the first four are placed centrally by the SAO."""

    SCHOOL_LEADER = "school_leader"
    OFFICE_LEADER = "office_leader"
    SAO_CADRE = "sao_cadre"
    LEAGUE_CADRE = "league_cadre"
    COLLEGE_LEADER = "college_leader"
    DEPT_LEADER = "dept_leader"
    PROFESSOR = "professor"
    YOUNG_TEACHER = "young_teacher"


ROLES: tuple[Role, ...] = tuple(Role)

CENTRAL_ROLES: frozenset[Role] = frozenset(
    {Role.SCHOOL_LEADER, Role.OFFICE_LEADER, Role.SAO_CADRE, Role.LEAGUE_CADRE}
)
"""Roles placed by the Student Affairs Office; every other role is placed by its own college."""

ROLE_LABELS_ZH: dict[Role, str] = {
    Role.SCHOOL_LEADER: "校领导",
    Role.OFFICE_LEADER: "机关部处领导",
    Role.SAO_CADRE: "学生处干部",
    Role.LEAGUE_CADRE: "团委干部",
    Role.COLLEGE_LEADER: "学院领导",
    Role.DEPT_LEADER: "系所领导",
    Role.PROFESSOR: "知名教授",
    Role.YOUNG_TEACHER: "青年教师",
}

ROLE_ALIASES: dict[str, Role] = {r.value: r for r in Role} | {
    zh: r for r, zh in ROLE_LABELS_ZH.items()
}

GENDER_ALIASES: dict[str, str] = {"M": "M", "F": "F", "m": "M", "f": "F", "男": "M", "女": "F"}

BOOL_ALIASES: dict[str, bool] = {
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "是": True,
    "否": False,
}

PIN_RULE_ALIASES: dict[str, str] = {
    "require": "require",
    "指定": "require",
    "forbid": "forbid",
    "禁止": "forbid",
}


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``type`` is one of ``id``, ``text``, ``gender``, ``role``, ``bool``, ``int``, ``kind``,
    ``rule``; ``required`` is False for the contract's ``?`` columns.
    """

    name: str
    alias: str
    type: str
    required: bool = True
    others: tuple[str, ...] = ()
    """Further headers read as this column (the plan's own files: ``target_id``, and the
    workbook's English ``Target ID``), so a plan's workbook or CSV reads back as a table."""


@dataclass(frozen=True)
class Table:
    """One input table: its English name, Chinese name and columns."""

    name: str
    alias: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        """The column called ``name`` (English)."""
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "colleges",
            "学院",
            (
                Column("id", "学院代码", "id"),
                Column("name", "学院名称", "text"),
                Column("campus", "校区", "text"),
            ),
        ),
        Table(
            "cadres",
            "联系人",
            (
                Column("id", "工号", "id"),
                Column("name", "姓名", "text"),
                Column("gender", "性别", "gender"),
                Column("role", "类别", "role"),
                Column("unit", "单位", "text"),
                Column("campus", "校区", "text"),
                Column("available", "在岗", "bool", required=False),
                Column("title", "职务", "text", required=False),
                Column("phone", "联系电话", "text", required=False),
                Column("email", "邮箱", "text", required=False),
            ),
        ),
        Table(
            "classes",
            "班级",
            (
                Column("id", "班级编号", "id"),
                Column("name", "班级名称", "text"),
                Column("college", "学院代码", "id"),
                Column("grade", "年级", "int"),
                Column("campus", "校区", "text"),
                Column("size", "人数", "int"),
                Column("major", "专业", "text", required=False),
                Column("counsellor", "辅导员", "text", required=False),
                Column("head_teacher", "班主任", "text", required=False),
            ),
        ),
        Table(
            "dorms",
            "宿舍",
            (
                Column("id", "宿舍编号", "id"),
                Column("building", "楼栋", "text"),
                Column("room", "房间号", "text"),
                Column("campus", "校区", "text"),
                Column("gender", "性别", "gender"),
                Column("residents", "人数", "int"),
                Column("college", "学院代码", "id"),
                Column("grade", "年级", "int", required=False),
            ),
        ),
        Table(
            "societies",
            "社团",
            (
                Column("id", "社团编号", "id"),
                Column("name", "社团名称", "text"),
                Column("campus", "校区", "text"),
                Column("members", "人数", "int"),
                Column("college", "学院代码", "id", required=False),
            ),
        ),
        Table(
            "branches",
            "党支部",
            (
                Column("id", "支部编号", "id"),
                Column("name", "支部名称", "text"),
                Column("college", "学院代码", "id"),
                Column("campus", "校区", "text"),
                Column("members", "人数", "int"),
            ),
        ),
        Table(
            "previous",
            "上学期安排",
            (
                Column("cadre", "工号", "id", others=("cadre id", "cadre_id")),
                Column("kind", "类型", "kind"),
                Column("target", "对象编号", "id", others=("target id", "target_id")),
            ),
            required=False,
        ),
        Table(
            "pins",
            "指定",
            (
                Column("cadre", "工号", "id", others=("cadre id", "cadre_id")),
                Column("kind", "类型", "kind"),
                Column("target", "对象编号", "id", others=("target id", "target_id")),
                Column("rule", "规则", "rule"),
            ),
            required=False,
        ),
    )
}
"""Every input table of the contract, keyed by English name, in the contract's order."""

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {"cadres": ("phone", "email")}
"""Columns (v1.1) holding a person's contact details: they reach the cadre's own letter and
their college's own files, never a university-wide output (plan files, logs, messages)."""

TABLE_ALIASES: dict[str, str] = {t.name: t.name for t in TABLES.values()} | {
    t.alias: t.name for t in TABLES.values()
}
"""Table name (English or Chinese) to English name."""
