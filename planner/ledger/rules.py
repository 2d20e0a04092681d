"""The duty rules of the contact work: which activity counts for which duty, and how often.

The rules are data (``duty-rules.yaml`` beside this module, seeded from clauses 三 and
四(二)); a university may ship its own table in the same format. :func:`load_rules` checks
every key with pydantic and reports each problem as ``FILE:LINE:KEY PATH: message``, all at
once (an :class:`~planner.errors.InputError`), so a wrong table is never half used.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.contract import ROLES, Kind, Role
from planner.errors import InputError, Problem
from planner.i18n import N_, current_language, ngettext
from planner.i18n import gettext as _
from planner.ledger.vocabulary import Activity, activity_label

DEFAULT_RULES = Path(__file__).resolve().parent / "duty-rules.yaml"
"""The shipped rule table (clauses 三 and 四(二) of 暨党发〔2019〕47号)."""

Every = Literal["week", "month", "semester"]
"""How often a duty falls due: each week (Monday–Sunday), calendar month, or semester."""

EVERY: tuple[str, ...] = ("week", "month", "semester")

RULE_TITLES: dict[str, str] = {
    "class_meeting": N_("class meeting, forum or class activity"),
    "class_lecture": N_("lecture for the class"),
    "dorm_visit": N_("dorm visit or face-to-face talk"),
    "dorm_six_ones": N_('"six ones" growth-plan guidance'),
    "society_planning": N_("society activity planned"),
    "society_meeting": N_("society meeting attended"),
    "society_activity": N_("society activity joined"),
    "party_lecture": N_("party lecture"),
    "branch_meeting": N_("organisational meeting"),
    "branch_report": N_("branch report heard"),
    "heart_talk": N_("heart-to-heart talk"),
    "ideological_lecture": N_("ideological lecture"),
    "weekly_contact": N_("weekly face-to-face contact with students"),
}
"""Titles of the shipped rules (by id); a university's own rule gives ``label`` or is named
after its activities."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A rule's own label in both languages (for a university's own rules)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class DutyRule(_Strict):
    """One duty: ``times`` activities of ``activities`` every ``every``, for whom it applies."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    clause: str = ""
    scope: Literal["contact", "cadre"]
    kinds: tuple[Kind, ...] = ()
    roles: tuple[Role, ...] = ROLES
    activities: tuple[Activity, ...] = Field(min_length=1)
    every: Every
    times: int = Field(default=1, ge=1, le=100)
    label: Label | None = None

    @field_validator("roles", mode="before")
    @classmethod
    def _all_roles(cls, value: Any) -> Any:
        return ROLES if value == "all" else value

    @model_validator(mode="after")
    def _kinds_match_scope(self) -> DutyRule:
        if self.scope == "contact" and not self.kinds:
            raise ValueError(_("a contact duty names the kinds of contact it applies to (kinds)"))
        if self.scope == "cadre" and self.kinds:
            raise ValueError(_("a cadre duty applies whatever the cadre holds: remove kinds"))
        return self

    def applies(self, role: str, kind: str | None = None) -> bool:
        """Whether the rule binds a cadre of ``role`` (holding a contact of ``kind``)."""
        if role not in self.roles:
            return False
        return self.scope == "cadre" or kind in self.kinds

    def title(self) -> str:
        """The rule's label in this context's language: its own, the catalogue's, or its
        activities' labels."""
        if self.label is not None:
            return self.label.zh if current_language() == "zh" else self.label.en
        if self.id in RULE_TITLES:
            return _(RULE_TITLES[self.id])
        return _(" or ").join(activity_label(a) for a in self.activities)

    def requirement(self) -> str:
        """What the rule asks, in a sentence: "at least 1 a month"."""
        if self.every == "week":
            text = ngettext("at least {n} a week", "at least {n} a week", self.times)
        elif self.every == "month":
            text = ngettext("at least {n} a month", "at least {n} a month", self.times)
        else:
            text = ngettext("at least {n} a semester", "at least {n} a semester", self.times)
        return text.format(n=self.times)


class RuleTable(_Strict):
    """A whole rule table: its rules and the share of a period that makes it owed."""

    version: Literal[1] = 1
    name: str = ""
    min_share: float = Field(default=0.5, gt=0, le=1)
    rules: tuple[DutyRule, ...] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[DutyRule, ...]) -> tuple[DutyRule, ...]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(_("rule id '{id}' is given twice").format(id=rule.id))
            seen.add(rule.id)
        return rules

    def rule(self, rule_id: str) -> DutyRule:
        """The rule called ``rule_id``."""
        return next(r for r in self.rules if r.id == rule_id)

    def for_contact(self, role: str, kind: str) -> list[DutyRule]:
        """The contact duties a cadre of ``role`` owes for a contact of ``kind``."""
        return [r for r in self.rules if r.scope == "contact" and r.applies(role, kind)]

    def for_cadre(self, role: str) -> list[DutyRule]:
        """The duties a cadre of ``role`` owes whatever they hold."""
        return [r for r in self.rules if r.scope == "cadre" and r.applies(role)]


@cache
def default_rules() -> RuleTable:
    """The shipped rule table (read once)."""
    return load_rules(DEFAULT_RULES)


def load_rules(path: str | Path) -> RuleTable:
    """Read and check a rule table; every problem raised at once, located by line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = _("the rule table cannot be read: {reason}").format(reason=exc)
        raise InputError([Problem(path.name, 0, "", message)]) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        message = _("not valid YAML: {reason}").format(reason=getattr(exc, "problem", exc))
        raise InputError([Problem(path.name, line, "", message)]) from None
    return rules_from_data(data, path.name, root)


def rules_from_data(data: Any, source: str = "rules", root: yaml.Node | None = None) -> RuleTable:
    """Check a rule table given as plain data; ``root`` (the YAML nodes) locates lines."""
    if not isinstance(data, dict):
        message = _("a rule table is a mapping with a list of rules (see duty-rules.yaml)")
        raise InputError([Problem(source, 1, "", message)])
    repeated = _repeated_ids(data, source, root)
    try:
        table = RuleTable.model_validate(data)
    except ValidationError as exc:
        problems = list(repeated)
        for error in exc.errors():
            loc = [p for p in error["loc"] if not str(p).startswith("function-")]
            if repeated and loc == ["rules"]:
                continue  # the repeated ids, already located rule by rule
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = _("unknown key (check the spelling; see duty-rules.yaml)")
            problems.append(Problem(source, _line(root, loc), _path(data, loc), message))
        raise InputError(problems) from None
    return table


def _repeated_ids(data: dict[str, Any], source: str, root: yaml.Node | None) -> list[Problem]:
    """A rule id given again, at the rule that repeats it (found before the rules are checked,
    so it is reported with every other problem)."""
    rules = data.get("rules")
    if not isinstance(rules, list):
        return []
    seen: set[str] = set()
    out = []
    for number, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            loc = ["rules", number, "id"]
            message = _("rule id '{id}' is given twice").format(id=rule_id)
            out.append(Problem(source, _line(root, loc), _path(data, loc), message))
        seen.add(rule_id)
    return out


def _path(data: Any, loc: Sequence[Any]) -> str:
    """``rules[3](dorm_visit).every``: the key path, naming a rule by its id where it has one."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str) and len(parts) == 1:
                parts[-1] += f"({node['id']})"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _line(root: yaml.Node | None, loc: Sequence[Any]) -> int:
    """The 1-based line of the deepest node of ``loc`` found in the YAML tree (0 if none)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 0
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            child = node.value[key] if key < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
