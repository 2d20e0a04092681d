"""One test class per rule family of ``shared/spec/policy.md``, on 2–4 cadres.

Each family has a case where the rule binds (the plan differs from what the plan would be
without it) and one where it does not, with the exact assignments or term values worked out by
hand in the test's comment. Every plan is re-checked by the independent checker
(:func:`conftest.solve_and_check`). Colleges are ``C1``, ``C2``; campuses ``A`` (default) and
``B``; every data set is built in code with :func:`conftest.make_dataset`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from conftest import (
    Triple,
    branch,
    cadre,
    check_plan,
    dorm,
    klass,
    make_dataset,
    pairs,
    scn,
    society,
    solve_and_check,
    term,
)

from planner.check.checker import check_assignments
from planner.dataset import Dataset
from planner.errors import InfeasibleError
from planner.planning import make_plan
from planner.scenario import Scenario

FULL = {"per_kind": {"class": 1, "dorm": 1, "society": 1, "branch": 1}}
"""The full reading of clause 三: one target of each kind."""


def infeasible(dataset: Dataset, scenario: Scenario, **kwargs: Any) -> str:
    """The diagnosis of a data set the planner must refuse (exit 3)."""
    with pytest.raises(InfeasibleError) as info:
        make_plan(dataset, scenario, deterministic=True, **kwargs)
    return "\n".join(info.value.reasons)


class TestH1OneTargetPerCadre:
    """H1: every available cadre holds its duty's count of targets; on leave, none."""

    def test_binds_each_cadre_holds_exactly_one(self) -> None:
        # Three classes, two cadres: coverage would like three, H1 allows two.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "young_teacher", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C1")],
        )
        plan = solve_and_check(ds, scn())
        assert len(plan.assignments) == 2
        assert set(plan.assignments["cadre_id"]) == {"P1", "P2"}
        assert term(plan, "coverage") == 2
        assert len(plan.uncovered) == 1

    def test_does_not_bind_with_a_range(self) -> None:
        # A duty of one or two targets: the professor takes the third class too.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "young_teacher", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C1")],
        )
        plan = solve_and_check(
            ds, scn(duties={"default": {"total": 1}, "professor": {"total": [1, 2]}})
        )
        counts = plan.assignments.groupby("cadre_id").size().to_dict()
        assert counts == {"P1": 2, "P2": 1}
        assert term(plan, "coverage") == 3

    def test_unavailable_cadre_holds_nothing(self) -> None:
        ds = make_dataset(
            cadres=[
                cadre("P1", "professor", "C1"),
                cadre("P2", "young_teacher", "C1", available=False),
            ],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            previous=[("P2", "class", "K2")],
        )
        plan = solve_and_check(ds, scn())
        assert set(plan.assignments["cadre_id"]) == {"P1"}
        ended = plan.changes[plan.changes["status"] == "ended"]
        assert ended["cadre_id"].tolist() == ["P2"]
        assert "leave" in ended["reason"].iloc[0]

    def test_a_cadre_who_may_hold_nothing_is_infeasible_unless_the_duty_allows_none(self) -> None:
        # C2 has no target at all: its professor must hold one (H1 + H3) -> exit 3;
        # with a duty of 0..1 the plan leaves the professor without a target.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C2")],
            classes=[klass("K1", "C1")],
        )
        reasons = infeasible(ds, scn())
        assert "P2" in reasons and "H1" in reasons
        plan = solve_and_check(ds, scn(duties={"default": {"total": [0, 1]}}))
        assert pairs(plan) == {("P1", "class", "K1")}

    def test_range_minimum_binds(self) -> None:
        # Dorms are not covered by default: only a minimum of two makes the professor take a
        # dorm besides the class.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1"), dorm("D2", "C1")],
        )
        plan = solve_and_check(ds, scn(duties={"default": {"total": [2, 3]}}))
        kinds = sorted(plan.assignments["kind"])
        assert kinds[0] == "class" and kinds[1:] in (["dorm"], ["dorm", "dorm"])
        plan = solve_and_check(ds, scn(duties={"default": {"total": [1, 1]}}))
        assert pairs(plan) == {("P1", "class", "K1")}

    def test_per_kind_full_engagement_binds(self) -> None:
        # A school leader holds one class, one dorm, one society and one branch, although
        # coverage would prefer the second class to the dorm.
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            dorms=[dorm("D1", "C1")],
            societies=[society("S1", "C1")],
            branches=[branch("B1", "C1")],
        )
        plan = solve_and_check(
            ds, scn(duties={"default": {"total": 1}, "school_leader": FULL}, school_leader_spread=4)
        )
        assert sorted(plan.assignments["kind"]) == ["branch", "class", "dorm", "society"]
        assert term(plan, "coverage") == 3  # one class, the society, the branch

    def test_per_kind_does_not_bind_for_other_roles(self) -> None:
        # Only the school leader has the four duties; the professor still holds one target.
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader"), cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            dorms=[dorm("D1", "C1")],
            societies=[society("S1", "C1")],
            branches=[branch("B1", "C1")],
        )
        plan = solve_and_check(
            ds, scn(duties={"default": {"total": 1}, "school_leader": FULL}, school_leader_spread=4)
        )
        counts = plan.assignments.groupby("cadre_id").size().to_dict()
        assert counts == {"L1": 4, "P1": 1}
        assert term(plan, "coverage") == 4  # both classes, the society and the branch

    def test_per_kind_zero_forbids_a_kind(self) -> None:
        # Young teachers hold no dorm: with only a dorm left, the plan is infeasible.
        ds = make_dataset(
            cadres=[cadre("P1", "young_teacher", "C1")],
            dorms=[dorm("D1", "C1")],
        )
        solve_and_check(ds, scn())
        reasons = infeasible(
            ds,
            scn(
                duties={
                    "default": {"total": 1},
                    "young_teacher": {"total": 1, "per_kind": {"dorm": 0}},
                }
            ),
        )
        assert "P1" in reasons


