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

from jambridge.commands.generate_args import add_arguments, riff_settings

__all__ = ["add_arguments", "output_paths", "run"]


def run(args: argparse.Namespace) -> int:
    """Generate ``--variations`` songs, write them (and their stems), print a line for each."""
    from jambridge.errors import JamBridgeError, UsageError
    from jambridge.generation import generate, load_prompt, song_seconds, split_stems
    from jambridge.midi_io import write_midi
    from jambridge.preset import load_preset, with_overrides

    t0 = time.perf_counter()
    if args.infill:
        riff_settings(args)  # a riff option without --prompt is refused here too
        return _run_infill(args, t0)
    if isinstance(args.bars, range):
        raise UsageError("--bars A-B is a bar range for --infill; give a count to generate")
    if args.prompt_role and not args.prompt:
        raise UsageError("--prompt-role needs --prompt FILE.mid (the riff whose role it names)")
    preset = load_preset(args.preset)
    try:
        preset = with_overrides(preset, args.bpm, args.temperature, args.key,
                                _controls_of(args), _per_role(args.groove),
                                _per_role(args.swing))  # fmt: skip
    except JamBridgeError as err:  # an option value out of range: a usage error
        raise UsageError(str(err)) from None
    prompt = load_prompt(args.prompt, args.prompt_role) if args.prompt else None
    riff = _checked_riff(args, prompt)
    if prompt is not None:
        _report_prompt(prompt, preset.key if args.key else None, args.bpm, riff)
        _warn_feel_on_riff(args, prompt.roles if riff is not None else ())
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    paths = output_paths(args.output, args.variations)
    _check_outputs(paths, args.prompt)
    stems = _stems_folder(args.stems) if args.stems else None
    for k, path in enumerate(paths):
        with _progress(args.bars, path) as on_bar:
            song = generate(preset, args.bars, seed + k, args.engine, prompt, args.model,
                            args.tracks, key_from_prompt=args.key is None,
                            on_bar=on_bar, tempo_from_prompt=args.bpm is None,
                            riff=riff)  # fmt: skip
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


def _checked_riff(args: argparse.Namespace, prompt):
    """The riff settings, refused (a usage error) when they cannot work with this prompt."""
    from jambridge.errors import UsageError
    from jambridge.riff import Riff

    riff = riff_settings(args, prompt.roles if prompt is not None else ())
    if riff is not None and riff.mode == "develop" and riff.return_every:
        length = Riff.from_prompt(prompt).length_bars
        if riff.return_every <= length:
            raise UsageError(
                f"--riff-return {riff.return_every} must be longer than the prompt's riff "
                f"({length} bar{'s' if length != 1 else ''}): no bar would be developed"
            )
    return riff


def _report_prompt(prompt, key, bpm: float | None, riff) -> None:
    """What the prompt became on stdout (tracks and roles, key, tempo, how the riff plays);
    each contradiction with ``key`` / ``--prompt-role`` as one ``warning:`` line on stderr."""
    from jambridge.prompt import prompt_warnings, report_lines
    from jambridge.riff import Riff

    for line in report_lines(prompt, bpm):
        print(line)
    if riff is not None:
        print(riff.describe(Riff.from_prompt(prompt)))
    for line in prompt_warnings(prompt, key):
        print(f"warning: {line}", file=sys.stderr)


def _controls_of(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for role, kind, value in args.control:
        out.setdefault(role, {})[kind] = value
    return out


def _warn_feel_on_riff(args: argparse.Namespace, riff_roles) -> None:
    """A riff's tracks play as given (as played, or quantized to the straight grid): say so
    when ``--swing`` or ``--groove`` names their roles, rather than doing nothing silently."""
    asked = set(_per_role(args.swing)) | set(_per_role(args.groove))
    hit = [r for r in riff_roles if r in asked]
    if hit:
        print(f"warning: the riff's {', '.join(hit)} plays as given; --swing and --groove shape "
              "the parts JamBridge makes (play the riff with its feel and keep it with "
              "--quantize 0)", file=sys.stderr)  # fmt: skip


def _per_role(given: list[tuple[tuple[str, ...], float]]) -> dict[str, float]:
    """``--groove`` / ``--swing`` values, role -> value (a later option wins)."""
    return {r: value for roles, value in given for r in roles}


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
    preset = with_overrides(load_preset(args.preset), None, args.temperature, None, None,
                            _per_role(args.groove), _per_role(args.swing))  # fmt: skip
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    gen = BarGenerator(open_model(args.model), seed=seed)
    settings = replace(settings_for(preset), controls={})  # the song's own density, not a preset's
    grooves = {r: preset.grooves()[r] for r in roles}  # the new bars at --groove / --swing
    filled = infill_song(gen, song, bars, roles, settings, style=song.style or preset.style,
                         grooves=grooves)  # fmt: skip
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
