"""The options of ``jambridge generate``, in groups (the song, the prompt and its riff mode,
steering, infill, the engine and the output), with their value types; :func:`riff_settings`
turns the riff options into :class:`~jambridge.riff.RiffSettings` and refuses combinations
that cannot work."""

from __future__ import annotations

import argparse
import math

from jambridge.commands.arg_types import at_least, in_range
from jambridge.generation import MAX_BARS
from jambridge.music import ROLES

RIFF_MODES = ("keep", "develop", "continue")  # jambridge.riff.MODES (checked by a test)
RIFF_KINDS = ("rhythm", "notes", "free")  # jambridge.riff.KINDS (checked by a test)


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


def _swing(text: str) -> tuple[tuple[str, ...], float]:
    """``RATIO`` (every track) or ``ROLE=RATIO`` -> (roles, ratio); the range (0.5..0.75) is
    checked with the preset's rules, so that it is one line."""
    role, sep, value = text.rpartition("=")
    try:
        ratio = float(value)
    except ValueError:
        ratio = math.nan
    if (sep and role not in ROLES) or math.isnan(ratio):
        raise argparse.ArgumentTypeError(
            f"expected RATIO or ROLE=RATIO (e.g. drums=0.6), got {text!r}"
        )
    return ((role,) if sep else ROLES), ratio


def _amount(text: str) -> float:
    """A number in 0..1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in 0..1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in range 0..1, got {text}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``jambridge generate``."""
    _add_song_options(p)
    _add_prompt_options(p)
    _add_riff_options(p)
    _add_steering_options(p)
    _add_output_options(p)


def _add_song_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--preset",
        default="techno",
        help="preset name (see presets/) or a preset JSON file (default: techno)",
    )
    p.add_argument(
        "--bars",
        type=_bars,
        default=16,
        help="bars to generate (default 16); with --infill, the bars to write afresh: "
        "N or A-B (1-based, inclusive)",
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
        "--engine",
        choices=("model", "procedural"),
        default="model",
        help="the shipped model (default) or the rule-based generator",
    )
    p.add_argument("--model", metavar="MODEL.onnx", help="use this model instead of the default")


def _add_prompt_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prompt",
        metavar="FILE",
        help="a riff to play with (see --riff), every track in its role: a MIDI file "
        "or an LMMS project (.mmp, .mmpz)",
    )
    p.add_argument(
        "--prompt-role",
        choices=ROLES,
        help="take only the prompt's track of this role (or its only track, played as this role)",
    )
    p.add_argument(
        "--infill",
        metavar="FILE",
        help="write --bars of --tracks of FILE (MIDI or LMMS) afresh, with the music "
        "before and after them as context; everything else stays as it is (v2 models)",
    )


def _add_riff_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--riff",
        choices=RIFF_MODES,
        default=None,
        help="how the prompt plays: keep (it loops exactly while the other tracks "
        "answer it; the default), develop (varied, back every --riff-return bars) or "
        "continue (it opens the song and the model carries on)",
    )
    p.add_argument(
        "--riff-amount",
        type=_amount,
        default=None,
        metavar="A",
        help="develop: the share of the riff's notes that change, 0..1 (default 0.5)",
    )
    p.add_argument(
        "--riff-kind",
        choices=RIFF_KINDS,
        default=None,
        help="develop: rhythm (same rhythm, new notes), notes (same notes, new "
        "rhythm) or free (both; the default)",
    )
    p.add_argument(
        "--riff-return",
        type=at_least(2),
        default=None,
        metavar="N",
        help="develop: the riff comes back exactly every N bars (default 4 for a riff "
        "of up to 2 bars, else 8, 16 past 4)",
    )
    p.add_argument(
        "--quantize",
        type=_amount,
        default=None,
        metavar="A",
        help="the riff's onsets toward the 16th grid: 0 as played (default) .. 1 on the grid",
    )
    p.add_argument(
        "--drumify",
        action="store_true",
        help="drums written to the prompt riff's rhythm: kick and snare on its accents",
    )


def _add_steering_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--control",
        action="append",
        type=_control,
        default=[],
        metavar="ROLE.KIND=BIN",
        help="a per-bar control the model obeys (v2 models): poly, dur or rep, e.g. "
        "chords.poly=2 (3 notes at once), bass.dur=0 (16ths), lead.rep=4 (loops); "
        "repeatable",
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
        "--swing",
        action="append",
        type=_swing,
        default=[],
        metavar="[ROLE=]RATIO",
        help="where the off-beat 16ths sit in their 8th: 0.5 straight (the default), 0.58 "
        "house, 0.667 triplet shuffle, up to 0.75; applied after --groove; repeatable",
    )


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--variations",
        type=at_least(1),
        default=1,
        metavar="K",
        help="write K variations: OUT-1.mid .. OUT-K.mid",
    )
    p.add_argument("--stems", metavar="DIR", help="also write one .mid per track into DIR")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.mid",
        help="output file (.mid added if missing)",
    )


def riff_settings(args: argparse.Namespace, prompt_roles: tuple[str, ...] = ()):
    """The prompt's :class:`~jambridge.riff.RiffSettings` (keep unless --riff names another
    mode), or None without --prompt; ``prompt_roles``: the roles the prompt plays.

    Raises:
        UsageError: a riff option without --prompt, a develop option without --riff develop,
            or --drumify that cannot work (a drum prompt, --tracks without drums).
    """
    from jambridge.errors import UsageError
    from jambridge.riff import RiffSettings

    given = [
        name for name, value in _riff_options(args) if value is not None and value is not False
    ]
    if not args.prompt:
        if given:
            raise UsageError(f"{given[0]} needs --prompt FILE (the riff it plays)")
        return None
    mode = args.riff or "keep"
    develop = [g for g in given if g in ("--riff-amount", "--riff-kind", "--riff-return")]
    if develop and mode != "develop":
        raise UsageError(f"{develop[0]} works with --riff develop, not --riff {mode}")
    if args.drumify and "drums" in prompt_roles:
        raise UsageError(
            "--drumify writes drums from a bass, chords or lead riff; the prompt has drums "
            "(take its other track with --prompt-role)"
        )
    if args.drumify and args.tracks and "drums" not in args.tracks:
        raise UsageError("--drumify writes drums; add drums to --tracks")
    defaults = RiffSettings()
    return RiffSettings(
        mode=mode,
        amount=defaults.amount if args.riff_amount is None else args.riff_amount,
        kind=args.riff_kind or defaults.kind,
        return_every=args.riff_return or 0,
        quantize=args.quantize or 0.0,
        drumify=args.drumify,
    )


def _riff_options(args: argparse.Namespace) -> list[tuple[str, object]]:
    return [("--riff", args.riff), ("--riff-amount", args.riff_amount),
            ("--riff-kind", args.riff_kind), ("--riff-return", args.riff_return),
            ("--quantize", args.quantize), ("--drumify", args.drumify)]  # fmt: skip