class TestH2OneCadrePerTarget:
    """H2: a target holds at most its kind's cap (1 by default); coverage minimums."""

    def test_binds_cap_one(self) -> None:
        # Both cadres held K1 last semester; only one may keep it.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "class", "K1"), ("P2", "class", "K1")],
        )
        plan = solve_and_check(ds, scn())
        holders = plan.assignments[plan.assignments["target_id"] == "K1"]
        assert len(holders) == 1
        assert term(plan, "continuity") == 1

    def test_cap_two_lets_both_keep_it(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "class", "K1"), ("P2", "class", "K1")],
        )
        plan = solve_and_check(ds, scn(kinds={"class": {"cap": 2}}))
        assert pairs(plan) == {("P1", "class", "K1"), ("P2", "class", "K1")}
        assert term(plan, "continuity") == 2
        assert term(plan, "coverage") == 1

    def test_coverage_minimum_two(self) -> None:
        # min 2, cap 2: a class counts as covered only with two cadres. Two cadres, two
        # classes: covering one class fully (1) beats one cadre on each (0).
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            previous=[("P2", "class", "K2")],
        )
        plan = solve_and_check(ds, scn(kinds={"class": {"min": 2, "cap": 2}}))
        assert pairs(plan) == {("P1", "class", "K2"), ("P2", "class", "K2")}
        assert term(plan, "coverage") == 1
        assert plan.uncovered["target_id"].tolist() == ["K1"]

    def test_coverage_minimum_two_not_reachable(self) -> None:
        # One cadre cannot cover a class of minimum 2: coverage 0, the class is uncovered
        # although it holds a cadre.
        ds = make_dataset(cadres=[cadre("P1", "professor", "C1")], classes=[klass("K1", "C1")])
        plan = solve_and_check(ds, scn(kinds={"class": {"min": 2, "cap": 2}}))
        assert pairs(plan) == {("P1", "class", "K1")}
        assert term(plan, "coverage") == 0
        assert plan.uncovered["target_id"].tolist() == ["K1"]


