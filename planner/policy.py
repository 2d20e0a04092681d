"""The rule catalogue of ``shared/spec/policy.md``: H1–H6 (hard) and S1–S5 (soft), and
S6, the tie-break of the staged protocol.

Every message, the checker, the CP-SAT model and the reference model name a rule from here, so
a rule is spelt one way everywhere, exactly as the policy spells it: ``H3 Department of
origin``, never "H3 department of origin" in one place and "H3 origin" in another. Grep ``H3``
or ``origin`` and this is where it starts.

A scenario may make a soft rule hard (coverage, continuity, the campus rule) or a hard rule soft
(dorm gender); :attr:`Rule.made_hard` and :attr:`Rule.made_soft` name those forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.i18n import N_
from planner.i18n import gettext as _


@dataclass(frozen=True)
class Rule:
    """One rule of the policy."""

    id: str
    """``H1`` … ``H6``, ``S1`` … ``S5``."""
    name: str
    """As ``policy.md`` spells it: ``One target per cadre``."""
    tier: str
    """``hard`` (a plan that breaks it is never written) or ``soft`` (a term of the objective,
    in strict priority order)."""
    clause: str = ""
    """The clause of the seed policy (暨党发〔2019〕47号) it follows, where ``policy.md`` cites
    one: ``四(1)``."""

    @property
    def label(self) -> str:
        """``H1 One target per cadre``: how every message names the rule."""
        return f"{self.id} {_(self.name)}"

    @property
    def made_hard(self) -> str:
        """A soft rule that the scenario makes hard: ``S1 Coverage (hard in this scenario)``."""
        return _("{rule} (hard in this scenario)").format(rule=self.label)

    @property
    def made_soft(self) -> str:
        """A hard rule that the scenario makes soft: ``H5 Dorm gender (soft in this scenario)``."""
        return _("{rule} (soft in this scenario)").format(rule=self.label)


H1 = Rule("H1", N_("One target per cadre"), "hard", "四(1)")
"""Every available cadre holds exactly one target (or the duties the scenario gives the role);
cadres marked unavailable hold none."""
H2 = Rule("H2", N_("One cadre per target"), "hard")
"""Every target holds at most one cadre (the cap of its kind)."""
H3 = Rule("H3", N_("Department of origin"), "hard", "四(1)")
"""A college-role cadre holds only their own college's targets, or a university-level society
on their campus; a central-role cadre may hold any target."""
H4 = Rule("H4", N_("School leaders spread out"), "hard")
"""At most one school leader per college (the scenario's limit)."""
H5 = Rule("H5", N_("Dorm gender"), "hard")
"""A cadre holds only a dorm room of their own gender."""
H6 = Rule("H6", N_("Pins"), "hard")
"""Every ``require`` pin holds and no ``forbid`` pin does."""
S1 = Rule("S1", N_("Coverage"), "soft")
"""As many classes, party branches and societies as possible hold a cadre."""
S2 = Rule("S2", N_("Continuity"), "soft")
"""Keep as many of last semester's contacts as the hard rules allow."""
S3 = Rule("S3", N_("Same campus"), "soft")
"""As few cadres as possible hold a target on another campus (the campus rule)."""
S4 = Rule("S4", N_("Dorm priority"), "soft")
"""Cadres who hold dorms go to the newest entry year first."""
S5 = Rule("S5", N_("Central spread"), "soft")
"""Central-role cadres spread evenly over the colleges."""
S6 = Rule("S6", N_("Stay with the proposal"), "soft")
"""When a part of the university plan (the central roles, or one college) is re-planned against
the whole-university proposal: keep as many of the proposal's contacts of that part as the
rules above allow. The lowest priority, so a re-plan without pins reproduces the proposal and a
pin moves only what it must (see :mod:`planner.workflow.parts`). Not in ``policy.md``: the
staged protocol adds it; it counts nothing in any other plan."""

RULES: tuple[Rule, ...] = (H1, H2, H3, H4, H5, H6, S1, S2, S3, S4, S5, S6)
"""Every rule, in the order of ``policy.md`` (S6 belongs to the staged protocol)."""

RULE_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

TERM_RULES: dict[str, Rule] = {
    "coverage": S1,
    "continuity": S2,
    "campus": S3,
    "dorm_gender": H5,
    "dorm_priority": S4,
    "central_spread": S5,
    "stay": S6,
}
"""The rule behind each objective term of a scenario (``dorm_gender`` counts only when the
scenario makes H5 soft)."""


def term_name(term: str) -> str:
    """How the rule behind an objective term is named: ``S2 Continuity``, and for H5 made soft
    ``H5 Dorm gender (soft in this scenario)``."""
    rule = TERM_RULES[term]
    return rule.label if rule.tier == "soft" else rule.made_soft
