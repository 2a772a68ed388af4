"""Print what JamBridge reads from LMMS projects: per project its tracks, roles, notes per role,
bars and tempo.

    python tools/lmms_table.py [FOLDER_OR_FILE ...]   (default: ../shared/data/lmms)
"""

from __future__ import annotations

import sys
from pathlib import Path

from jambridge.errors import DataError
from jambridge.lmms import read_lmms
from jambridge.music import ROLES

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "lmms"


def projects(args: list[str]) -> list[Path]:
    """The .mmp/.mmpz files named or found under the folders named."""
    out: list[Path] = []
    for arg in args or [str(DEFAULT)]:
        path = Path(arg)
        out += sorted(path.rglob("*.mmp*")) if path.is_dir() else [path]
    return [p for p in out if p.suffix.lower() in (".mmp", ".mmpz")]


def main(args: list[str]) -> int:
    header = f"{'project':<44} {'tracks':>6} {'parts':>5} {'bars':>4} {'bpm':>5}  notes per role"
    print(header)
    print("-" * len(header))
    totals = dict.fromkeys(ROLES, 0)
    failed = 0
    for path in projects(args):
        try:
            song, report = read_lmms(path)
        except DataError as err:
            print(f"{path.name:<44} ERROR {err}")
            failed += 1
            continue
        per_role = {t.role: len(t.notes) for t in song.tracks}
        for role, n in per_role.items():
            totals[role] += n
        roles = " ".join(f"{r} {per_role[r]}" for r in ROLES if r in per_role)
        print(
            f"{path.name[:44]:<44} {report.track_count:>6} {len(report.sources):>5} "
            f"{song.length_bars:>4} {song.tempo_bpm:>5g}  {roles}"
        )
    print("-" * len(header))
    print("total notes per role: " + ", ".join(f"{r} {n}" for r, n in totals.items()))
    print("tracks: song-editor tracks; parts: instrument tracks that play (incl. pattern editor)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