class TestH3DepartmentOfOrigin:
    """H3: a college cadre holds only own-college targets (and open societies on campus)."""

    def test_binds(self) -> None:
        # C1's professor may not cover C2's class; it holds C1's dorm instead.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K2", "C2")],
            dorms=[dorm("D1", "C1")],
        )
        plan = solve_and_check(ds, scn())
        assert pairs(plan) == {("P1", "dorm", "D1")}
        assert term(plan, "coverage") == 0

    def test_off_for_the_role(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K2", "C2")],
            dorms=[dorm("D1", "C1")],
        )
        plan = solve_and_check(ds, scn(origin={"roles": {"professor": False}}))
        assert pairs(plan) == {("P1", "class", "K2")}
        # Off for another role only: still binds the professor.
        plan = solve_and_check(ds, scn(origin={"roles": {"young_teacher": False}}))
        assert pairs(plan) == {("P1", "dorm", "D1")}
        plan = solve_and_check(ds, scn(origin={"enforce": False}))
        assert pairs(plan) == {("P1", "class", "K2")}

    def test_university_society_on_own_campus_only(self) -> None:
        # S0 (university level, campus A) is open to the C1 professor on A, not to the C1
        # young teacher on campus B, who takes C1's dorm.
        ds = make_dataset(
            cadres=[
                cadre("P1", "professor", "C1"),
                cadre("P2", "young_teacher", "C1", campus="B"),
            ],
            societies=[society("S0", None, campus="A")],
            dorms=[dorm("D1", "C1"), dorm("D2", "C1")],
        )
        plan = solve_and_check(ds, scn())
        assert ("P1", "society", "S0") in pairs(plan)
        assert plan.assignments.set_index("cadre_id").at["P2", "kind"] == "dorm"
        assert term(plan, "coverage") == 1

    def test_central_roles_hold_any_college(self) -> None:
        ds = make_dataset(
            cadres=[cadre("O1", "office_leader"), cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C2")],
        )
        plan = solve_and_check(ds, scn())
        assert pairs(plan) == {("O1", "class", "K2"), ("P1", "class", "K1")}


class TestH4SchoolLeadersSpreadOut:
    """H4: at most N school-leader assignments per college (a university society: none)."""

    @staticmethod
    def data() -> Dataset:
        # Both leaders held a C1 class; C2 has a class too.
        return make_dataset(
            cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
            classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C2")],
            previous=[("L1", "class", "K1"), ("L2", "class", "K2")],
        )

    def test_binds_at_one(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert plan.assignments["target_college"].tolist().count("C1") == 1
        assert ("L1", "class", "K3") in pairs(plan) or ("L2", "class", "K3") in pairs(plan)
        assert term(plan, "continuity") == 1

    @pytest.mark.parametrize("limit", [2, None])
    def test_does_not_bind_at_two_or_off(self, limit: int | None) -> None:
        plan = solve_and_check(self.data(), scn(school_leader_spread=limit))
        assert pairs(plan) == {("L1", "class", "K1"), ("L2", "class", "K2")}
        assert term(plan, "continuity") == 2

    def test_university_society_counts_for_no_college(self) -> None:
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            societies=[society("S0", None)],
            previous=[("L1", "class", "K1"), ("L2", "class", "K2")],
        )
        plan = solve_and_check(ds, scn())
        assert term(plan, "continuity") == 1
        assert "S0" in set(plan.assignments["target_id"])

    def test_limit_zero_keeps_leaders_out_of_colleges(self) -> None:
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader")],
            classes=[klass("K1", "C1")],
            societies=[society("S0", None)],
        )
        plan = solve_and_check(ds, scn(school_leader_spread=0))
        assert pairs(plan) == {("L1", "society", "S0")}

    def test_counts_assignments_of_a_leader_with_several_duties(self) -> None:
        # Regression (model.h4_school_leader_spread skipped a college that only one leader
        # could reach, but one leader with two duties makes two assignments there): with a
        # class-and-branch duty and limit 1, the leader must split over C1 and C2.
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader")],
            classes=[klass("K1", "C1"), klass("K2", "C2")],
            branches=[branch("B1", "C1")],
            previous=[("L1", "class", "K1"), ("L1", "branch", "B1")],
        )
        duty = {"total": 2, "per_kind": {"class": 1, "branch": 1, "dorm": 0, "society": 0}}
        plan = solve_and_check(ds, scn(duties={"default": {"total": 1}, "school_leader": duty}))
        assert pairs(plan) == {("L1", "class", "K2"), ("L1", "branch", "B1")}
        plan = solve_and_check(
            ds,
            scn(duties={"default": {"total": 1}, "school_leader": duty}, school_leader_spread=2),
        )
        assert pairs(plan) == {("L1", "class", "K1"), ("L1", "branch", "B1")}


