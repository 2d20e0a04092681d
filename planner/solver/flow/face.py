"""The plans optimal for the flow's terms, as bounds (reduced-cost fixing): CP-SAT then solves
the remaining terms on that face only."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.solver.flow.network import (
    ARC,
    EXTRA,
    INT_LIMIT,
    KEEP,
    MOVE,
    SINK,
    TARGET,
    Network,
    Result,
)
from planner.solver.problem import Problem
from planner.solver.terms import central_spread


@dataclass
class Face:
    """What every plan that is optimal for the flow's terms has in common.

    From the flow's node potentials (complementary slackness): an arc whose reduced cost is
    above the slack carries nothing in *every* optimal plan, one below minus the slack is
    full in every optimal plan, and the loose arcs left must add up to the slack (zero
    unless H4 made the optimum costlier than the relaxation). Any plan that keeps these
    bounds and the hard rules is optimal, so later priorities are solved on the face,
    without the earlier terms as dense equality rows.
    """

    y_lo: np.ndarray
    y_hi: np.ndarray
    keep_lo: np.ndarray
    keep_hi: np.ndarray
    cadre_keeps: dict[tuple[int, int], int]
    """(cadre, kind code or -1 for any) -> forced number of kept contacts (0 or 1)."""
    target_keeps: dict[int, tuple[int, int]]
    """target -> (min, max) number of cadres keeping it."""
    group_lo: np.ndarray
    group_hi: np.ndarray
    slack: int = 0
    tie_arc: np.ndarray | None = None
    tie_keep: np.ndarray | None = None
    """The tie-break's coefficients, subtracted in the slack row (``None``: no tie-break)."""
    slack_what: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_sign: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_cap: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Per group: cadres already placed there by require pins."""


def optimal_face(
    problem: Problem,
    net: Network,
    root: Result,
    delta: int,
    tie_range: int = 0,
    tie_arc: np.ndarray | None = None,
    tie_keep: np.ndarray | None = None,
) -> Face | None:
    """The plans whose cost without the tie-break is exactly ``delta`` more than the
    optimal flow ``root`` (whose cost includes it).

    Node potentials come from Bellman-Ford on the residual network of the optimal flow
    (it has no negative cycle), in exact int64 arithmetic; ``None`` if that could overflow.
    With reduced costs ``rc``, any flow ``x`` costs ``optimum + Σ_{rc>0} rc·x +
    Σ_{rc<0} |rc|·(cap − x)``, every term non-negative: so an arc with ``rc > delta`` is
    empty and one with ``rc < -delta`` is full in every plan of cost ``optimum + delta``,
    and the rest must add up to exactly ``delta``. With a tie-break ``T`` (between 0 and
    ``tie_range``) in the cost, the threshold grows by ``tie_range`` and the slack row reads
    ``Σ loose − T(x) == delta``.
    """
    mask = root.mask
    caps = net.caps[mask]
    rc = reduced_costs(net, root)
    if rc is None:
        return None
    limit = delta + tie_range
    empty, full = rc > limit, rc < -limit
    loose = ~empty & ~full & (rc != 0)
    what, index, kind = net.what[mask], net.index[mask], net.kind[mask]
    groups = problem.groups
    sink_like = np.isin(what, [SINK, EXTRA])
    big = np.zeros(len(what), dtype=bool)
    big[sink_like] = groups["cap"].to_numpy()[index[sink_like]] > 1
    if (loose & big).any():
        return None  # the slack row would need the model's "covered" variables
    ub = problem.arcs["ub"].to_numpy(np.int64)
    y_lo, y_hi = net.y0.copy(), np.where(net.y0 > 0, net.y0, ub)
    keep_lo, keep_hi = net.keep0.copy(), np.ones(len(net.keep0), dtype=np.int64)
    in_net = np.zeros(len(net.keep0), dtype=bool)
    in_net[index[what == KEEP]] = True
    keep_hi[~in_net & (net.keep0 == 0)] = 0  # keeps a pin made impossible
    sel = what == ARC
    y_hi[index[sel & empty]] = 0
    y_lo[index[sel & full]] = caps[sel & full]
    sel = what == KEEP
    keep_hi[index[sel & empty]] = 0
    keep_lo[index[sel & full]] = 1
    sel = what == MOVE
    cadre_keeps = {
        (int(c), int(k)): 1 for c, k in zip(index[sel & empty], kind[sel & empty], strict=True)
    }
    cadre_keeps |= {
        (int(c), int(k)): 0 for c, k in zip(index[sel & full], kind[sel & full], strict=True)
    }
    sel = what == TARGET
    target_keeps = {int(t): (0, int(c)) for t, c in zip(index[sel], caps[sel], strict=True)}
    target_keeps |= {int(t): (0, 0) for t in index[sel & empty]}
    target_keeps |= {
        int(t): (int(c), int(c)) for t, c in zip(index[sel & full], caps[sel & full], strict=True)
    }
    group_lo = net.pinned_units.copy()
    group_hi = net.pinned_units.copy()
    for code in (SINK, EXTRA):
        sel = what == code
        np.add.at(group_lo, index[sel & full], caps[sel & full])
        np.add.at(group_hi, index[sel & ~empty], caps[sel & ~empty])
    return Face(
        y_lo, y_hi, keep_lo, keep_hi, cadre_keeps, target_keeps, group_lo, group_hi,
        slack=delta, tie_arc=tie_arc, tie_keep=tie_keep,
        slack_what=what[loose], slack_index=index[loose], slack_kind=kind[loose],
        slack_coef=np.abs(rc[loose]), slack_sign=np.sign(rc[loose]), slack_cap=caps[loose],
        pinned=net.pinned_units,
    )  # fmt: skip


def reduced_costs(net: Network, root: Result) -> np.ndarray | None:
    """The reduced cost of every arc of the optimal flow ``root``, from node potentials found by
    Bellman-Ford on its residual network (exact int64; ``None`` if that could overflow)."""
    mask = root.mask
    tails, heads = net.tails[mask], net.heads[mask]
    costs, caps, flows = net.costs[mask], net.caps[mask], root.amounts
    n_nodes = len(net.supplies)
    if int(np.abs(costs).max(initial=0)) * n_nodes >= INT_LIMIT:
        return None
    fwd, bwd = flows < caps, flows > 0
    u = np.concatenate([tails[fwd], heads[bwd]])
    v = np.concatenate([heads[fwd], tails[bwd]])
    w = np.concatenate([costs[fwd], -costs[bwd]])
    dist = np.zeros(n_nodes, dtype=np.int64)
    for _ in range(n_nodes):
        new = dist.copy()
        np.minimum.at(new, v, dist[u] + w)
        if np.array_equal(new, dist):
            break
        dist = new
    else:
        return None  # would mean a negative cycle: the flow was not optimal
    rc: np.ndarray = costs + dist[tails] - dist[heads]
    return rc


def central_floor(problem: Problem, face: Face) -> int:
    """The most central cadres' contacts every plan on ``face`` has in one college: a lower
    bound of S5 (central spread) on the face, from its lower bounds on the counts."""
    return central_spread(problem, face.y_lo, face.keep_lo)
