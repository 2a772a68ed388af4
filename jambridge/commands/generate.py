"""``jambridge generate``: a multi-track techno idea as a type-1 .mid file (and stems).

A progress bar (bars done, rate, ETA) runs on stderr when it is a terminal; each file written,
stems included, is printed on stdout. Option values out of range exit 2, like argparse's own
checks (see :mod:`jambridge.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from jambridge.commands.arg_types import at_least, in_range
from jambridge.generation import MAX_BARS
from jambridge.music import ROLES


def _roles(text: str) -> tuple[str, ...]:
    roles = tuple(r.strip() for r in text.split(",") if r.strip())
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise argparse.ArgumentTypeError(f"tracks must be a comma list of {', '.join(ROLES)}")
    return roles


def _bars(text: str) -> int | range:
    """``N`` (a count, or with --infill one bar) or ``A-B`` (bars A..B, 1-based, inclusive)."""
    first, sep, last = text.partition("-")
    try:
        lo, hi = int(first), int(last) if sep else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or A-B, got {text!r}") from None
    if hi is None:
        return in_range(1, MAX_BARS)(text)
    if not 1 <= lo <= hi <= MAX_BARS:
        raise argparse.ArgumentTypeError(f"bar range must be A-B with 1 <= A <= B, got {text!r}")
    return range(lo - 1, hi)


def _control(text: str) -> tuple[str, str, int]:
    """``ROLE.KIND=BIN`` -> (role, kind, bin); the range is checked with the preset's rules."""
    target, sep, value = text.partition("=")
    role, dot, kind = target.partition(".")
    try:
        bin_ = int(value)
    except ValueError:
        bin_ = -1
    if not (sep and dot and role in ROLES and kind and bin_ >= 0):
        raise argparse.ArgumentTypeError(f"expected ROLE.KIND=BIN (e.g. bass.poly=0), got {text!r}")
    return role, kind, bin_