class TestH5DormGender:
    """H5: a cadre holds only dorms of their own gender (hard), or pays for it (soft)."""

    @staticmethod
    def data() -> Dataset:
        # A woman of C1; D1 houses freshmen men (rank 0), D2 women of 2024 (rank 2).
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1", gender="F")],
            dorms=[
                dorm("D1", "C1", gender="M", grade=2026),
                dorm("D2", "C1", gender="F", grade=2024),
            ],
        )

    def test_hard_binds(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {("P1", "dorm", "D2")}
        assert term(plan, "dorm_priority") == 2

    def test_soft_before_dorm_priority_binds(self) -> None:
        plan = solve_and_check(self.data(), scn(dorm_gender="soft"))
        assert pairs(plan) == {("P1", "dorm", "D2")}
        assert term(plan, "dorm_gender") == 0

    def test_soft_after_dorm_priority_and_off_do_not_bind(self) -> None:
        order = ["coverage", "continuity", "campus", "dorm_priority", "dorm_gender"]
        plan = solve_and_check(self.data(), scn(dorm_gender="soft", order=order))
        assert pairs(plan) == {("P1", "dorm", "D1")}
        assert term(plan, "dorm_gender") == 1
        plan = solve_and_check(self.data(), scn(dorm_gender="off"))
        assert pairs(plan) == {("P1", "dorm", "D1")}

    def test_own_gender_freshmen_dorm_is_unaffected(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1", gender="M")],
            dorms=[
                dorm("D1", "C1", gender="M", grade=2026),
                dorm("D2", "C1", gender="F", grade=2024),
            ],
        )
        for rule in ("hard", "soft", "off"):
            plan = solve_and_check(ds, scn(dorm_gender=rule))
            assert pairs(plan) == {("P1", "dorm", "D1")}


class TestH6Pins:
    """H6: require pins hold, forbid pins do not; contradictions are diagnosed."""

    @staticmethod
    def data(pins: Iterable[tuple[str, str, str, str]] = ()) -> Dataset:
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "class", "K1"), ("P2", "class", "K2")],
            pins=pins,
        )

    def test_no_pins(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {("P1", "class", "K1"), ("P2", "class", "K2")}

    def test_require_binds(self) -> None:
        # P1 must hold the dorm: K1 is left to... nobody (P2 keeps K2).
        plan = solve_and_check(self.data([("P1", "dorm", "D1", "require")]), scn())
        assert pairs(plan) == {("P1", "dorm", "D1"), ("P2", "class", "K2")}
        assert term(plan, "coverage") == 1

    def test_forbid_binds(self) -> None:
        # P1 may not keep K1: the two swap (coverage 2, continuity 0).
        plan = solve_and_check(self.data([("P1", "class", "K1", "forbid")]), scn())
        assert pairs(plan) == {("P1", "class", "K2"), ("P2", "class", "K1")}
        assert term(plan, "continuity") == 0

    def test_pins_that_agree_with_the_plan_do_not_bind(self) -> None:
        pins = [("P1", "class", "K1", "require"), ("P2", "dorm", "D1", "forbid")]
        plan = solve_and_check(self.data(pins), scn())
        assert pairs(plan) == {("P1", "class", "K1"), ("P2", "class", "K2")}

    def test_require_and_forbid_of_one_pair_is_infeasible(self) -> None:
        pins = [("P1", "dorm", "D1", "require"), ("P1", "dorm", "D1", "forbid")]
        reasons = infeasible(self.data(pins), scn())
        assert "row 2" in reasons and "row 3" in reasons and "H6" in reasons

    def test_require_against_h3_is_infeasible(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C2")],
            pins=[("P1", "class", "K2", "require")],
        )
        reasons = infeasible(ds, scn())
        assert "H3" in reasons and "row 2" in reasons

    def test_require_pin_on_a_cadre_on_leave_is_infeasible(self) -> None:
        # H1 gives a cadre on leave nothing, H6 wants the pin: the diagnosis names the row.
        ds = make_dataset(
            cadres=[
                cadre("P1", "professor", "C1"),
                cadre("P2", "professor", "C1", available=False),
            ],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            pins=[("P2", "class", "K2", "require")],
        )
        reasons = infeasible(ds, scn())
        assert "row 2" in reasons and "leave" in reasons

    def test_two_cadres_required_on_one_target_is_infeasible(self) -> None:
        pins = [("P1", "class", "K1", "require"), ("P2", "class", "K1", "require")]
        reasons = infeasible(self.data(pins), scn())
        assert "H2" in reasons


class TestHardCoverage:
    """Coverage as a hard rule: every target of the kind holds its minimum."""

    @staticmethod
    def data() -> Dataset:
        # Two cadres, two classes and a branch; P1 held the branch last semester.
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            branches=[branch("B1", "C1")],
            previous=[("P1", "branch", "B1")],
        )

    def test_soft_keeps_the_branch(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert ("P1", "branch", "B1") in pairs(plan)
        assert term(plan, "coverage") == 2 and term(plan, "continuity") == 1

    def test_hard_binds(self) -> None:
        plan = solve_and_check(self.data(), scn(kinds={"class": {"coverage": "hard"}}))
        assert {t for _, _, t in pairs(plan)} == {"K1", "K2"}
        assert term(plan, "continuity") == 0

    def test_hard_on_a_kind_already_covered_does_not_bind(self) -> None:
        plan = solve_and_check(self.data(), scn(kinds={"branch": {"coverage": "hard"}}))
        assert ("P1", "branch", "B1") in pairs(plan)
        assert term(plan, "continuity") == 1

    def test_hard_beyond_capacity_is_infeasible(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
        )
        reasons = infeasible(ds, scn(kinds={"class": {"coverage": "hard"}}))
        assert "class" in reasons

    def test_hard_with_minimum_two(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            branches=[branch("B1", "C1")],
        )
        plan = solve_and_check(ds, scn(kinds={"class": {"coverage": "hard", "min": 2, "cap": 2}}))
        assert pairs(plan) == {("P1", "class", "K1"), ("P2", "class", "K1")}


class TestHardContinuity:
    """Continuity as a hard rule: every previous contact that may continue does."""

    @staticmethod
    def data(previous: Iterable[Triple]) -> Dataset:
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C2")],
            dorms=[dorm("D1", "C1")],
            previous=previous,
        )

    def test_binds(self) -> None:
        # Last semester P1 held a dorm; coverage would move P1 to the class.
        ds = self.data([("P1", "dorm", "D1")])
        assert pairs(solve_and_check(ds, scn())) == {("P1", "class", "K1")}
        plan = solve_and_check(ds, scn(continuity="hard"))
        assert pairs(plan) == {("P1", "dorm", "D1")}
        assert term(plan, "coverage") == 0

    def test_does_not_bind_when_the_contact_is_the_best_anyway(self) -> None:
        ds = self.data([("P1", "class", "K1")])
        assert pairs(solve_and_check(ds, scn(continuity="hard"))) == {("P1", "class", "K1")}

    def test_a_contact_the_rules_now_forbid_is_not_required(self) -> None:
        # P1 held C2's class (H3 forbids it now): hard continuity does not require it.
        ds = self.data([("P1", "class", "K2")])
        plan = solve_and_check(ds, scn(continuity="hard"))
        assert pairs(plan) == {("P1", "class", "K1")}

    def test_two_contacts_of_one_cadre_are_infeasible(self) -> None:
        ds = self.data([("P1", "class", "K1"), ("P1", "dorm", "D1")])
        infeasible(ds, scn(continuity="hard"))


