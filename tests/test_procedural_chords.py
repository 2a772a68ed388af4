"""The procedural chords answer the density knob (issue 12: the sliders' ends differ >= 2x in
notes per bar): one defining stab per chord at 0, every stab, echo and pad re-strike at 1, the
shipped defaults above the core's threshold. The full measurement is ``python -m
jambridge.evaluation.control_check --engine procedural`` (offline) and ``python -m
jambridge.evaluation.live_control_check --engine procedural --preset NAME`` (live)."""

from __future__ import annotations

import json

import pytest

from jambridge.evaluation.control_check import main as control_check
from jambridge.music import GRID_PER_BEAT, ROLES
from jambridge.preset import list_presets, load_preset
from jambridge.procedural import STYLES, ProceduralBarSource, generate_song
from jambridge.procedural.harmony import CORE_RANK, LEVEL_DENSITY
from jambridge.procedural.styles import STYLE_TABLE

SWEEP_PRESETS = ("techno", "deephouse", "dub", "electro")  # stab, offbeat, dub, sparse stab
SWEEP_BARS = 300


def _stream(preset_name: str, chords: float, seed: int = 0) -> ProceduralBarSource:
    """The endless stream the live jam plays for a shipped preset, chords at ``chords``."""
    preset = load_preset(preset_name)
    density = {r: preset.tracks[r].density for r in ROLES} | {"chords": chords}
    return ProceduralBarSource(preset.style, seed, preset.key, None, ROLES, density)


def _onsets(notes) -> set[int]:
    return {round(n.start_beats * GRID_PER_BEAT) for n in notes}


@pytest.mark.parametrize("preset", SWEEP_PRESETS)
def test_chord_notes_per_bar_at_density_1_are_at_least_twice_those_at_0(preset):
    means = {}
    for d in (0.0, 1.0):
        src = _stream(preset, d)
        means[d] = sum(len(src.next_bar().track("chords").notes) for _ in range(SWEEP_BARS))
    assert means[0.0] > 0 and means[1.0] >= 2 * means[0.0], means


@pytest.mark.parametrize("style", STYLES)
def test_density_0_strikes_each_bars_chord_once(style):
    for seed in range(3):
        song = generate_song(style, 64, seed, roles=("chords",), density={"chords": 0.0})
        for bar in song.bars():
            assert len(_onsets(bar.track("chords").notes)) <= 1, (seed, bar.track("chords"))


def test_pads_are_struck_again_on_beat_3_only_at_the_busiest_density():
    pads = [i for i in range(200) if _stream("techno", 0).plan_at(i).level("chords") == 1]
    assert pads
    for d, expected in ((0.0, {0}), (0.9, {0}), (1.0, {0, 2 * GRID_PER_BEAT})):
        src = _stream("techno", d)
        assert all(_onsets(src.bar_at(i).track("chords").notes) == expected for i in pads), d


@pytest.mark.parametrize("density", (0.0, 1.0))
@pytest.mark.parametrize("preset", list_presets())
def test_chords_stay_in_key_at_either_end(preset, density):
    key = load_preset(preset).key
    src = _stream(preset, density)
    notes = [n for _ in range(64) for n in src.next_bar().track("chords").notes]
    assert notes and all(n.pitch % 12 in key.pitch_classes for n in notes)


def test_every_shipped_default_plays_the_whole_core():
    """Defaults play every core stab (as before the density-0 stab alone existed): each style's
    and preset's chord density, times the smallest level factor, lies above CORE_RANK."""
    factor = min(f for f in LEVEL_DENSITY if f > 0)
    defaults = [STYLE_TABLE[s].density["chords"] for s in STYLES]
    defaults += [load_preset(p).tracks["chords"].density for p in list_presets()]
    assert min(defaults) * factor > CORE_RANK, (min(defaults), factor)


def test_control_check_reports_the_procedural_sweep_per_role(capsys):
    assert control_check(["--engine", "procedural", "--bars", "140", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    sweep = out["procedural"]["density_sweep"]
    assert set(sweep["ratio"]) == set(ROLES) and "kinds" not in out
    assert sweep["every_role_2x"] == all(v >= 2 for v in sweep["ratio"].values())
    assert sweep["ratio"]["chords"] >= 2, sweep
