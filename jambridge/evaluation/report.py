"""The evaluation report: ``report.md`` (tables), PNG figures (matplotlib, optional) and a JSON
summary.

Tables: a summary (rows = systems, the real set first as the reference for value metrics;
columns = mean OA, OA per role, the consistency metrics, four-on-the-floor and empty-bar ratios),
the validation NLL of the model and the n-gram, and one table per role with every feature.
Figures: ``oa.png`` (OA per feature, per role, per system), ``metrics.png`` (value metrics per
system beside the real set's) and ``pianorolls.png`` (the first bars of a few songs per set).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jambridge.evaluation.comparison import SystemResult
from jambridge.evaluation.features import FEATURE_BY_NAME, MIX, OA_FEATURES, SetFeatures
from jambridge.evaluation.nll import NllResult
from jambridge.music import ROLES

VALUE_LABELS = {
    "scale_consistency": "scale cons.",
    "pitch_class_entropy": "PC entropy",
    "groove_consistency": "groove cons.",
    "empty_bar_ratio": "empty bars",
    "four_on_floor": "4-on-floor",
}
# Summary columns beyond the OAs: (group, metric)
SUMMARY_VALUES = (
    (MIX, "scale_consistency"),
    (MIX, "pitch_class_entropy"),
    ("drums", "groove_consistency"),
    ("drums", "four_on_floor"),
)
ROLE_COLORS = {"drums": "#444444", "bass": "#1f77b4", "chords": "#2ca02c", "lead": "#d62728"}


@dataclass
class Report:
    """Everything the report shows."""

    real_name: str
    real_origin: str
    real_songs: int
    real_bars: int
    segment_bars: int
    sources: dict[str, str]  # role -> which real music it is compared with
    systems: list[SystemResult]  # the real reference first
    nll: dict[str, NllResult] = field(default_factory=dict)  # "model" / "n-gram" -> result
    vocab_size: int = 0
    notes: list[str] = field(default_factory=list)  # lines for the "Notes" section
    timings_s: dict[str, float] = field(default_factory=dict)


def _f(x: float | None, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _empty_ratio(s: SystemResult) -> float:
    vals = [r.values.get("empty_bar_ratio", math.nan) for g, r in s.roles.items() if g != MIX]
    vals = [v for v in vals if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan


def _summary(rep: Report) -> list[str]:
    groups = [g for g in ROLES if g in rep.sources]
    values = [(g, m) for g, m in SUMMARY_VALUES if g in rep.sources]
    header = [
        "system",
        "kind",
        "songs",
        "bars",
        "**mean OA**",
        *[f"OA {g}" for g in groups],
        *[f"{VALUE_LABELS[m]} ({g})" for g, m in values],
        "empty bars",
    ]
    rows = []
    for s in rep.systems:
        real = s.kind == "real"
        oas = [
            ("missing" if s.roles[g].missing else _f(s.roles[g].mean_oa)) if not real else "—"
            for g in groups
        ]
        vals = [_f(s.roles[g].values.get(m)) if g in s.roles else "—" for g, m in values]
        mean = "—" if real else f"**{_f(s.mean_oa)}**"
        rows.append(
            [s.name, s.kind, f"{s.songs:,}", f"{s.bars:,}", mean, *oas, *vals, _f(_empty_ratio(s))]
        )
    return _table(header, rows)


def _role_table(rep: Report, group: str) -> list[str]:
    oa_names = [n for n in OA_FEATURES if group in FEATURE_BY_NAME[n].groups]
    value_names = sorted(
        {m for s in rep.systems if group in s.roles for m in s.roles[group].values},
        key=list(VALUE_LABELS).index,
    )
    header = ["system", "bars", "segments", *[f"OA {FEATURE_BY_NAME[n].label}" for n in oa_names]]
    header += (["mean OA"] if oa_names else []) + [VALUE_LABELS[m] for m in value_names]
    rows = []
    for s in rep.systems:
        r = s.roles.get(group)
        if r is None:
            continue
        real = s.kind == "real"
        if r.missing:
            cells = ["missing"] * len(oa_names) + (["0.000"] if oa_names else [])
        elif real:
            cells = ["—"] * (len(oa_names) + (1 if oa_names else 0))
        else:
            cells = [_f(r.oa.get(n)) for n in oa_names] + ([_f(r.mean_oa)] if oa_names else [])
        cells += [_f(r.values.get(m)) for m in value_names]
        rows.append([s.name, f"{r.bars:,}", f"{r.segments:,}", *cells])
    return _table(header, rows)


def _nll_table(rep: Report) -> list[str]:
    rows = []
    sources = sorted({src for r in rep.nll.values() for src in r.per_source})
    for name, r in rep.nll.items():
        per = [_f(r.per_source.get(src)) for src in sources]
        rows.append(
            [
                name,
                f"**{_f(r.nll, 4)}**",
                *per,
                f"{r.tokens:,}",
                f"{r.chunks:,}",
                f"{r.seconds:.1f}",
            ]
        )
    if rep.vocab_size:
        rows.append(
            ["uniform guess", _f(math.log(rep.vocab_size), 4), *["" for _ in sources], "", "", ""]
        )
    return _table(["model", "NLL (nats/token)", *sources, "tokens", "chunks", "seconds"], rows)


def to_markdown(rep: Report, figures: Sequence[str] = ()) -> str:
    """The report as markdown."""
    reference = (
        f"Real reference: **{rep.real_name}** ({rep.real_origin}), {rep.real_songs:,} songs, "
        f"{rep.real_bars:,} bars"
        if rep.real_songs
        else "No real reference (no --real): value metrics only"
    )
    lines = [
        "# JamBridge evaluation",
        "",
        f"{reference}; features per segment of {rep.segment_bars} bars. "
        "OA = overlapping area of the intra-set (real) and inter-set (real vs system) distance "
        "distributions of each feature (Yang & Lerch 2018): 1 = indistinguishable from real.",
        "",
        "Each role is compared with the real music that has it (roles the real set lacks are "
        "not scored; a role the real set has and a system never plays scores OA 0):",
        "",
        *_table(["role", "real music"], [[g, src] for g, src in rep.sources.items()]),
        "",
        "## Summary",
        "",
        *_summary(rep),
        "",
    ]
    if rep.nll:
        lines += [
            "## Validation NLL",
            "",
            "Nats per token on the same chunks of the dataset's validation documents (each "
            "chunk's first token is context only); per-source columns are not weighted by the "
            "training mix, so the total differs from the trainer's weighted val_loss.",
            "",
            *_nll_table(rep),
            "",
        ]
    for group in rep.sources:
        lines += [f"## {group} (vs {rep.sources[group]})", "", *_role_table(rep, group), ""]
    if rep.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in rep.notes], ""]
    if rep.timings_s:
        t = ", ".join(f"{k} {v:.1f} s" for k, v in rep.timings_s.items())
        lines += [f"Timings: {t}.", ""]
    if figures:
        lines += ["## Figures", "", *[f"![{Path(f).stem}]({Path(f).name})" for f in figures], ""]
    return "\n".join(lines)


def _clean(x):
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 6)
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def to_json(rep: Report) -> dict:
    """The report as a JSON-ready dict (NaN as null)."""
    systems = []
    for s in rep.systems:
        d = {
            "name": s.name,
            "kind": s.kind,
            "songs": s.songs,
            "bars": s.bars,
            "mean_oa": s.mean_oa,
            "roles": {g: asdict(r) | {"mean_oa": r.mean_oa} for g, r in s.roles.items()},
        }
        systems.append(d)
    return _clean(
        {
            "real": {
                "name": rep.real_name,
                "origin": rep.real_origin,
                "songs": rep.real_songs,
                "bars": rep.real_bars,
                "compared_with": rep.sources,
            },
            "segment_bars": rep.segment_bars,
            "systems": systems,
            "nll": {k: asdict(v) for k, v in rep.nll.items()},
            "timings_s": rep.timings_s,
        }
    )


# -- figures ---------------------------------------------------------------------------------


def _oa_figure(plt, rep: Report, path: Path) -> None:
    groups = [g for g in ROLES if g in rep.sources]
    systems = [s for s in rep.systems if s.kind != "real"]
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 2.6 * len(groups)), squeeze=False)
    width = 0.8 / max(len(systems), 1)
    for ax, group in zip(axes[:, 0], groups):
        names = [n for n in OA_FEATURES if group in FEATURE_BY_NAME[n].groups]
        for i, s in enumerate(systems):
            r = s.roles.get(group)
            vals = [0.0 if r is None else r.oa.get(n, 0.0) for n in names]
            ax.bar([j + i * width for j in range(len(names))], vals, width, label=s.name)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))])
        ax.set_xticklabels([FEATURE_BY_NAME[n].label for n in names])
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"OA {group}")
    axes[0, 0].legend(fontsize=7, ncol=min(len(systems), 4), loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _metrics_figure(plt, rep: Report, path: Path) -> None:
    panels = [(g, m) for g, m in SUMMARY_VALUES if g in rep.sources]
    panels += [(g, "empty_bar_ratio") for g in ROLES if g in rep.sources]
    cols = 3
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), squeeze=False)
    for ax, (g, m) in zip(axes.ravel(), panels):
        names = [s.name for s in rep.systems]
        vals = [
            s.roles[g].values.get(m, math.nan) if g in s.roles else math.nan for s in rep.systems
        ]
        colors = ["#999999" if s.kind == "real" else "#1f77b4" for s in rep.systems]
        ax.bar(range(len(names)), [0 if math.isnan(v) else v for v in vals], color=colors)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
        ax.set_title(f"{VALUE_LABELS[m]} ({g})", fontsize=9)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def piano_roll(ax, song, bars: int) -> None:
    """One song's first ``bars`` bars: pitched roles as lines at their pitch, drums as dots in
    a band below pitch 0, one row per kit piece."""
    from jambridge.evaluation.metrics import DRUM_CLASSES, drum_class

    end = bars * 4
    for t in song.tracks:
        notes = [n for n in t.notes if n.start_beats < end]
        if t.role == "drums":
            y = [-4 - 4 * drum_class(n.pitch) for n in notes]
            ax.scatter([n.start_beats for n in notes], y, s=5, c=ROLE_COLORS["drums"])
        elif notes:
            starts = [n.start_beats for n in notes]
            ends = [min(n.end_beats, end) for n in notes]
            ax.hlines([n.pitch for n in notes], starts, ends, colors=ROLE_COLORS[t.role],
                      linewidth=2.0)  # fmt: skip
    kit = [-4 - 4 * i for i in range(len(DRUM_CLASSES))]
    ax.set_yticks([*kit, 36, 60, 84], [*(c for c, _ in DRUM_CLASSES), "C2", "C4", "C6"],
                  fontsize=5)  # fmt: skip
    ax.axhline(0, color="#bbbbbb", linewidth=0.5)
    pitched = any(t.notes for t in song.tracks if t.role != "drums")
    ax.set_ylim(-4 * len(DRUM_CLASSES) - 2, 108 if pitched else 0)
    ax.set_xlim(0, end)
    ax.set_xticks([b * 4 for b in range(bars + 1)], [str(b + 1) for b in range(bars + 1)],
                  fontsize=6)  # fmt: skip
    key = song.key.name if song.key else "no key"
    ax.set_title(f"{song.name or song.style} ({song.style}, {key})", fontsize=7)


def _piano_rolls_figure(plt, sets: Sequence[SetFeatures], path: Path, bars: int = 8) -> None:
    """One row per set, one column per sample song."""
    rows = [sf for sf in sets if sf.samples]
    cols = max(len(sf.samples) for sf in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(5 * cols, 2.4 * len(rows)), squeeze=False)
    for r, sf in enumerate(rows):
        axes[r, 0].set_ylabel(sf.name, fontsize=8)
        for c in range(cols):
            if c < len(sf.samples):
                piano_roll(axes[r, c], sf.samples[c], bars)
            else:
                axes[r, c].axis("off")
    fig.subplots_adjust(left=0.08, right=0.99, top=0.96, bottom=0.03, hspace=0.45, wspace=0.15)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def write_figures(rep: Report, sets: Sequence[SetFeatures], out: Path) -> tuple[list[str], str]:
    """Write the PNGs into ``out``; returns (file names, "" or why there are none)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed: no figures (pip install matplotlib)"
    files = []
    for fname, fn in (("oa.png", _oa_figure), ("metrics.png", _metrics_figure)):
        fn(plt, rep, out / fname)
        files.append(fname)
    if any(sf.samples for sf in sets):
        _piano_rolls_figure(plt, sets, out / "pianorolls.png")
        files.append("pianorolls.png")
    return files, ""


def write_report(rep: Report, out: str | Path, figures: Sequence[str] = ()) -> Path:
    """Write ``report.md`` and ``report.json`` into ``out`` (``figures``: PNG names already
    there, from :func:`write_figures`); returns the markdown's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = out / "report.md"
    md.write_text(to_markdown(rep, figures))
    (out / "report.json").write_text(json.dumps(to_json(rep), indent=1))
    return md