class TestCampusRule:
    """Campus: hard (never another campus), soft (S3, a term), off."""

    @staticmethod
    def data() -> Dataset:
        # P1 on A; C1's class K1 on B (held last semester), K2 and dorm D1 on A.
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1", campus="B"), klass("K2", "C1")],
            previous=[("P1", "class", "K1")],
        )

    def test_soft_after_continuity_does_not_bind(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {("P1", "class", "K1")}
        assert term(plan, "campus") == 1

    def test_soft_before_continuity_binds(self) -> None:
        order = ["coverage", "campus", "continuity"]
        plan = solve_and_check(self.data(), scn(order=order))
        assert pairs(plan) == {("P1", "class", "K2")}
        assert term(plan, "campus") == 0 and term(plan, "continuity") == 0

    def test_off_before_continuity_does_not_bind(self) -> None:
        order = ["coverage", "campus", "continuity"]
        plan = solve_and_check(self.data(), scn(campus="off", order=order))
        assert pairs(plan) == {("P1", "class", "K1")}

    def test_hard_binds(self) -> None:
        plan = solve_and_check(self.data(), scn(campus="hard"))
        assert pairs(plan) == {("P1", "class", "K2")}

    def test_hard_with_nothing_on_campus_is_infeasible(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")], classes=[klass("K1", "C1", campus="B")]
        )
        reasons = infeasible(ds, scn(campus="hard"))
        assert "P1" in reasons


class TestS1Coverage:
    """S1: as many targets as possible hold a cadre, weighted per kind."""

    def test_binds_over_continuity(self) -> None:
        # Both cadres held dorms; coverage moves them to the class and the branch.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            branches=[branch("B1", "C1")],
            dorms=[dorm("D1", "C1"), dorm("D2", "C1")],
            previous=[("P1", "dorm", "D1"), ("P2", "dorm", "D2")],
        )
        plan = solve_and_check(ds, scn())
        assert {t for _, _, t in pairs(plan)} == {"K1", "B1"}
        assert term(plan, "coverage") == 2 and term(plan, "continuity") == 0

    @pytest.mark.parametrize(
        ("weights", "held"), [((3, 1), "class"), ((1, 3), "branch"), ((0, 0), "dorm")]
    )
    def test_weights_choose_the_kind(self, weights: tuple[int, int], held: str) -> None:
        # One cadre, previous = the dorm: the heavier kind wins; with both weights 0,
        # continuity keeps the dorm.
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1")],
            branches=[branch("B1", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "dorm", "D1")],
        )
        kinds = {"class": {"weight": weights[0]}, "branch": {"weight": weights[1]}}
        plan = solve_and_check(ds, scn(kinds=kinds))
        assert plan.assignments["kind"].tolist() == [held]
        assert term(plan, "coverage") == max(weights)

    def test_does_not_bind_when_everything_is_covered(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "class", "K1"), ("P2", "dorm", "D1")],
        )
        plan = solve_and_check(ds, scn())
        assert pairs(plan) == {("P1", "class", "K1"), ("P2", "dorm", "D1")}

    def test_coverage_off_for_a_kind(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1")],
            branches=[branch("B1", "C1")],
            previous=[("P1", "branch", "B1")],
        )
        plan = solve_and_check(ds, scn(kinds={"branch": {"coverage": "off"}}))
        assert pairs(plan) == {("P1", "class", "K1")}
        assert plan.uncovered["target_id"].tolist() == []  # branches are not counted