def _groove(text: str) -> tuple[tuple[str, ...], float]:
    """``AMOUNT`` (every track) or ``ROLE=AMOUNT`` -> (roles, amount)."""
    role, sep, value = text.rpartition("=")
    try:
        amount = float(value)
    except ValueError:
        amount = -1.0
    if (sep and role not in ROLES) or not 0.0 <= amount <= 1.0:
        raise argparse.ArgumentTypeError(f"expected AMOUNT or ROLE=AMOUNT in 0..1, got {text!r}")
    return ((role,) if sep else ROLES), amount


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``jambridge generate``."""
    p.add_argument(
        "--preset",
        default="techno",
        help="preset name (see presets/) or a preset JSON file (default: techno)",
    )
    p.add_argument(
        "--bars",
        type=_bars,
        default=16,
        help="bars to generate (default 16); with --infill, the bars to write afresh: N or A-B "
        "(1-based, inclusive)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="random seed (default: a new one, printed)"
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=None,
        help="sampling temperature for every track (default: the preset's)",
    )
    p.add_argument(
        "--bpm", type=float, default=None, help="tempo (default: the prompt's, else the preset's)"
    )
    p.add_argument(
        "--key",
        default=None,
        help="key, e.g. 'A minor', 'Am', 'Bb major' (default: the prompt's, else the preset's)",
    )
    p.add_argument(
        "--tracks",
        type=_roles,
        default=None,
        metavar="ROLE,...",
        help=f"tracks to write, from {','.join(ROLES)} (default: the preset's)",
    )
    p.add_argument(
        "--prompt",
        metavar="FILE",
        help="a riff to continue and accompany, every track in its role: a MIDI file or an "
        "LMMS project (.mmp, .mmpz)",
    )
    p.add_argument(
        "--prompt-role",
        choices=ROLES,
        help="take only the prompt's track of this role (or its only track, played as this role)",
    )
    p.add_argument(
        "--control",
        action="append",
        type=_control,
        default=[],
        metavar="ROLE.KIND=BIN",
        help="a per-bar control the model obeys (v2 models): poly, dur or rep, e.g. "
        "chords.poly=2 (3 notes at once), bass.dur=0 (16ths), lead.rep=4 (loops); repeatable",
    )
    p.add_argument(
        "--groove",
        action="append",
        type=_groove,
        default=[],
        metavar="[ROLE=]AMOUNT",
        help="micro-timing kept, 0 (on the grid) .. 1 (as the model plays it); repeatable",
    )
    p.add_argument(
        "--infill",
        metavar="FILE",
        help="write --bars of --tracks of FILE (MIDI or LMMS) afresh, with the music before and "
        "after them as context; everything else stays as it is (v2 models)",
    )
    p.add_argument(
        "--variations",
        type=at_least(1),
        default=1,
        metavar="K",
        help="write K variations: OUT-1.mid .. OUT-K.mid",
    )
    p.add_argument("--stems", metavar="DIR", help="also write one .mid per track into DIR")
    p.add_argument(
        "--engine",
        choices=("model", "procedural"),
        default="model",
        help="the shipped model (default) or the rule-based generator",
    )
    p.add_argument("--model", metavar="MODEL.onnx", help="use this model instead of the default")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.mid",
        help="output file (.mid added if missing)",
    )


def run(args: argparse.Namespace) -> int:
    """Generate ``--variations`` songs, write them (and their stems), print a line for each."""
    from jambridge.errors import JamBridgeError, UsageError
    from jambridge.generation import generate, load_prompt, song_seconds, split_stems
    from jambridge.midi_io import write_midi
    from jambridge.preset import load_preset, with_overrides

    t0 = time.perf_counter()
    if args.infill:
        return _run_infill(args, t0)
    if isinstance(args.bars, range):
        raise UsageError("--bars A-B is a bar range for --infill; give a count to generate")
    if args.prompt_role and not args.prompt:
        raise UsageError("--prompt-role needs --prompt FILE.mid (the riff whose role it names)")
    preset = load_preset(args.preset)
    try:
        preset = with_overrides(preset, args.bpm, args.temperature, args.key,
                                _controls_of(args), _grooves_of(args))  # fmt: skip
    except JamBridgeError as err:  # an option value out of range: a usage error
        raise UsageError(str(err)) from None
    prompt = load_prompt(args.prompt, args.prompt_role) if args.prompt else None
    if prompt is not None:
        _report_prompt(prompt, preset.key if args.key else None, args.bpm)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    paths = output_paths(args.output, args.variations)
    _check_outputs(paths, args.prompt)
    stems = _stems_folder(args.stems) if args.stems else None
    for k, path in enumerate(paths):
        with _progress(args.bars, path) as on_bar:
            song = generate(preset, args.bars, seed + k, args.engine, prompt, args.model,
                            args.tracks, key_from_prompt=args.key is None,
                            on_bar=on_bar, tempo_from_prompt=args.bpm is None)  # fmt: skip
        write_midi(song, path)
        stem_paths = []
        if stems is not None:
            for stem in split_stems(song):
                stem_paths.append(stems / f"{path.stem}-{stem.tracks[0].role}.mid")
                write_midi(stem, stem_paths[-1])
        counts = ", ".join(f"{t.role} {len(t.notes)}" for t in song.tracks)
        bars = f"{song.length_bars} bar{'s' if song.length_bars != 1 else ''}"
        print(
            f"wrote {path}: {bars} ({song_seconds(song):.1f} s at {song.tempo_bpm:g} BPM), "
            f"{song.key.name if song.key else 'no key'}, {preset.name} ({args.engine}, "
            f"seed {seed + k}); notes: {counts}; {time.perf_counter() - t0:.2f} s"
        )
        if stem_paths:
            print(f"wrote {len(stem_paths)} stems: {', '.join(str(s) for s in stem_paths)}")
    return 0


def _report_prompt(prompt, key, bpm: float | None) -> None:
    """What the prompt became on stdout (tracks and roles, key, tempo); each contradiction
    with ``key`` / ``--prompt-role`` as one ``warning:`` line on stderr."""
    from jambridge.prompt import prompt_warnings, report_lines

    for line in report_lines(prompt, bpm):
        print(line)
    for line in prompt_warnings(prompt, key):
        print(f"warning: {line}", file=sys.stderr)


def _controls_of(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for role, kind, value in args.control:
        out.setdefault(role, {})[kind] = value
    return out


def _grooves_of(args: argparse.Namespace) -> dict[str, float]:
    return {r: amount for roles, amount in args.groove for r in roles}


def _run_infill(args: argparse.Namespace, t0: float) -> int:
    """``--infill FILE --bars A-B --tracks ROLES``: the file with those bars written afresh."""
    from jambridge.engine.generator import BarGenerator
    from jambridge.engine.infill import infill_song
    from jambridge.engine.offline import open_model, settings_for
    from jambridge.errors import UsageError
    from jambridge.midi_io import write_midi
    from jambridge.preset import load_preset, with_overrides
    from jambridge.song_files import read_song

    if args.prompt or args.variations != 1 or args.engine != "model":
        raise UsageError("--infill works alone: no --prompt, --variations or --engine")
    song, _ = read_song(args.infill)
    bars = args.bars if isinstance(args.bars, range) else range(args.bars - 1, args.bars)
    roles = args.tracks or tuple(t.role for t in song.tracks if t.notes)
    preset = with_overrides(load_preset(args.preset), None, args.temperature, None)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    gen = BarGenerator(open_model(args.model), seed=seed)
    settings = replace(settings_for(preset), controls={})  # the song's own density, not a preset's
    filled = infill_song(gen, song, bars, roles, settings, style=song.style or preset.style)
    path = output_paths(args.output, 1)[0]
    _check_outputs([path], args.infill)
    write_midi(filled, path)
    print(f"wrote {path}: bars {bars.start + 1}-{bars.stop} of {', '.join(roles)} written "
          f"afresh (seed {seed}), the rest of {args.infill} as it was; "
          f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
    return 0


@contextlib.contextmanager
def _progress(bars: int, path: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr while ``path``'s song is generated, when stderr is a terminal;
    yields the ``on_bar`` callback for :func:`~jambridge.generation.generate` (or None)."""
    if not sys.stderr.isatty():
        yield None
        return
    from jambridge.progress import Progress

    with Progress(bars, "bars", f"generating {path.name}") as progress:
        yield lambda done: progress.update(done - progress.done)


