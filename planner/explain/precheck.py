"""Why no plan can satisfy the hard rules, found cheaply, before any solve: the common cases,
named with files, rows and ids, in the words of the policy.

- cadres who must hold a target but may hold none (H1 with H3, H5, the hard campus rule or the
  role's duties), with the rule that shuts each group out;
- require pins that break a single-pair rule (H3, H5, hard campus, duties), a forbid pin or a
  leave; pins that ask too much of one cadre (H1), one target (H2) or one college (H4);
- more cadres than targets they may hold, and hard coverage the cadres cannot give (Hall's
  condition, :mod:`planner.explain.hall`): one maximum flow over every role group at once (the
  cadres of each college and the central roles, their eligible targets under H3, H5 and the
  campus rule, require pins applied, forbid pins removed), with the school leaders' contacts
  in each college held to the H4 limit, counted for all targets and for each kind a role's
  duties require. These are relaxations of the hard rules, so a shortfall they find is proof,
  found in milliseconds at university size (``benchmarks/diagnosis.py``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from planner.contract import ROLE_LABELS_ZH, Kind, Role
from planner.explain.hall import hard_coverage_short, too_many_cadres
from planner.i18n import gettext as _
from planner.i18n import ngettext, pgettext
from planner.policy import H1, H2, H3, H4, H5, H6, S3
from planner.solver.eligibility import (
    campus_hard,
    eligible,
    h3_department_of_origin,
    h5_dorm_gender,
    kind_allowed,
    pair_frame,
)
from planner.solver.problem import Problem
from planner.words import (
    cadre_words,
    chinese,
    college_name,
    count_words,
    file_name,
    kind_code,
    listed,
    role_code,
    role_words,
    row_list,
    target_words,
)


# -- the cheap checks --------------------------------------------------------------------
def precheck(problem: Problem) -> list[str]:
    """Cheap checks for the usual reasons a plan cannot exist; plain-language lines."""
    stuck = _cadres_without_targets(problem)
    return (
        stuck[1]
        + _pins_against_rules(problem)
        + _pins_against_each_other(problem)
        + too_many_cadres(problem, skip=stuck[0])
        + hard_coverage_short(problem)
    )


def _blocking(problem: Problem, cadres: pd.DataFrame) -> pd.Series:
    """Per stuck cadre (index as ``cadres``): which rule shuts them out of every target.

    One of ``no targets`` (their college has none and no university society is on their
    campus), ``campus``, ``gender``, ``duties`` or ``rules`` (several together).
    """
    p = problem
    targets = p.targets
    out = {}
    for i, c in cadres.iterrows():
        own = targets[
            (targets["college"] == c["college"])
            | (targets["college"].isna() & (targets["campus"] == c["campus"]))
        ]
        if not isinstance(c["college"], str):  # central cadre: any target
            own = targets
        if own.empty:
            out[i] = "no targets"
            continue
        side = pd.DataFrame([c] * len(own)).reset_index(drop=True)
        frame = pair_frame(side, own.reset_index(drop=True))
        masks = {
            "duties": kind_allowed(frame, p.scenario),
            "origin": h3_department_of_origin(frame, p.scenario),
            "gender": h5_dorm_gender(frame, p.scenario),
            "campus": campus_hard(frame, p.scenario),
        }
        others = {
            name: np.logical_and.reduce([m for n, m in masks.items() if n != name])
            for name in masks
        }
        if np.logical_and.reduce(list(masks.values())).any():
            out[i] = "pins"  # every rule allows some target: forbid pins took them away
            continue
        single = [name for name in ("campus", "gender", "duties") if others[name].any()]
        out[i] = single[0] if len(single) == 1 else "rules"
    return pd.Series(out, dtype=object)


def _cadres_without_targets(problem: Problem) -> tuple[set[int], list[str]]:
    """H1 + single-pair rules: cadres who must hold a target but may hold none.

    Returns the pools reported (so the max-flow check skips them) and the lines.
    """
    p = problem
    reach = set(p.arcs["pool"]) | set(p.keeps["pool"])
    stuck = p.cadres[~p.cadres["pool"].isin(reach)]
    stuck = stuck[
        stuck["role"].map(lambda r: p.scenario.duty(r).total_range().min > 0).to_numpy(bool)
    ]
    if stuck.empty:
        return set(), []
    cause = _blocking(p, stuck)
    cadre_file = file_name(p.dataset, "cadres")
    out = []
    key = [stuck["college"].fillna(""), cause]
    for (college, why), frame in stuck.groupby(key, sort=True):
        names = listed([cadre_words(r) for _index, r in frame.iterrows()])
        rows = f"{cadre_file} {row_list(list(frame['row']))}"
        n = len(frame)
        who = (
            _("{cadres} of {college}").format(
                cadres=count_words(n, "available cadre"), college=college_name(p.dataset, college)
            )
            if college
            else count_words(n, "available central cadre")
        )
        campuses = pgettext("list", ", ").join(sorted(set(frame["campus"])))
        rule, because, change = _stuck_words(p, str(why), str(college), campuses, rows, n)
        out.append(
            ngettext(
                "{rule}: {who} must hold a target but may hold none — {because}: {names}. "
                "To fix: {change}.",
                "{rule}: {who} must each hold a target but may hold none — {because}: "
                "{names}. To fix: {change}.",
                n,
            ).format(rule=rule, who=who, because=because, names=names, change=change)
        )
    return set(stuck["pool"].astype(int)), out


def _stuck_words(
    p: Problem, why: str, college: str, campuses: str, rows: str, n: int
) -> tuple[str, str, str]:
    """The rule, the cause and the change for ``n`` cadres shut out of every target by
    ``why`` (see :func:`_blocking`)."""
    unavailable = _("mark them unavailable (在岗 = 否 in {rows})").format(rows=rows)
    if why == "no targets":
        return (
            f"{H1.label} + {H3.label}",
            _(
                "{college} has no class, dorm room, society or party branch in the data, and "
                "no university-level society is on {campuses}"
            ).format(college=college_name(p.dataset, college), campuses=campuses),
            _(
                "add the college's targets to the data, or mark these cadres unavailable "
                "(在岗 = 否 in {rows})"
            ).format(rows=rows),
        )
    if why == "campus":
        return (
            f"{H1.label} + {S3.made_hard}",
            ngettext(
                "the cadre is on {campuses} and every target they may hold is on another campus",
                "they are on {campuses} and every target they may hold is on another campus",
                n,
            ).format(campuses=campuses),
            _(
                "make the campus rule soft (campus: soft in the scenario), correct their "
                "campus (校区 in {rows}), or mark them unavailable (在岗 = 否)"
            ).format(rows=rows),
        )
    if why == "gender":
        return (
            f"{H1.label} + {H5.label}",
            ngettext(
                "the only targets the cadre may hold are dorm rooms of the other gender",
                "the only targets they may hold are dorm rooms of the other gender",
                n,
            ),
            _(
                "add a target they may hold, make dorm_gender soft in the scenario, or "
                "{unavailable}"
            ).format(unavailable=unavailable),
        )
    if why == "pins":
        return (
            f"{H1.label} + {H6.label}",
            _("forbid pins rule out every target the other rules leave open to them"),
            _("drop some of the forbid pins on these cadres in {file}").format(
                file=file_name(p.dataset, "pins")
            ),
        )
    if why == "duties":
        return (
            _("{rule} (duties)").format(rule=H1.label),
            _("the scenario's duties for their role allow no kind of target they could hold"),
            _("change the role's duties in the scenario, or {unavailable}").format(
                unavailable=unavailable
            ),
        )
    return (
        H1.label,
        _(
            "the hard rules together ({h3}, {h5}, the campus rule, the role's duties, forbid "
            "pins) rule out every target for them"
        ).format(h3=H3.label, h5=H5.label),
        _("add a target they may hold, or {unavailable}").format(unavailable=unavailable),
    )


def _pin_words(problem: Problem, pin: pd.Series) -> str:
    c = problem.cadres.loc[int(pin["cadre"])]
    t = problem.targets.loc[int(pin["target"])]
    unit = (
        college_name(problem.dataset, c["college"])
        if isinstance(c["college"], str)
        else str(c["unit"])
    )
    return _(
        "{file} row {row} requires {cadre}, {role} of {unit} on {campus}, to hold {target}"
    ).format(
        file=file_name(problem.dataset, "pins"),
        row=pin["row"],
        cadre=cadre_words(c),
        role=role_words(c["role"]),
        unit=unit,
        campus=c["campus"],
        target=target_words(problem.dataset, t),
    )


def _pins_against_rules(problem: Problem) -> list[str]:
    """H6 Pins against leave, forbid pins, the duties of H1 One target per cadre, H3, H5 and the
    hard campus rule."""
    p = problem
    out = []
    data = p.dataset
    pins_file = file_name(p.dataset, "pins")
    pins = data.pins[data.pins["rule"] == "require"]
    on_leave = data.cadres.set_index("id")
    on_leave = on_leave[~on_leave["available"]]
    pins = pins[pins["cadre"].isin(on_leave.index)]  # the others are checked below
    scope_targets = (
        set(zip(p.targets["kind"].tolist(), p.targets["id"].tolist(), strict=True))
        if len(pins)
        else set()
    )
    for _index, pin in pins.iterrows():
        if (pin["kind"], pin["target"]) not in scope_targets or pin["cadre"] not in on_leave.index:
            continue
        c = on_leave.loc[pin["cadre"]]
        out.append(
            _(
                "{rules}: {file} row {row} requires {cadre} to hold {kind} {target}, but the "
                "cadre is on leave (在岗 = 否 in {cadres} row {cadre_row}) and holds nothing. "
                "To fix: drop {file} row {row}, or mark the cadre available."
            ).format(
                rules=f"{H6.label} + {H1.label}",
                file=pins_file,
                row=pin["row"],
                cadre=_("{name} ({code})").format(name=c["name"], code=pin["cadre"]),
                kind=kind_code(pin["kind"]),
                target=pin["target"],
                cadres=file_name(p.dataset, "cadres"),
                cadre_row=c["row"],
            )
        )
    forbid_rows = {
        (c, t): r
        for c, t, r in zip(p.forbids["cadre"], p.forbids["target"], p.forbids["row"], strict=True)
    }
    # Every require pin's pair checked at once; only a pin breaking a rule is put into words.
    requires = p.requires
    allowed = eligible(
        pair_frame(
            p.cadres.loc[requires["cadre"].to_numpy()],
            p.targets.loc[requires["target"].to_numpy()],
        ),
        p.scenario,
    )
    for (_index, pin), ok in zip(requires.iterrows(), allowed, strict=True):
        key = (int(pin["cadre"]), int(pin["target"]))
        if ok and key not in forbid_rows:
            continue
        if key in forbid_rows:
            out.append(
                _(
                    "{rule}: {pin}, but {file} row {forbid} forbids the same pair. To fix: drop "
                    "{file} row {row} or row {forbid}."
                ).format(
                    rule=H6.label,
                    pin=_pin_words(p, pin),
                    file=pins_file,
                    forbid=forbid_rows[key],
                    row=pin["row"],
                )
            )
            continue
        out += _pin_breaks(p, pin)
    return out


def _pin_breaks(problem: Problem, pin: pd.Series) -> list[str]:
    """The single-pair rules one require pin breaks, each with what to change."""
    p = problem
    c = p.cadres.loc[int(pin["cadre"])]
    t = p.targets.loc[int(pin["target"])]
    frame = pair_frame(c.to_frame().T, t.to_frame().T).reset_index(drop=True)
    drop = _("drop {file} row {row}").format(file=file_name(p.dataset, "pins"), row=pin["row"])
    words = _pin_words(p, pin)
    kind = kind_code(t["kind"])
    out = []
    if not kind_allowed(frame, p.scenario)[0]:
        out.append(
            _(
                "{rules}: {pin}, but the scenario's duties give {role} no {kind} to hold. To "
                "fix: {drop}, or allow the kind in duties.{role_id} of the scenario."
            ).format(
                rules=f"{H6.label} + {H1.label}",
                pin=words,
                role=role_code(c["role"]),
                kind=kind,
                drop=drop,
                role_id=c["role"],
            )
        )
    if not h3_department_of_origin(frame, p.scenario)[0]:
        where = (
            college_name(p.dataset, t["college"])
            if isinstance(t["college"], str)
            else _("university level on {campus}").format(campus=t["campus"])
        )
        out.append(
            _(
                "{rules}: {pin}, but the cadre belongs to {college} and the {kind} to {where}; "
                "a college's cadres hold only their own college's targets. To fix: {drop}, pin "
                "the {kind} to a cadre of its own college or to a central cadre instead, or "
                "turn {h3} off for {role} (origin: roles: {role}: false in the scenario)."
            ).format(
                rules=f"{H6.label} + {H3.label}",
                pin=words,
                college=college_name(p.dataset, c["college"]),
                kind=kind,
                where=where,
                drop=drop,
                h3=H3.id,
                role=c["role"],
            )
        )
    if not h5_dorm_gender(frame, p.scenario)[0]:
        out.append(
            _(
                "{rules}: {pin}, but the dorm room houses students of the other gender. To "
                "fix: {drop}, or pin a dorm room of the cadre's gender."
            ).format(rules=f"{H6.label} + {H5.label}", pin=words, drop=drop)
        )
    if not campus_hard(frame, p.scenario)[0]:
        out.append(
            _(
                "{rules}: {pin}, but the cadre is on {cadre_campus} and the {kind} on "
                "{target_campus}. To fix: {drop}, or make the campus rule soft (campus: soft "
                "in the scenario)."
            ).format(
                rules=f"{H6.label} + {S3.made_hard}",
                pin=words,
                cadre_campus=c["campus"],
                kind=kind,
                target_campus=t["campus"],
                drop=drop,
            )
        )
    return out


def _pins_against_each_other(problem: Problem) -> list[str]:
    """H6 against H1/H2/H4: too many require pins on one cadre, one target or one college."""
    p = problem
    out: list[str] = []
    req = p.requires
    pins_file = file_name(p.dataset, "pins")
    if req.empty:
        return out
    for target, frame in req.groupby("target"):
        t = p.targets.loc[int(target)]
        cap = p.scenario.kinds[Kind(t["kind"])].cap
        if len(frame) > cap:
            names = pgettext("list", ", ").join(
                cadre_words(p.cadres.loc[int(c)]) for c in frame["cadre"]
            )
            out.append(
                _(
                    "{rules}: {file} {rows} require {n} cadres ({names}) on {target}, which may "
                    "hold only {cap}. To fix: keep one of these pins and drop the other(s)."
                ).format(
                    rules=f"{H2.label} + {H6.label}",
                    file=pins_file,
                    rows=row_list(list(frame["row"])),
                    n=len(frame),
                    names=names,
                    target=target_words(p.dataset, t),
                    cap=cap,
                )
            )
    for cadre, frame in req.groupby("cadre"):
        c = p.cadres.loc[int(cadre)]
        duty = p.scenario.duty(c["role"])
        rows = f"{pins_file} {row_list(list(frame['row']))}"
        if len(frame) > duty.total_range().max:
            held = pgettext("list", ", ").join(
                target_words(p.dataset, p.targets.loc[int(t)]) for t in frame["target"]
            )
            out.append(
                _(
                    "{rules}: {rows} require {cadre} to hold {n} targets ({held}), but a {role} "
                    "holds at most {most}. To fix: keep one of these pins and drop the other(s)."
                ).format(
                    rules=f"{H1.label} + {H6.label}",
                    rows=rows,
                    cadre=cadre_words(c),
                    n=len(frame),
                    held=held,
                    role=role_code(c["role"]),
                    most=duty.total_range().max,
                )
            )
            continue
        kinds = Counter(p.targets.loc[frame["target"], "kind"])
        for kind, n in kinds.items():
            if n > duty.kind_range(Kind(kind)).max:
                out.append(
                    _(
                        "{rules}: {rows} require {cadre} to hold {kinds}, but a {role} holds at "
                        "most {most}. To fix: keep one of these pins."
                    ).format(
                        rules=f"{H1.label} + {H6.label}",
                        rows=rows,
                        cadre=cadre_words(c),
                        kinds=count_words(n, kind) if chinese() else f"{n} {kind}s",
                        role=role_code(c["role"]),
                        most=duty.kind_range(Kind(kind)).max,
                    )
                )
    limit = p.scenario.school_leader_spread
    if limit is not None:
        leaders = req[(p.cadres.loc[req["cadre"], "role"] == Role.SCHOOL_LEADER.value).to_numpy()]
        colleges = p.targets.loc[leaders["target"], "college"].to_numpy()
        for college in sorted({c for c in colleges if isinstance(c, str)}):
            rows_here = leaders[colleges == college]
            if len(rows_here) > limit:
                names = pgettext("list", ", ").join(
                    cadre_words(p.cadres.loc[int(c)]) for c in rows_here["cadre"]
                )
                out.append(
                    _(
                        "{rules}: {file} {rows} place {n} school leaders ({label}: {names}) in "
                        "{college}, but at most {limit} may be there. To fix: keep one of these "
                        "pins, or raise school_leader_spread in the scenario."
                    ).format(
                        rules=f"{H4.label} + {H6.label}",
                        file=pins_file,
                        rows=row_list(list(rows_here["row"])),
                        n=len(rows_here),
                        label=ROLE_LABELS_ZH[Role.SCHOOL_LEADER],
                        names=names,
                        college=college_name(p.dataset, college),
                        limit=limit,
                    )
                )
    return out
