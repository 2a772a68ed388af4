"""Compare systems (generated sets, baselines) with the real set, role by role.

For each role the real set has, a system gets:

- the Yang & Lerch OA (and KLD) of each OA feature of :data:`~.features.FEATURES` against the
  real segments of that role (a role the system never plays scores 0 and is marked missing);
- the mean of each value metric (scale consistency, pitch-class entropy, groove consistency)
  over its segments, the empty-bar ratio and, for drums, the four-on-the-floor ratio: these are
  read against the real set's own values, reported in the same table.

``mean OA`` averages each role's mean OA over the roles of the real set, so a drums-only corpus
and a three-role corpus weigh by role, not by feature count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jambridge.evaluation.features import (
    ALL_GROUPS,
    FEATURE_BY_NAME,
    MIX,
    OA_FEATURES,
    VALUE_FEATURES,
    RoleFeatures,
    SetFeatures,
)
from jambridge.evaluation.overlap import distance_overlap
from jambridge.music import ROLES

# real: the reference set itself; reference: other real music (the OA ceiling in practice)
KINDS = ("real", "generated", "baseline", "reference")


@dataclass
class RoleResult:
    """One system's numbers for one role (or ``mix``)."""

    oa: dict[str, float] = field(default_factory=dict)  # feature -> OA vs real, 0..1
    kld: dict[str, float] = field(default_factory=dict)  # feature -> KLD intra || inter
    values: dict[str, float] = field(default_factory=dict)  # value metric -> mean
    bars: int = 0
    segments: int = 0
    missing: bool = False  # the real set has the role, this system never plays it

    @property
    def mean_oa(self) -> float:
        vals = [v for v in self.oa.values() if not np.isnan(v)]
        return float(np.mean(vals)) if vals else float("nan")


@dataclass
class SystemResult:
    """One row of the report."""

    name: str
    kind: str  # one of KINDS
    songs: int
    bars: int
    roles: dict[str, RoleResult] = field(default_factory=dict)

    @property
    def mean_oa(self) -> float:
        means = [r.mean_oa for g, r in self.roles.items() if g != MIX and r.oa]
        means = [m for m in means if not np.isnan(m)]
        return float(np.mean(means)) if means else float("nan")


def _values(rf: RoleFeatures, group: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in VALUE_FEATURES:
        if group in FEATURE_BY_NAME[name].groups:
            arr = rf.array(name)
            arr = arr[~np.isnan(arr)] if arr.size else arr
            out[name] = float(arr.mean()) if arr.size else float("nan")
    if group != MIX:
        out["empty_bar_ratio"] = rf.empty_bars / rf.bars if rf.bars else float("nan")
    if group == "drums":
        out["four_on_floor"] = rf.four_on_floor_bars / rf.bars if rf.bars else float("nan")
    return out


def compared_groups(real: SetFeatures) -> list[str]:
    """Roles (and ``mix``) the real set has, in ROLES order."""
    return [g for g in (*ROLES, MIX) if g in real.roles and real.roles[g].segments >= 2]


def evaluate_system(
    real: SetFeatures, system: SetFeatures, kind: str, max_samples: int = 400, seed: int = 0
) -> SystemResult:
    """The numbers of one system against ``real`` (``kind`` "real" for the reference row)."""
    out = SystemResult(system.name, kind, system.songs, system.bars)
    judged = bool(real.roles)  # no real set: value metrics of the system's own roles only
    for group in compared_groups(real) if judged else [g for g in ALL_GROUPS if g in system.roles]:
        rf = system.roles.get(group)
        res = RoleResult()
        oa_names = [n for n in OA_FEATURES if group in FEATURE_BY_NAME[n].groups]
        if rf is None or rf.segments == 0:
            res.missing = True
            res.oa = dict.fromkeys(oa_names, 0.0)
        else:
            res.bars, res.segments = rf.bars, rf.segments
            res.values = _values(rf, group)
            if kind != "real" and judged:
                for name in oa_names:
                    real_values = real.roles[group].array(name)
                    o = distance_overlap(real_values, rf.array(name), max_samples, seed)
                    res.oa[name], res.kld[name] = o.oa, o.kld
        out.roles[group] = res
    return out


def real_sources(real: SetFeatures) -> dict[str, str]:
    """Role -> "groove (1,024 bars), pop909 (12 bars)": which real music each role is judged by."""
    out = {}
    for group in compared_groups(real):
        src = real.roles[group].sources.most_common()
        out[group] = ", ".join(f"{name} ({bars:,} bars)" for name, bars in src)
    return out