def output_paths(output: str, variations: int) -> list[Path]:
    """The files to write: ``OUT.mid``, or ``OUT-1.mid`` .. ``OUT-K.mid`` for K variations.
    A name without a MIDI suffix gets ``.mid`` (a DAW only picks up .mid/.midi files).

    Raises:
        DataError: ``output`` is a folder.
    """
    from jambridge.errors import DataError

    out = Path(output)
    if out.is_dir():
        raise DataError(f"output {out} is a folder; give a file name, e.g. {out / 'idea.mid'}")
    if out.suffix.lower() not in (".mid", ".midi"):
        out = out.with_name(out.name + ".mid")
    if variations == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{k + 1}{out.suffix}") for k in range(variations)]


def _check_outputs(paths: list[Path], prompt: str | None) -> None:
    """Refuse, before generating, outputs that cannot be written or would overwrite the prompt."""
    from jambridge.errors import DataError

    for path in paths:
        if not path.parent.is_dir():
            raise DataError(f"output folder {path.parent} does not exist")
        if path.is_dir():
            raise DataError(
                f"output {path} is a folder; give a file name, e.g. {path / 'idea.mid'}"
            )
        if prompt is not None and path.exists() and path.samefile(prompt):
            raise DataError(f"output {path} is the prompt file; it would overwrite your riff")


def _stems_folder(folder: str) -> Path:
    from jambridge.errors import DataError

    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"cannot create the stems folder {path}: {err.strerror}") from None
    return path