class TestS2Continuity:
    """S2: keep last semester's contacts when coverage ties."""

    @staticmethod
    def data() -> Dataset:
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            previous=[("P1", "class", "K2"), ("P2", "class", "K1"), ("GONE", "class", "K1")],
        )

    def test_binds(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {("P1", "class", "K2"), ("P2", "class", "K1")}
        assert term(plan, "continuity") == 2
        assert sorted(plan.changes["status"]) == ["ended", "kept", "kept"]

    def test_does_not_bind_without_previous(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
        )
        plan = solve_and_check(ds, scn())
        assert term(plan, "continuity") == 0 and term(plan, "coverage") == 2
        assert set(plan.changes["status"]) == {"new"}


class TestS4DormPriority:
    """S4: cadres holding dorms get the first-priority rooms."""

    @staticmethod
    def data(pins: Iterable[tuple[str, str, str, str]] = ()) -> Dataset:
        # P1 (C1, man, young teacher) may hold only a dorm. Ranks by grade: D2 (2026) 0,
        # D1 (2024) 2, D3 (no grade) 2026 - 2024 + 1 = 3; by residents: D1 0, D3 2, D2 4.
        return make_dataset(
            cadres=[cadre("P1", "young_teacher", "C1")],
            dorms=[
                dorm("D1", "C1", grade=2024, residents=6, building="H1"),
                dorm("D2", "C1", grade=2026, residents=2, building="H2"),
                dorm("D3", "C1", grade=None, residents=4, building="H3"),
            ],
            pins=pins,
        )

    @pytest.mark.parametrize(
        ("priority", "held", "rank"),
        [
            ({"by": "grade"}, "D2", 0),
            ({"by": "residents"}, "D1", 0),
            ({"by": "list", "list": ["H3", "D1"]}, "D3", 0),
            ({"by": "list", "list": ["X9", "D1"]}, "D1", 1),
        ],
    )
    def test_binds(self, priority: dict[str, object], held: str, rank: int) -> None:
        plan = solve_and_check(self.data(), scn(dorm_priority=priority))
        assert pairs(plan) == {("P1", "dorm", held)}
        assert term(plan, "dorm_priority") == rank

    def test_unknown_grade_ranks_last(self) -> None:
        # D2 (2026) forbidden: D1 (2024, rank 2) beats D3 (no grade, rank 3).
        plan = solve_and_check(self.data([("P1", "dorm", "D2", "forbid")]), scn())
        assert pairs(plan) == {("P1", "dorm", "D1")}
        assert term(plan, "dorm_priority") == 2

    def test_does_not_bind_without_dorms_held(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "young_teacher", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1", grade=2024), dorm("D2", "C1", grade=2026)],
        )
        plan = solve_and_check(ds, scn())
        assert pairs(plan) == {("P1", "class", "K1")}
        assert term(plan, "dorm_priority") == 0


class TestS5CentralSpread:
    """S5: central cadres spread evenly over colleges."""

    def test_binds(self) -> None:
        # Two office leaders, two C1 classes and one C2 class: one goes to each college.
        ds = make_dataset(
            cadres=[cadre("O1", "office_leader"), cadre("O2", "sao_cadre")],
            classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C2")],
        )
        plan = solve_and_check(ds, scn())
        assert sorted(plan.assignments["target_college"]) == ["C1", "C2"]
        assert term(plan, "central_spread") == 1

    def test_ranks_below_continuity_by_default(self) -> None:
        ds = make_dataset(
            cadres=[cadre("O1", "office_leader"), cadre("O2", "sao_cadre")],
            classes=[klass("K1", "C1"), klass("K2", "C1")],
            societies=[society("S0", None)],
            previous=[("O1", "class", "K1"), ("O2", "class", "K2")],
        )
        plan = solve_and_check(ds, scn())
        assert term(plan, "central_spread") == 2  # continuity comes first
        order = ["coverage", "central_spread", "continuity"]
        plan = solve_and_check(ds, scn(order=order))
        assert term(plan, "central_spread") == 1 and term(plan, "continuity") == 1


class TestPriorities:
    """Strict (lexicographic, in ``order``) against weighted priorities."""

    @staticmethod
    def data() -> Dataset:
        # P1 held a dorm; the class is open. Coverage says class, continuity says dorm.
        return make_dataset(
            cadres=[cadre("P1", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1")],
            previous=[("P1", "dorm", "D1")],
        )

    def test_strict_default_order(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {("P1", "class", "K1")}
        assert [s["term"] for s in plan.stages][:2] == ["coverage", "continuity"]

    def test_strict_changed_order(self) -> None:
        plan = solve_and_check(self.data(), scn(order=["continuity", "coverage"]))
        assert pairs(plan) == {("P1", "dorm", "D1")}
        assert [s["term"] for s in plan.stages][:2] == ["continuity", "coverage"]

    @pytest.mark.parametrize(("coverage", "continuity", "held"), [(5, 1, "K1"), (1, 5, "D1")])
    def test_weighted(self, coverage: int, continuity: int, held: str) -> None:
        weights = {"coverage": coverage, "continuity": continuity}
        plan = solve_and_check(self.data(), scn(priorities="weighted", weights=weights))
        assert {t for _, _, t in pairs(plan)} == {held}
        assert [s["term"] for s in plan.stages] == ["weighted"]
        assert plan.objective == max(coverage, continuity)

    def test_weighted_trades_a_higher_term_for_a_lower_one(self) -> None:
        # Two cadres held dorms, one class is open. Strict: cover the class (coverage 1,
        # continuity 1). Weighted 1 : 2: keeping both dorms (0 + 2 * 2 = 4) beats covering
        # the class (1 + 2 * 1 = 3).
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
            classes=[klass("K1", "C1")],
            dorms=[dorm("D1", "C1"), dorm("D2", "C1")],
            previous=[("P1", "dorm", "D1"), ("P2", "dorm", "D2")],
        )
        strict = solve_and_check(ds, scn())
        assert term(strict, "coverage") == 1 and term(strict, "continuity") == 1
        weights = {"coverage": 1, "continuity": 2}
        plan = solve_and_check(ds, scn(priorities="weighted", weights=weights))
        assert pairs(plan) == {("P1", "dorm", "D1"), ("P2", "dorm", "D2")}
        assert plan.objective == 4


class TestScopes:
    """Scope: the whole university, the central roles only, or one college (held targets)."""

    @staticmethod
    def data() -> Dataset:
        return make_dataset(
            cadres=[
                cadre("O1", "office_leader"),
                cadre("P1", "professor", "C1"),
                cadre("P2", "professor", "C2"),
            ],
            classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C2")],
            previous=[("O1", "class", "K1"), ("P1", "class", "K2")],
        )

    def test_university(self) -> None:
        plan = solve_and_check(self.data(), scn())
        assert pairs(plan) == {
            ("O1", "class", "K1"),
            ("P1", "class", "K2"),
            ("P2", "class", "K3"),
        }

    def test_central(self) -> None:
        plan = solve_and_check(self.data(), scn(scope="central"))
        assert pairs(plan) == {("O1", "class", "K1")}
        assert plan.scope == "central"

    def test_college(self) -> None:
        plan = solve_and_check(self.data(), scn(scope="college=C1"))
        assert pairs(plan) == {("P1", "class", "K2")}
        assert set(plan.coverage["college"]) == {"C1"}

    def test_college_with_held_targets(self) -> None:
        # The approved central plan holds K2: P1 cannot keep it and takes K1.
        held = frozenset({("class", "K2")})
        plan = solve_and_check(self.data(), scn(scope="college=C1"), held=held)
        assert pairs(plan) == {("P1", "class", "K1")}
        assert plan.held == [("class", "K2")]
        # The checker agrees that K2 is outside this scope.
        moved = plan.assignments.copy()
        moved.loc[0, "target_id"] = "K2"
        report = check_plan(self.data(), scn(scope="college=C1"), plan, held)
        assert report.ok
        bad = check_assignments(self.data(), scn(scope="college=C1"), moved, held=held)
        assert any("held" in v for v in bad.violations)


class TestEmptyScopes:
    """Regression: a scope without cadres or without targets is a plan of nothing.

    ``problem._arcs`` returned a frame without the arc columns when no cadre was in scope
    (``KeyError: 'school_leader'`` in the model), and a scope without targets gave the groups
    text-typed ``weight`` columns (``TypeError`` in ``terms.linear_coefficients``).
    """

    def test_central_scope_without_central_cadres(self) -> None:
        ds = make_dataset(cadres=[cadre("P1", "professor", "C1")], classes=[klass("K1", "C1")])
        plan = solve_and_check(ds, scn(scope="central"))
        assert pairs(plan) == set()
        assert term(plan, "coverage") == 0

    def test_everybody_on_leave(self) -> None:
        ds = make_dataset(
            cadres=[cadre("L1", "school_leader", available=False)], classes=[klass("K1", "C1")]
        )
        plan = solve_and_check(ds, scn())
        assert pairs(plan) == set()
        assert plan.uncovered["target_id"].tolist() == ["K1"]

    def test_college_scope_without_targets(self) -> None:
        ds = make_dataset(
            cadres=[cadre("P1", "professor", "C2")],
            classes=[klass("K1", "C1")],
            colleges=[("C1", "A"), ("C2", "A")],
        )
        plan = solve_and_check(ds, scn(scope="college=C2", duties={"default": {"total": [0, 1]}}))
        assert pairs(plan) == set()


class TestCentralSpreadWithSeveralDuties:
    """Regression: S5's maximum was bounded by the number of central cadres, so a central
    cadre with two duties in one college made the best plan look infeasible
    (``model.s5_central_spread``)."""

    def test_one_central_cadre_two_targets_in_one_college(self) -> None:
        ds = make_dataset(
            cadres=[cadre("O1", "sao_cadre")],
            classes=[klass("K1", "C1")],
            branches=[branch("B1", "C1"), branch("B2", "C2")],
            previous=[("O1", "branch", "B1")],
        )
        duty = {"total": 2, "per_kind": {"class": 1, "branch": 1, "dorm": 0, "society": 0}}
        plan = solve_and_check(ds, scn(duties={"default": {"total": 1}, "sao_cadre": duty}))
        assert pairs(plan) == {("O1", "class", "K1"), ("O1", "branch", "B1")}
        assert term(plan, "continuity") == 1 and term(plan, "central_spread") == 2
