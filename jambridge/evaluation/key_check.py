"""Is the reported key right? ``python -m jambridge.evaluation.key_check [--json]``.

Two sets of real multi-track files, each file with a known key:

- POP909 (``--pop909``): ``--count`` songs spread evenly, in number order, over the songs whose
  ``key_audio.txt`` names one key (melody, bridge and piano tracks; 137 of the 909 files carry a
  sequencer's default C major key signature). A second line takes them over all songs, a song
  that changes key judged by the key it holds longest.
- generated: the files ``jambridge generate`` writes (the same :func:`generate` and
  :func:`write_midi`, into a temporary folder) for every preset, each with its own key and
  ``--keys-per-preset - 1`` others named as with ``--key``, with ``--engine procedural`` and the
  default model; the known key is the one asked for.

Per set and method, the share of files whose key is exactly right and the share right when the
relative major/minor counts as right. Methods: ``reported`` is what ``generate --prompt FILE``
reports (:func:`~jambridge.prompt.load_prompt`: the key signature when the notes agree, else the
estimate); ``estimate`` ignores key signatures (a file a DAW exported without one);
``krumhansl_schmuckler`` is the plain profile correlation, for comparison.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from jambridge.evaluation import check_cli
from jambridge.keyfinder import estimate_key, krumhansl_schmuckler
from jambridge.music import Key, Song

# Keys named with --key beside each preset's own: majors and minors, flats and sharps.
OTHER_KEYS = ("Bb major", "F# minor", "Eb major", "C# minor", "Ab major", "E major", "B minor",
              "D major", "G minor", "F major", "C major", "G# minor")  # fmt: skip
METHODS = ("reported", "estimate", "krumhansl_schmuckler")


def annotated_keys(folder: Path) -> dict[Key, float]:
    """A POP909 song's ``key_audio.txt``: key -> seconds it holds ("Gb:maj" -> Gb major)."""
    out: dict[Key, float] = {}
    for line in (folder / "key_audio.txt").read_text().splitlines():
        if not line.strip():
            continue
        start, end, name = line.split()
        tonic, mode = name.split(":")
        key = Key.parse(f"{tonic} {'major' if mode == 'maj' else 'minor'}")
        out[key] = out.get(key, 0.0) + float(end) - float(start)
    return out


def pop909_files(root: Path, count: int, single_key: bool) -> list[tuple[Path, Key]]:
    """``count`` (file, known key) pairs spread evenly over the songs (in number order) with
    one annotated key, or over all songs judged by their longest key."""
    songs = []
    for folder in sorted(p for p in root.iterdir() if (p / "key_audio.txt").is_file()):
        keys = annotated_keys(folder)
        if keys and (len(keys) == 1 or not single_key):
            songs.append((folder / f"{folder.name}.mid", max(keys, key=keys.__getitem__)))
    return [songs[i * len(songs) // count] for i in range(min(count, len(songs)))]


def generated_files(
    folder: Path, keys_per_preset: int, bars: int, seed: int, model: str | None
) -> list[tuple[Path, Key, str]]:
    """Write every preset's songs (its own key, then others) with both engines into
    ``folder``; (file, key asked for, engine)."""
    from jambridge.generation import ENGINES, generate
    from jambridge.midi_io import write_midi
    from jambridge.preset import list_presets, load_preset

    out = []
    others = iter(OTHER_KEYS * (1 + keys_per_preset * 10 // len(OTHER_KEYS)))
    for name in list_presets():
        preset = load_preset(name)
        keys = [preset.key] + [Key.parse(next(others)) for _ in range(keys_per_preset - 1)]
        for j, key in enumerate(keys):
            for engine in ENGINES:
                song = generate(replace(preset, key=key), bars, seed + j, engine,
                                model_path=model if engine == "model" else None)  # fmt: skip
                path = folder / f"{name}-{j}-{engine}.mid"
                write_midi(song, path)
                out.append((path, key, engine))
    return out


def _methods(path: Path) -> dict[str, Key | None]:
    from jambridge.prompt import load_prompt
    from jambridge.song_files import read_song

    song: Song = read_song(path)[0]
    finding = load_prompt(path).key_finding
    return {
        "reported": finding.key if finding else None,
        "estimate": estimate_key(song),
        "krumhansl_schmuckler": krumhansl_schmuckler(song),
    }


def _relative_ok(found: Key | None, known: Key) -> bool:
    return found is not None and found.pitch_classes == known.pitch_classes


def score(rows: Iterable[tuple[str, Key, dict[str, Key | None]]]) -> dict:
    """Per method: files, share exact, share counting the relative key as right, and the
    reported method's misses (file, known, found)."""
    rows = list(rows)
    n = max(len(rows), 1)
    out: dict = {"files": len(rows)}
    for m in METHODS:
        exact = sum(found[m] == known for _, known, found in rows)
        relative = sum(_relative_ok(found[m], known) for _, known, found in rows)
        out[m] = {"exact": round(exact / n, 3), "relative_ok": round(relative / n, 3)}
    out["misses"] = [
        (name, known.name, found["reported"].name if found["reported"] else None)
        for name, known, found in rows
        if found["reported"] != known
    ]
    return out


def run(
    pop909: Path,
    count: int,
    keys_per_preset: int,
    bars: int,
    seed: int,
    model: str | None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict:
    """Every set's scores (see the module docstring)."""
    out = {}
    for label, single in (("pop909_single_key", True), ("pop909_all_songs", False)):
        files = pop909_files(pop909, count, single)
        progress(f"{label}: {len(files)} files")
        out[label] = score((p.parent.name, k, _methods(p)) for p, k in files)
    with tempfile.TemporaryDirectory() as tmp:
        progress("generating")
        files = generated_files(Path(tmp), keys_per_preset, bars, seed, model)
        rows = [(p.stem, k, engine, _methods(p)) for p, k, engine in files]
    out["generated"] = score((name, k, found) for name, k, _, found in rows)
    for engine in sorted({e for _, _, e, _ in rows}):
        picked = [(name, k, found) for name, k, e, found in rows if e == engine]
        out[f"generated_{engine}"] = score(picked)
    return out


def main(argv=None) -> int:
    p = check_cli.parser("key_check")
    p.add_argument("--pop909", default="../shared/data/pop909", help="POP909 folder")
    p.add_argument("--count", type=int, default=100, help="POP909 songs per line (default 100)")
    p.add_argument("--keys-per-preset", type=int, default=4, help="generated keys per preset")
    p.add_argument("--bars", type=int, default=16, help="bars per generated file")
    return check_cli.run(p, argv, _check)


def _check(args: argparse.Namespace) -> dict:
    out = run(Path(args.pop909), args.count, args.keys_per_preset, args.bars, args.seed,
              args.model)  # fmt: skip
    for label, s in out.items():
        cells = "  ".join(
            f"{m} {s[m]['exact']:.0%} ({s[m]['relative_ok']:.0%} rel.)" for m in METHODS
        )
        print(f"{label:<22} {s['files']:>4} files  {cells}")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
