"""The procedural bass and lead answer the density knob (issue 12: the sliders' ends differ >= 2x
in notes per bar, on every preset): at 0 the bass plays the chord's root on the line's defining
hit and the lead its defining notes (an arp's beats, a motif's heaviest note); at 1 every step
of the line, the bass's ghost notes too; the shipped and data-set densities play as before. The
full measurement is ``python -m jambridge.evaluation.control_check --engine procedural``
(offline) and ``python -m jambridge.evaluation.live_control_check --engine procedural --preset
NAME`` (live)."""

from __future__ import annotations

import pytest

from jambridge.evaluation.control_check import procedural_sweep
from jambridge.music import GRID_PER_BEAT, ROLES, Key
from jambridge.preset import list_presets, load_preset
from jambridge.procedural import STYLES, ProceduralBarSource
from jambridge.procedural import bass as bass_mod
from jambridge.procedural import lead as lead_mod
from jambridge.procedural.arrangement import BarPlan
from jambridge.procedural.chord import diatonic_chord
from jambridge.procedural.given import ChordSpan
from jambridge.procedural.hits import STEP
from jambridge.procedural.styles import STYLE_TABLE, style_params

PITCHED = ("bass", "lead")
SWEEP_BARS = 200
# The densities the data-set builders draw (jambridge.dataset_jobs.process_procedural: 0.15..0.95,
# jambridge.procedural.restyle._drawn: 0.2..0.95): their songs must not change.
DATA_DENSITY = (0.15, 0.95)
KEY = Key(9, "minor")


def _stream(
    preset_name: str, roles: tuple[str, ...], density: float, seed: int = 0
) -> ProceduralBarSource:
    """The endless stream the live jam plays for a shipped preset, ``roles`` at ``density``."""
    preset = load_preset(preset_name)
    dens = {r: preset.tracks[r].density for r in ROLES} | dict.fromkeys(roles, density)
    return ProceduralBarSource(preset.style, seed, preset.key, None, ROLES, dens)


def _plan(bar_in_section: int = 0) -> BarPlan:
    """A full-level bar of a long drop."""
    return BarPlan(0, "drop", bar_in_section, 64, 0, (3, 3, 3, 3), 0, False, True)


def _spans(degree: int) -> tuple[ChordSpan, ...]:
    return (ChordSpan(0, diatonic_chord(KEY, degree, (0, 2, 4))),)


@pytest.mark.parametrize("preset", list_presets())
def test_notes_per_bar_at_density_1_are_at_least_twice_those_at_0(preset):
    notes = {(r, d): 0 for r in PITCHED for d in (0.0, 1.0)}
    for d in (0.0, 1.0):
        src = _stream(preset, PITCHED, d)
        for _ in range(SWEEP_BARS):
            bar = src.next_bar()
            for r in PITCHED:
                notes[r, d] += len(bar.track(r).notes)
    for r in PITCHED:
        assert notes[r, 0.0] > 0 and notes[r, 1.0] >= 2 * notes[r, 0.0], (r, notes)


def test_offline_sweep_doubles_bass_and_lead():
    ratio = procedural_sweep(32, 0)["ratio"]
    assert ratio["bass"] >= 2 and ratio["lead"] >= 2, ratio


@pytest.mark.parametrize("style", STYLES)
def test_density_0_bass_plays_the_chords_root_once_a_bar(style):
    for seed in range(4):
        line = bass_mod.make_bass(style_params(style), KEY, seed, 0, seed % 2 == 1)
        for degree in range(7):
            for bar in (0, 3, 8, 19):  # theme, the phrase's answer, mutated phrases
                hits = bass_mod.bass_bar(line, _plan(bar), _spans(degree), 0.0)
                root = _spans(degree)[0].chord.root
                assert [h.pitch % 12 for h in hits] == [root], (seed, line.kind, degree, bar)


