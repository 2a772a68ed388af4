"""One evaluation run, end to end: what ``jambridge eval`` does.

1. Read the real set(s) (MIDI folders and/or a built dataset's held-out documents) and the
   generated folders, each capped at :attr:`EvalConfig.max_bars` bars.
2. Build the baselines from templates of the real songs (procedural, n-gram, shuffled).
3. Optionally sample the ONNX model itself with the real songs' headers (``sample_model``), so
   it is judged on the same prompts as the n-gram.
4. Measure every set (:mod:`.features`), compare it with the real one (:mod:`.comparison`).
5. Validation NLL of the model (``model``) and the n-gram on the same chunks (:mod:`.nll`).
6. Write the report (:mod:`.report`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jambridge.errors import DataError
from jambridge.evaluation import baselines as bl
from jambridge.evaluation.comparison import evaluate_system, real_sources
from jambridge.evaluation.features import ALL_GROUPS, FeatureConfig, extract
from jambridge.evaluation.report import Report, write_figures, write_report
from jambridge.evaluation.sets import (
    SetLimits,
    SongSet,
    is_dataset,
    load_dataset_set,
    load_midi_set,
    load_set,
)


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation run."""

    real: tuple[str, ...]  # MIDI folders / files, or built dataset folders (their val split);
    # empty: no comparison, only the value metrics (4-on-floor, empty bars...) of the generated
    generated: tuple[tuple[str, str], ...] = ()  # (name, folder of generated .mid files)
    dataset: str | None = None  # built dataset for the n-gram and NLL (default: a real one)
    model: str | None = None  # ONNX model: its validation NLL (and samples, see sample_model)
    sample_model: bool = False  # also sample the model with the real songs' headers
    baselines: tuple[str, ...] = bl.BASELINES  # which of procedural, ngram, shuffled
    out: str = "eval_report"  # report folder
    segment_bars: int = 4  # bars per feature segment
    max_bars: int = 1024  # bars read per set (real: per path)
    max_song_bars: int = 32  # bars kept per song (a seeded window)
    max_samples: int = 400  # segments per set in the pairwise distances (quadratic cost)
    ngram_order: int = 6  # n of the n-gram baseline (6 was best on val of 2..6, modified KN)
    ngram_max_tokens: int = 8_000_000  # train tokens for the n-gram (whole documents)
    nll_max_tokens: int = 100_000  # validation tokens scored for NLL (whole documents; the
    # 4 x 256 model scores ~3,900 tokens/s on 2 CPU cores)
    temperature: float = 1.0  # sampling temperature of the n-gram and the model
    # Add the dataset's real train documents as a "reference" row: real music that is not the
    # held-out set, i.e. the OA a perfect generator of the training distribution would get.
    train_reference: bool = True
    figures: bool = True  # write PNGs (needs matplotlib)
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.real and not self.generated:
            raise DataError("give a real set (--real), generated music (--generated), or both")
        bad = [b for b in self.baselines if b not in bl.BASELINES]
        if bad:
            raise DataError(f"baselines must be among {', '.join(bl.BASELINES)}, got {bad}")
        if self.sample_model and not self.model:
            raise DataError("sampling the model needs --model")


def _tokenizer(dataset: str | None):
    from jambridge.tokenizer import Tokenizer

    return Tokenizer.load(Path(dataset) / "tokenizer.json") if dataset else Tokenizer()


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._t
        self._t = now


def _real_set(cfg: EvalConfig, limits: SetLimits, tok, notes: list[str]) -> SongSet:
    real = SongSet("real")
    for path in cfg.real:
        real.extend(load_set(path, limits=limits))
    if cfg.real and not real.songs:
        raise DataError(f"no usable songs in the real set(s): {', '.join(cfg.real)}")
    real.songs = [tok.quantize_song(s) for s in real.songs]  # baselines copy what is measured
    if not real.songs:
        notes.append("no real set: value metrics only, no OA and no baselines")
    return real


def _fit_ngram(cfg: EvalConfig, dataset: str, tok, notes: list[str]):
    from jambridge.evaluation.ngram import fit_on_split, max_order

    order = min(cfg.ngram_order, max_order(tok.vocab_size))
    if order < cfg.ngram_order:
        notes.append(
            f"n-gram order lowered to {order}: longer n-grams of a "
            f"{tok.vocab_size}-token vocabulary do not pack into int64"
        )
    ngram = fit_on_split(dataset, order, cfg.ngram_max_tokens, seed=cfg.seed)
    notes.append(f"n-gram: {ngram.describe()}")
    return ngram


def _sampled(name: str, model, tok, templates, cfg: EvalConfig) -> SongSet:
    from jambridge.evaluation.sampling import SampleConfig

    scfg = SampleConfig(temperature=cfg.temperature, batch_size=16)
    return SongSet(name, bl.sampled_songs(model, tok, templates, cfg.seed, scfg))


