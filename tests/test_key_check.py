"""The key measurement: POP909 annotations read right, files picked evenly, shares counted."""

from __future__ import annotations

from jambridge.evaluation.key_check import annotated_keys, pop909_files, score
from jambridge.music import Key


def _song_folder(root, number: str, lines: list[str]) -> None:
    folder = root / number
    folder.mkdir()
    (folder / "key_audio.txt").write_text("\n".join(lines) + "\n")


def test_annotated_keys_sum_the_seconds_each_key_holds(tmp_path):
    _song_folder(
        tmp_path, "001", ["0.5\t100.5\tGb:maj", "100.5\t130.5\tF:min", "130.5\t140\tGb:maj"]
    )
    assert annotated_keys(tmp_path / "001") == {Key(6, "major"): 109.5, Key(5, "minor"): 30.0}


def test_files_are_spread_evenly_and_a_modulating_song_is_judged_by_its_longest_key(tmp_path):
    for i in range(1, 7):
        lines = ["0\t100\tA:min"] if i % 2 else ["0\t10\tC:maj", "10\t100\tBb:maj"]
        _song_folder(tmp_path, f"{i:03d}", lines)
    single = pop909_files(tmp_path, 2, single_key=True)
    assert [(p.name, k) for p, k in single] == [("001.mid", Key(9)), ("003.mid", Key(9))]
    every = pop909_files(tmp_path, 3, single_key=False)
    assert [p.name for p, _ in every] == ["001.mid", "003.mid", "005.mid"]
    assert pop909_files(tmp_path, 6, single_key=False)[1][1] == Key(10, "major")


def test_score_counts_exact_and_relative_keys_apart():
    a_minor, c_major, e_minor = Key(9), Key(0, "major"), Key(4)
    found = [
        {"reported": a_minor},
        {"reported": c_major},
        {"reported": e_minor},
        {"reported": None},
    ]
    rows = [
        (str(i), a_minor, {"estimate": f["reported"], "krumhansl_schmuckler": None, **f})
        for i, f in enumerate(found)
    ]
    s = score(rows)
    assert s["files"] == 4
    assert s["reported"] == {"exact": 0.25, "relative_ok": 0.5}  # C major is A minor's relative
    assert s["krumhansl_schmuckler"] == {"exact": 0.0, "relative_ok": 0.0}
    assert [m[0] for m in s["misses"]] == ["1", "2", "3"]