@pytest.mark.parametrize("style", STYLES)
def test_density_0_lead_plays_an_arps_beats_or_a_motifs_defining_note(style):
    for seed in range(6):
        lead = lead_mod.make_lead(style_params(style), KEY, seed, 0, seed % 2 == 1)
        for bar in range(4):
            ticks = [h.tick for h in lead_mod.lead_bar(lead, _plan(bar), _spans(0), 0.0)]
            if lead.kind == "arp":
                assert ticks == [0, 12, 24, 36], (seed, bar)
            else:
                assert len(ticks) == 1, (seed, lead.kind, bar)


@pytest.mark.parametrize("style", STYLES)
def test_ghost_notes_are_soft_and_fill_the_lines_empty_16ths(style):
    for seed in range(6):
        line = bass_mod.make_bass(style_params(style), KEY, seed, 0, False)
        taken = {s.slot.tick // STEP for s in line.steps}
        softest = min(s.slot.velocity for s in line.steps)
        for ghost in line.ghosts:
            assert ghost.slot.tick // STEP not in taken
            assert ghost.slot.velocity < softest and ghost.slot.rank > bass_mod.GHOST_RANK


def test_ghost_notes_play_only_at_the_busiest_density():
    """The data sets' top density plays the line; 1 adds notes between its notes (dub's sub
    bass: two or three notes a bar otherwise)."""
    near, busiest = (_stream("dub", ("bass",), d) for d in (DATA_DENSITY[1], 1.0))
    counts = [0, 0]
    for i in range(128):
        few, more = (s.bar_at(i).track("bass").notes for s in (near, busiest))
        onsets = {round(n.start_beats * GRID_PER_BEAT) for n in more}
        assert {round(n.start_beats * GRID_PER_BEAT) for n in few} <= onsets, i
        counts = [counts[0] + len(few), counts[1] + len(more)]
    assert counts[1] > counts[0], counts


@pytest.mark.parametrize("density", (0.0, 1.0))
@pytest.mark.parametrize("preset", list_presets())
def test_bass_and_lead_stay_in_key_at_either_end(preset, density):
    key = load_preset(preset).key
    src = _stream(preset, PITCHED, density)
    bars = [src.next_bar() for _ in range(64)]
    for role in PITCHED:
        notes = [n for bar in bars for n in bar.track(role).notes]
        assert notes and all(n.pitch % 12 in key.pitch_classes for n in notes), role


@pytest.mark.parametrize("density", (0.0, 1.0))
def test_either_end_is_the_same_for_the_same_seed(density):
    a, b = (_stream("acid", PITCHED, density, seed=5) for _ in range(2))
    assert all(a.next_bar() == b.next_bar() for _ in range(32))


def _defaults(role: str) -> list[float]:
    out = [STYLE_TABLE[s].density[role] for s in STYLES]
    return out + [load_preset(p).tracks[role].density for p in list_presets()] + list(DATA_DENSITY)


def test_shipped_and_data_densities_play_the_whole_core_and_no_ghosts():
    """The bass's core (unscaled) and the lead's core (times the smallest level factor) lie
    below every default and data-set density; the ghosts above them; no other note of a line
    ranks among the core (so those densities play exactly what they played before)."""
    bass = _defaults("bass")
    assert min(bass) > bass_mod.CORE_RANK and max(bass) <= bass_mod.GHOST_RANK, bass
    most_extra = max(k.notes[1] - k.core for k in bass_mod.BASS_KINDS.values())
    assert 1 / most_extra > bass_mod.CORE_RANK
    factor = min(f for f in lead_mod.LEVEL_DENSITY if f > 0)
    lead = _defaults("lead")
    assert min(lead) * factor > lead_mod.CORE_RANK, (min(lead), factor)
    most_extra = max(k.notes[1] - k.core for k in lead_mod.MOTIF_KINDS.values())
    assert min(1 / most_extra, 0.1) > lead_mod.CORE_RANK  # 0.1: an arp's lowest extra rank
