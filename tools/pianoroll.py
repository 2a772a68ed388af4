"""Piano rolls of song files, one row each: ``python tools/pianoroll.py A.mid B.mmpz -o rolls.png``.

Pitched tracks are lines at their pitch, drums dots in a band below (one row per kit piece), as in
``jambridge eval``'s figure; for looking at what a model or a change plays.
"""

from __future__ import annotations

import argparse
import sys

from jambridge.evaluation.report import piano_roll
from jambridge.song_files import read_song


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+")
    p.add_argument("-o", "--out", required=True, help="PNG to write")
    p.add_argument("--bars", type=int, default=8, help="bars shown from the start (default 8)")
    args = p.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(args.files), 1, figsize=(12, 2.4 * len(args.files)),
                             squeeze=False)  # fmt: skip
    for ax, path in zip(axes[:, 0], args.files):
        song, _ = read_song(path)
        piano_roll(ax, song, args.bars)
        ax.set_title(f"{path} ({song.tempo_bpm:g} BPM, {song.key.name if song.key else 'no key'})",
                     fontsize=7)  # fmt: skip
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