def _baseline_sets(cfg, real: SongSet, templates, ngram, tok, clock) -> list[tuple[SongSet, str]]:
    from jambridge.evaluation.sampling import NGramTokens

    out = []
    baselines = cfg.baselines if real.songs else ()
    if "procedural" in baselines:
        out.append((SongSet("procedural", bl.procedural_songs(templates, cfg.seed)), "baseline"))
        clock.lap("procedural")
    if ngram is not None and "ngram" in baselines:
        out.append((_sampled(f"{ngram.order}-gram", NGramTokens(ngram), tok, templates, cfg),
                    "baseline"))  # fmt: skip
        clock.lap("ngram_sample")
    if "shuffled" in baselines:
        out.append((SongSet("shuffled real", bl.shuffled_songs(real.songs, cfg.seed)), "baseline"))
    return out


def _nll(cfg: EvalConfig, dataset: str, session, ngram) -> dict:
    from jambridge.evaluation.nll import model_nll, ngram_nll, val_chunks

    max_len = session.meta.block_size if session is not None else 1024
    chunks = val_chunks(dataset, max_len, cfg.nll_max_tokens, seed=cfg.seed)
    out = {}
    if session is not None:
        out["model"] = model_nll(session, chunks)
    if ngram is not None:
        out[f"{ngram.order}-gram"] = ngram_nll(ngram, chunks)
    return out


def _skip_notes(sets: list[SongSet]) -> list[str]:
    return [
        f"{s.name}: skipped " + ", ".join(f"{n}x {r}" for r, n in s.skipped.items())
        for s in sets
        if s.skipped
    ]


def run_evaluation(cfg: EvalConfig, progress=print) -> tuple[Report, Path]:
    """Run the evaluation and write the report; returns (report, path of report.md)."""
    clock = _Clock()
    limits = SetLimits(cfg.max_bars, cfg.max_song_bars, cfg.segment_bars, cfg.seed)
    dataset = cfg.dataset or next((p for p in cfg.real if is_dataset(p)), None)
    notes: list[str] = []
    session = None
    if cfg.model:
        from jambridge.evaluation.nll import open_model

        session = open_model(cfg.model)
        notes.append(f"model: {session.describe()}")
    # the dataset's tokenizer (the model must match it), else the model's own, else the default
    tok = _tokenizer(dataset) if dataset or session is None else session.tokenizer()
    if session is not None:
        session.check_vocab_hash(tok.vocab_hash)
    real = _real_set(cfg, limits, tok, notes)
    if real.songs:
        progress(f"real: {len(real.songs)} songs, {real.bars} bars from {real.origin}")
    sets = [(load_midi_set(path, name, limits), "generated") for name, path in cfg.generated]
    clock.lap("read")

    templates = bl.templates_from(real.songs, tok)
    from jambridge.dataset import load_split

    ngram = None
    has_train = dataset is not None and len(load_split(dataset, "train")[1]) > 0
    if dataset is not None and not has_train:
        notes.append("n-gram baseline and train reference skipped: the train split is empty")
    elif dataset is not None:  # the n-gram's NLL is reported whenever there is a dataset
        ngram = _fit_ngram(cfg, dataset, tok, notes)
        clock.lap("ngram_fit")
    elif "ngram" in cfg.baselines:
        notes.append("n-gram baseline and NLL skipped: no built dataset (--dataset)")
    sets += _baseline_sets(cfg, real, templates, ngram, tok, clock)
    if cfg.train_reference and has_train and real.songs:
        sets.append((load_dataset_set(dataset, "train", "real (train split)", limits), "reference"))
        clock.lap("read")
    if session is not None and cfg.sample_model and templates:
        from jambridge.evaluation.sampling import OnnxTokens

        model_set = _sampled("model (sampled)", OnnxTokens(session, 16), tok, templates, cfg)
        sets.insert(len(cfg.generated), (model_set, "generated"))
        clock.lap("model_sample")

    fcfg = FeatureConfig(segment_bars=cfg.segment_bars)
    real_f = extract(real.name, real.songs, real.sources, fcfg, tok)
    feats = [(extract(s.name, s.songs, s.sources, fcfg, tok), kind) for s, kind in sets]
    clock.lap("features")
    results = [evaluate_system(real_f, real_f, "real")] if real.songs else []
    results += [evaluate_system(real_f, f, kind, cfg.max_samples, cfg.seed) for f, kind in feats]
    clock.lap("compare")

    nll = {}
    if dataset is not None:
        nll = _nll(cfg, dataset, session, ngram)
        clock.lap("nll")
    elif cfg.model:
        notes.append("model NLL skipped: no built dataset (--dataset) to take validation data from")
    notes += _skip_notes([real, *(s for s, _ in sets)])
    if real.songs:
        sources = real_sources(real_f)
    else:
        sources = {g: "(no real set)" for g in ALL_GROUPS if any(g in r.roles for r in results)}
    rep = Report(real.name, real.origin, len(real.songs), real.bars, cfg.segment_bars, sources,
                 results, nll, tok.vocab_size, notes)  # fmt: skip
    figures: list[str] = []
    if cfg.figures:
        figures, why = write_figures(rep, [real_f, *[f for f, _ in feats]], Path(cfg.out))
        notes += [why] if why else []
        clock.lap("figures")
    rep.timings_s = dict(clock.laps)
    rep.timings_s["total"] = sum(clock.laps.values())
    return rep, write_report(rep, cfg.out, figures)
