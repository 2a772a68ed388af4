"""The live controls reach the music: the bar source the bridge's generator process runs, asked
bar by bar as the bridge asks, with the shipped model (and the procedural engine for groove).
The full measurement is ``python -m jambridge.evaluation.live_control_check --json``."""

from __future__ import annotations

from argparse import Namespace

import pytest

from jambridge.engine.offline import open_model
from jambridge.evaluation.live_control_check import bin_hits, density_sweep, grid_share
from jambridge.music import ROLES

ARGS = Namespace(bars=24, preset="techno", seed=3, model=None)


def test_the_density_sliders_ends_differ_at_least_twice_in_every_track():
    sweep = density_sweep("model", ARGS)
    assert all(sweep["ratio"][r] >= 2.0 for r in ROLES), sweep


@pytest.mark.parametrize("kind", ["poly", "dur"])
def test_every_polyphony_and_duration_bin_a_knob_asks_for_is_played(kind):
    hits = bin_hits(kind, Namespace(**{**vars(ARGS), "bars": 20}), open_model().tokenizer())
    assert hits and min(hits.values()) >= 0.9, hits


@pytest.mark.parametrize("engine", ["model", "procedural"])
def test_groove_zero_puts_every_onset_on_the_grid(engine):
    share = grid_share(engine, ARGS)
    assert share["groove_0"] == 1.0 and share["groove_1"] < 0.95, share


def test_a_refill_of_a_kept_riff_is_filled_in_to_lead_back_into_it(monkeypatch):
    """Refill 2 bars of a kept bass riff with the shipped model: the model's bar fill writes
    them (hearing the bars before and the riff's return after), they differ from the riff, they
    are played in turn (a retracted one comes again), and the riff returns in its place."""
    from jambridge.bridge import controls as ctl
    from jambridge.bridge.playback.bar_source import BarRequest, SourceSpec, build_source
    from jambridge.bridge.playback.pipe import RiffCue
    from jambridge.bridge.playback.riff_source import RiffJam
    from jambridge.bridge.playback.timeline import bar_to_plain
    from jambridge.music import Bar, Note
    from jambridge.roles import default_track

    bass = default_track("bass")
    riff = (
        Bar((bass.with_notes([Note(45, 0, 0.5, 100), Note(48, 1.5, 0.5, 100)]),)),
        Bar((bass.with_notes([Note(43, 0, 0.5, 100), Note(40, 2.5, 1.0, 100)]),)),
    )
    import jambridge.engine.live as live
    from jambridge.engine.infill import infill as bar_fill

    slots = []  # the bar fill's slots, each time it ran to the end

    def counting(gen, song, wanted, *rest):
        out = bar_fill(gen, song, wanted, *rest)
        slots.append(sorted(wanted))
        return out

    monkeypatch.setattr(live, "infill", counting)
    jam = RiffJam(build_source(SourceSpec(engine="model", preset="techno", seed=2)), seed=2)
    request = BarRequest(ctl.Controls())
    jam.next_bar(request)
    jam.prompt(RiffCue(tuple(bar_to_plain(b) for b in riff), "bass", ctl.LIVE_RIFF, "start"))
    bars = [jam.next_bar(request) for _ in range(2)]  # riff bars 0, 1
    first = jam.next_bar(BarRequest(ctl.Controls(), refill={"bass": 2}))
    jam.retract()
    assert jam.next_bar(BarRequest(ctl.Controls(), refill={"bass": 2})) == first
    bars += [first, jam.next_bar(BarRequest(ctl.Controls(), refill={"bass": 1}))]
    bars += [jam.next_bar(request) for _ in range(2)]
    notes = [b.track("bass").notes for b in bars]
    assert len(slots) == 1 and [r for _, r in slots[0]] == ["bass", "bass"]
    assert notes[0] == notes[4] == riff[0].tracks[0].notes
    assert notes[1] == notes[5] == riff[1].tracks[0].notes
    assert notes[2] != notes[0] and notes[3] != notes[1]
