"""Scenarios: which rules of ``shared/spec/policy.md`` apply and how strongly.

A scenario is a YAML file validated by pydantic; unknown keys are errors and every error names
its key path (``kinds.class.cap: Input should be greater than or equal to 1``). The format is
documented in ``scenarios/README.md``; :class:`Scenario` holds the defaults of the default
policy, so an empty file is the default policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.contract import KINDS, ROLES, Kind, Role
from planner.errors import UsageError
from planner.i18n import N_, current_language
from planner.i18n import gettext as _
from planner.policy import term_name

TERMS: tuple[str, ...] = (
    "coverage",
    "continuity",
    "campus",
    "dorm_gender",
    "dorm_priority",
    "central_spread",
    "stay",
)
"""Every soft objective term, in the default strict priority order (S1, S2, S3, -, S4, S5, S6).

``dorm_gender`` only counts when the dorm-gender rule is ``soft``; ``stay`` only when a part of
the university plan is re-planned against the proposal (:mod:`planner.workflow.parts`)."""

TERM_MEASURES: dict[str, str] = {
    "coverage": "targets holding a cadre",
    "continuity": "contacts kept from last semester",
    "campus": "contacts on another campus",
    "dorm_gender": "dorm rooms of the other gender",
    "dorm_priority": "rank of the dorm rooms held; 0 = first choice",
    "central_spread": "most central cadres in one college",
    "stay": "contacts of the proposal kept",
}
"""What each term counts."""

TERM_LABELS: dict[str, str] = {term: f"{term_name(term)}: {TERM_MEASURES[term]}" for term in TERMS}
"""Each term as ``plan.json`` and the workbook name it: its rule (:mod:`planner.policy`) and
what it counts."""

TERM_SENSE: dict[str, int] = {
    "coverage": 1,
    "continuity": 1,
    "campus": -1,
    "dorm_gender": -1,
    "dorm_priority": -1,
    "central_spread": -1,
    "stay": 1,
}
"""+1 for a term to maximise, -1 for one to minimise."""


def _unknown_terms(unknown: list[str]) -> str:
    """The problem of an ``order`` or ``weights`` naming terms that do not exist."""
    return _("unknown term(s) {unknown}; terms are {terms}").format(
        unknown=unknown, terms=list(TERMS)
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """An inclusive count range ``[min, max]``; written as ``2``, ``[0, 2]`` or a mapping."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_short_forms(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(_("a count must be a whole number, not yes/no"))
        if isinstance(value, int):
            return {"min": value, "max": value}
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(_("a range is written [min, max]"))
            return {"min": value[0], "max": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(
                _("min {min} is larger than max {max}").format(min=self.min, max=self.max)
            )
        return self


class Duty(_Strict):
    """How many targets a cadre of one role holds (H1 and its full-engagement reading).

    ``total`` bounds all targets together; ``per_kind`` bounds each kind (a kind missing from
    ``per_kind`` is allowed up to ``total.max``; give it ``0`` to forbid it). "One of each of
    the four kinds" is ``per_kind: {class: 1, dorm: 1, society: 1, branch: 1}``.
    """

    total: Range | None = None
    per_kind: dict[Kind, Range] = Field(default_factory=dict)

    def total_range(self) -> Range:
        """The total range, derived from ``per_kind`` when ``total`` is not given."""
        return self.ranges[0]

    def kind_range(self, kind: Kind) -> Range:
        """The range for one kind."""
        return self.ranges[1][Kind(kind)]

    @cached_property
    def ranges(self) -> tuple[Range, dict[Kind, Range]]:
        """The total range and each kind's range, worked out once: the model is frozen, and
        the solver and the checker ask for them per cadre and per arc."""
        total = self.total
        if total is None:
            if self.per_kind and len(self.per_kind) == len(KINDS):
                total = Range(
                    min=sum(r.min for r in self.per_kind.values()),
                    max=sum(r.max for r in self.per_kind.values()),
                )
            elif self.per_kind:
                lo = sum(r.min for r in self.per_kind.values())
                total = Range(min=max(lo, 1), max=max(lo, 1))
            else:
                total = Range(min=1, max=1)
        kinds = {k: self.per_kind.get(k, Range(min=0, max=total.max)) for k in KINDS}
        return total, kinds

    @model_validator(mode="after")
    def _consistent(self) -> Duty:
        total = self.total_range()
        lo = sum(self.kind_range(k).min for k in KINDS)
        hi = sum(self.kind_range(k).max for k in KINDS)
        if lo > total.max or hi < total.min:
            raise ValueError(
                _(
                    "per-kind counts (at least {lo}, at most {hi}) cannot add up to a total "
                    "between {min} and {max}"
                ).format(lo=lo, hi=hi, min=total.min, max=total.max)
            )
        return self


class KindRule(_Strict):
    """Per kind: coverage (minimum cadres a target should have), cap, and how hard."""

    coverage: Literal["soft", "hard", "off"] = "soft"
    min: int = Field(default=1, ge=1)
    cap: int = Field(default=1, ge=1)
    weight: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _min_le_cap(self) -> KindRule:
        if self.min > self.cap:
            raise ValueError(
                _("min {min} is larger than cap {cap}").format(min=self.min, cap=self.cap)
            )
        return self


def _default_kinds() -> dict[Kind, KindRule]:
    return {
        Kind.CLASS: KindRule(),
        Kind.DORM: KindRule(coverage="off"),
        Kind.SOCIETY: KindRule(),
        Kind.BRANCH: KindRule(),
    }


class Origin(_Strict):
    """H3 department of origin: on by default for every college role."""

    enforce: bool = True
    roles: dict[Role, bool] = Field(default_factory=dict)

    def applies_to(self, role: Role) -> bool:
        """Whether H3 binds a cadre of ``role`` (central roles may hold any target)."""
        from planner.contract import CENTRAL_ROLES

        if role in CENTRAL_ROLES:
            return False
        return self.roles.get(role, self.enforce)


class DormPriority(_Strict):
    """S4: which dorm rooms a cadre holding a dorm should get first."""

    by: Literal["grade", "residents", "list"] = "grade"
    list: tuple[str, ...] = ()
    """With ``by: list``: dorm ids or building names, first = most wanted."""

    @model_validator(mode="after")
    def _list_given(self) -> DormPriority:
        if self.by == "list" and not self.list:
            raise ValueError(_("'by: list' needs a non-empty 'list' of dorm ids or buildings"))
        return self


class Solver(_Strict):
    """Solver limits."""

    time_limit: float = Field(default=60.0, gt=0)
    """Seconds for the whole solve (all priority stages together)."""
    relative_gap: float = Field(default=0.0, ge=0, le=1)
    workers: int = Field(default=1, ge=1, le=64)
    """Solver threads. One is the default: on this model a single LP-heavy worker proves
    optimality faster than a portfolio on two cores (see benchmarks/README.md)."""
    seed: int = Field(default=0, ge=0)


class Scenario(_Strict):
    """A scenario: the rules and their strengths. Defaults are the default policy."""

    name: str = "default"
    description: str = ""
    duties: dict[str, Duty] = Field(default_factory=lambda: {"default": Duty()})
    """Per role (English or Chinese role word), plus ``default`` for the rest."""
    kinds: dict[Kind, KindRule] = Field(default_factory=_default_kinds)
    origin: Origin = Field(default_factory=Origin)
    school_leader_spread: int | None = Field(default=1, ge=0)
    """H4: at most this many school leaders per college; ``null`` turns the rule off."""
    dorm_gender: Literal["hard", "soft", "off"] = "hard"
    campus: Literal["hard", "soft", "off"] = "soft"
    continuity: Literal["hard", "soft", "off"] = "soft"
    dorm_priority: DormPriority = Field(default_factory=DormPriority)
    priorities: Literal["strict", "weighted"] = "strict"
    order: tuple[str, ...] = TERMS
    """Priority order of the soft terms (strict) — every term listed once."""
    weights: dict[str, int] = Field(
        default_factory=lambda: {
            "coverage": 1_000_000,
            "continuity": 1_000,
            "campus": 10,
            "dorm_gender": 10,
            "dorm_priority": 1,
            "central_spread": 1,
            "stay": 1,
        }
    )
    scope: str = "university"
    """``university``, ``central`` or ``college=ID``."""
    solver: Solver = Field(default_factory=Solver)

    @field_validator("duties", mode="before")
    @classmethod
    def _role_words(cls, value: Any) -> Any:
        from planner.contract import ROLE_ALIASES

        if not isinstance(value, dict):
            return value
        out = {}
        for key, duty in value.items():
            if key == "default":
                out[key] = duty
            elif str(key) in ROLE_ALIASES:
                out[ROLE_ALIASES[str(key)].value] = duty
            else:
                words = ", ".join(r.value for r in ROLES)
                raise ValueError(
                    _("unknown role '{role}' (use 'default' or one of: {words})").format(
                        role=key, words=words
                    )
                )
        return out

    @field_validator("kinds", mode="before")
    @classmethod
    def _all_kinds(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {k: v.model_dump() for k, v in _default_kinds().items()}
        for key, rule in value.items():
            if key not in merged:
                raise ValueError(
                    _("unknown kind '{kind}' (use class, dorm, society or branch)").format(kind=key)
                )
            merged[key] = {**merged[key], **(rule or {})}
        return merged

    @field_validator("order")
    @classmethod
    def _order_complete(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in value if t not in TERMS]
        if unknown:
            raise ValueError(_unknown_terms(unknown))
        if len(set(value)) != len(value):
            raise ValueError(_("a term is listed twice"))
        missing = [t for t in TERMS if t not in value]
        return tuple(value) + tuple(missing)

    @field_validator("weights")
    @classmethod
    def _weights_known(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [t for t in value if t not in TERMS]
        if unknown:
            raise ValueError(_unknown_terms(unknown))
        if any(w < 0 for w in value.values()):
            raise ValueError(_("weights must be 0 or more"))
        return value

    @field_validator("scope")
    @classmethod
    def _scope_form(cls, value: str) -> str:
        if value in ("university", "central") or (
            value.startswith("college=") and len(value) > len("college=")
        ):
            return value
        raise ValueError(_("scope is 'university', 'central' or 'college=ID' (e.g. college=C07)"))

    def duty(self, role: Role | str) -> Duty:
        """The duty of a role (its own entry, else ``default``, else exactly one target)."""
        return self.role_duties[Role(role)]

    @cached_property
    def role_duties(self) -> dict[Role, Duty]:
        """Every role's duty, worked out once (the model is frozen)."""
        fallback = self.duties.get("default") or Duty()
        return {role: self.duties.get(role.value) or fallback for role in Role}

    def weight(self, term: str) -> int:
        """The weight of a term in weighted mode (0 where not given)."""
        return int(self.weights.get(term, 0))

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with top-level keys replaced (validated again), for notebooks and the CLI."""
        data = self.model_dump(mode="json")
        data.update(changes)
        return scenario_from_dict(data)

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data (recorded in ``plan.json``)."""
        return self.model_dump(mode="json")


_ERRORS: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("unknown key (check the spelling; see scenarios/README.md)"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "string_type": N_("Input should be a valid string"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "value_error": N_("Value error, {error}"),
}
"""pydantic's messages for the errors a scenario file commonly has, as pydantic words them in
English (the catalogue gives them in Chinese); any other error keeps pydantic's English."""

_SOURCES = (N_("scenario"), N_("plan scenario"), N_("scenario change"))
"""Where a scenario given as data (not a file) came from, as messages name it."""


def _bound(value: Any) -> Any:
    """A bound as pydantic writes it: ``0`` for ``0.0``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _expected(text: str) -> str:
    """pydantic's list of allowed values (``'hard', 'soft' or 'off'``) in the reader's
    language (Chinese ``'hard'、'soft' 或 'off'``)."""
    if current_language() != "zh":
        return text
    head, sep, last = text.rpartition("' or '")
    joined = f"{head}' 或 '{last}" if sep else text
    return joined.replace("', '", "'、'")


def error_message(err: Mapping[str, Any]) -> str:
    """One pydantic error of a scenario in the reader's language (English as pydantic words
    it)."""
    template = _ERRORS.get(str(err["type"]))
    if template is None:
        return str(err["msg"])
    ctx = dict(err.get("ctx") or {})
    values = {name: _bound(value) for name, value in ctx.items()}
    if "expected" in ctx:
        values["expected"] = _expected(str(ctx["expected"]))
    if "error" in ctx:
        values["error"] = str(ctx["error"])
    try:
        return _(template).format(**values)
    except (KeyError, IndexError, ValueError):
        return str(err["msg"])


def scenario_from_dict(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a scenario given as plain data; errors name the key path, in the reader's
    language."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        where = _(source) if source in _SOURCES else source
        lines = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or _("(top level)")
            lines.append(f"{where}: {path}: {error_message(err)}")
        raise UsageError("\n".join(lines)) from None


def change_scenario(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with ``changes`` applied, validated again.

    A plain key (``campus``) replaces that top-level key, as
    :meth:`Scenario.with_changes` does. A dotted key (``weights.campus``)
    or one with double underscores (``weights__campus``, usable as a Python keyword) sets one
    nested value and keeps its siblings: ``{"kinds.class.coverage": "hard"}`` changes only the
    class coverage rule. Errors name the key path (:class:`~planner.errors.UsageError`).
    """
    data = scenario.as_dict()
    for raw_key, value in changes.items():
        path = raw_key.replace("__", ".").split(".")
        if not all(path):
            raise UsageError(
                _("scenario change '{key}': empty part in the key").format(key=raw_key)
            )
        node: dict[str, Any] = data
        for i, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(path[: i + 1])
                raise UsageError(
                    _(
                        "scenario change '{key}': '{where}' is a single value, not a group of "
                        "keys (see scenarios/README.md)"
                    ).format(key=raw_key, where=where)
                )
            node = child
        node[path[-1]] = value
    return scenario_from_dict(data, source="scenario change")


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_("{file}: no such scenario file").format(file=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            _("{file}: cannot read the scenario ({reason})").format(file=path, reason=exc)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f":{where.line + 1}" if where is not None else ""
        raise UsageError(
            _("{file}: not valid YAML ({reason})").format(
                file=f"{path}{at}", reason=getattr(exc, "problem", exc)
            )
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(
            _("{file}: a scenario is a mapping of keys (see scenarios/README.md)").format(file=path)
        )
    data.setdefault("name", path.stem)
    return scenario_from_dict(data, source=path.name)
