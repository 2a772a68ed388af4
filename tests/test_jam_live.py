"""The live jam, in the scheduler simulation (the test pattern as the source, every onset known):
a captured riff plays from the bar line the capture ends on, kept, quantized as asked, its role
ducked while it is recorded; riff settings, refill and track controls reach the bars."""

from __future__ import annotations

import pytest

from jambridge.bridge import controls as ctl
from jambridge.bridge.events import BarPlayed, ControlsChanged, LogLine, RiffChanged
from jambridge.bridge.playback.sources import PATTERN_LEAD_BASE
from jambridge.errors import JamBridgeError
from jambridge.riff.settings import RiffSettings
from tests.test_scheduler import Sim, pulse_time_of_tick, started

DRUMS, BASS, CHORDS, LEAD = 9, 1, 2, 3
CHANNEL = {"drums": DRUMS, "bass": BASS, "chords": CHORDS, "lead": LEAD}
# a 2-bar A-minor bass riff: (tick from the riff's first bar line, pitch, length in ticks)
RIFF = [(0, 45, 10), (12, 45, 10), (36, 48, 6), (72, 52, 10), (96, 43, 10), (132, 45, 22)]
DRUM_RIFF = [(0, 36, 2), (24, 38, 2), (36, 36, 2), (48, 36, 2), (72, 38, 2), (90, 42, 2)]


def play(sim: Sim, first: int, bar: int, notes, channel: int = 0, late_ms: float = 0.0) -> None:
    """Queue ``notes`` on the input from song bar ``bar``'s line, each ``late_ms`` late."""
    t0 = pulse_time_of_tick(sim, first, bar * 96)
    for tick, pitch, length in notes:
        at = t0 + tick * sim.period + late_ms / 1000
        sim.send_input([0x90 | channel, pitch, 100], at=at)
        sim.send_input([0x80 | channel, pitch, 0], at=at + length * sim.period)


def run_to_bar(sim: Sim, first: int, bar: float) -> None:
    """Run until song bar ``bar`` (0-based, fractions: into it) has begun."""
    sim.run_for(pulse_time_of_tick(sim, first, bar * 96) - sim.clock.now() + 1e-3)


def onsets(sim: Sim, first: int, channel: int, bar_from: int, bar_to: int) -> list[tuple]:
    """(tick from ``bar_from``'s line, pitch) of the notes sent on ``channel`` in those bars."""
    t0 = pulse_time_of_tick(sim, first, bar_from * 96)
    t1 = pulse_time_of_tick(sim, first, bar_to * 96)
    return [
        (round((t - t0) / sim.period, 3), m[1])
        for t, m in sim.note_ons(channel)
        if t0 - 1e-6 <= t < t1 - 1e-6
    ]


def captured(sim: Sim, command, notes=RIFF, channel: int = 0, late_ms: float = 0.0) -> int:
    """Start, arm ``command`` in bar 1 (so the capture takes bars 2-3), play ``notes`` there;
    returns the index of the pulse that is tick 0."""
    first = len(sim.pulse_log)
    sim.run_beats(4.5)
    sim.sched.post(command)
    sim.run_beats(0.1)
    play(sim, first, 2, notes, channel, late_ms)
    return first


def riff_changes(sim: Sim) -> list:
    return [e.riff for e in sim.events if isinstance(e, RiffChanged)]


def test_a_kept_riff_loops_from_the_bar_line_the_capture_ends_on():
    """No bar lost between the capture and the riff, every bar pair after it is the riff, on
    the grid though it was played 20 ms late (the default quantize: the 16th grid)."""
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0), late_ms=20)
    run_to_bar(sim, first, 10)
    want = [(t, p) for t, p, _ in RIFF]
    for pair in (4, 6, 8):
        assert onsets(sim, first, BASS, pair, pair + 2) == want
    played = [e.index for e in sim.events if isinstance(e, BarPlayed)]
    assert played == list(range(len(played)))  # every bar line took a bar


def test_quantize_zero_keeps_the_timing_as_played():
    sim = started(128)
    riff = RiffSettings(quantize=0.0)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0, riff=riff), late_ms=20)
    run_to_bar(sim, first, 6)
    late_ticks = 0.020 / sim.period
    got = onsets(sim, first, BASS, 4, 6)
    assert [p for _, p in got] == [p for _, p, _ in RIFF]
    for (tick, _), (want, _, _) in zip(got, RIFF, strict=True):
        assert tick == pytest.approx(want + late_ticks, abs=0.05)


def test_the_captured_role_is_silent_while_armed_and_recording_and_back_with_the_riff():
    sim = started(128)
    first = len(sim.pulse_log)
    sim.run_beats(4.5)
    assert onsets(sim, first, BASS, 0, 1)  # JamBridge's bass plays before
    sim.sched.post(ctl.ArmCapture(2, "bass", channel=0))
    sim.run_beats(0.1)
    armed_at = (sim.clock.now() - pulse_time_of_tick(sim, first, 0)) / sim.period
    play(sim, first, 2, RIFF)
    run_to_bar(sim, first, 5)
    assert [t for t, _ in onsets(sim, first, BASS, 0, 4) if t >= armed_at] == []
    assert sim.sched.snapshot.ducked is None
    assert onsets(sim, first, BASS, 4, 5)  # the riff
    assert onsets(sim, first, DRUMS, 2, 4) and onsets(sim, first, LEAD, 2, 4)  # the rest plays


def test_without_duck_the_role_plays_on_while_recording():
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0, duck=False))
    run_to_bar(sim, first, 4)
    assert len([p for _, p in onsets(sim, first, BASS, 2, 4) if p in (33, 45)]) >= 16


def test_a_drum_riff_keeps_its_hits_and_the_pattern_plays_around_it():
    sim = started(174)
    first = captured(sim, ctl.ArmCapture(2, "drums", channel=9), DRUM_RIFF, channel=9)
    run_to_bar(sim, first, 8)
    want = [(t, p) for t, p, _ in DRUM_RIFF]
    assert sorted(onsets(sim, first, DRUMS, 4, 6)) == sorted(want)
    assert sorted(onsets(sim, first, DRUMS, 6, 8)) == sorted(want)
    assert onsets(sim, first, BASS, 4, 6)


def test_a_retro_capture_plays_from_the_next_bar_line():
    sim = started(128)
    first = len(sim.pulse_log)
    sim.run_beats(1)
    play(sim, first, 2, RIFF)
    run_to_bar(sim, first, 4.2)  # bars 2-3 played, now in bar 4
    sim.sched.post(ctl.RetroCapture(2, "bass", channel=0))
    run_to_bar(sim, first, 7)
    want = [(t, p) for t, p, _ in RIFF]
    assert onsets(sim, first, BASS, 5, 7) == want


def test_the_riff_is_told_with_its_key_tempo_and_first_bar():
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0))
    run_to_bar(sim, first, 5)
    riffs = riff_changes(sim)
    assert riffs and riffs[-1].key == "A minor" and riffs[-1].start_bar == 4
    assert riffs[-1].bpm == pytest.approx(128, abs=0.5) and riffs[-1].settings.mode == "keep"
    assert sim.sched.snapshot.riff == riffs[-1]


def test_a_riff_into_a_muted_role_unmutes_it():
    sim = started(128)
    sim.sched.post(ctl.SetTrack("lead", mute=True))
    first = captured(sim, ctl.ArmCapture(2, "lead", channel=0))
    run_to_bar(sim, first, 6)
    assert [p for _, p in onsets(sim, first, LEAD, 4, 6)] == [p for _, p, _ in RIFF]
    changed = [e.controls for e in sim.events if isinstance(e, ControlsChanged)]
    assert not changed[-1].track("lead").mute


def test_develop_varies_the_riff_and_brings_it_back_every_period():
    sim = started(128)
    develop = RiffSettings(mode="develop", amount=1.0, kind="notes", return_every=4, quantize=1)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0, riff=develop))
    run_to_bar(sim, first, 10)
    want = [(t, p) for t, p, _ in RIFF]
    assert onsets(sim, first, BASS, 4, 6) == want == onsets(sim, first, BASS, 8, 10)
    assert onsets(sim, first, BASS, 6, 8) != want


def test_set_riff_changes_the_mode_and_drop_riff_ends_it():
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0))
    run_to_bar(sim, first, 5.2)
    sim.sched.post(ctl.SetRiff(mode="continue"))  # in bar 5: the riff played once (bars 4-5)
    run_to_bar(sim, first, 8)
    assert [p for _, p in onsets(sim, first, BASS, 6, 8)] != [p for _, p, _ in RIFF]
    assert riff_changes(sim)[-1].settings.mode == "continue"
    sim.sched.post(ctl.DropRiff())
    run_to_bar(sim, first, 9)
    assert riff_changes(sim)[-1] is None


def test_refill_plays_fresh_bars_then_the_riff_again_in_its_place():
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0))
    run_to_bar(sim, first, 5.2)
    sim.sched.post(ctl.Refill("bass", 2))  # the riff's role: from the bar after bar 6
    run_to_bar(sim, first, 12)
    want = [(t, p) for t, p, _ in RIFF]
    assert onsets(sim, first, BASS, 4, 6) == want
    assert onsets(sim, first, BASS, 6, 7) == [(t, p) for t, p in want if t < 96]
    pattern = onsets(sim, first, BASS, 7, 9)
    assert pattern and {p for _, p in pattern} == {33, 45}  # the source's own bass
    assert onsets(sim, first, BASS, 9, 10) == [(t - 96, p) for t, p in want if t >= 96]
    assert onsets(sim, first, BASS, 10, 12) == want


def test_refill_pauses_a_lock_for_its_bars():
    sim = started(128)
    first = len(sim.pulse_log)
    sim.run_beats(1)
    sim.sched.post(ctl.SetTrack("lead", lock=True))  # loops bar 1's lead (60) from bar 2
    sim.run_beats(4 * 2)
    sim.sched.post(ctl.Refill("lead", 1))
    sim.run_beats(4 * 3)
    leads = [p for _, p in onsets(sim, first, LEAD, 1, 6)]
    assert leads[0] == leads[1] == leads[-1] == PATTERN_LEAD_BASE
    assert any(p != PATTERN_LEAD_BASE for p in leads[2:-1])


def test_track_controls_reach_the_requests_and_the_events():
    sim = started(128)
    sim.run_beats(1)
    sim.sched.post(ctl.SetTrack("lead", poly=1, dur=3, groove=0.0))
    sim.run_beats(4 * 2)
    track = sim.gen.requests[-1].request.controls.track("lead")
    assert (track.poly, track.dur, track.groove) == (1, 3, 0.0)
    changed = [e.controls for e in sim.events if isinstance(e, ControlsChanged)]
    assert changed[-1].track("lead").dur == 3
    assert sim.sched.snapshot.controls.track("lead").poly == 1
    sim.sched.post(ctl.SetTrack("lead", poly=ctl.AUTO))
    sim.run_beats(1)
    assert sim.sched.snapshot.controls.track("lead").poly is None


def test_drumify_on_a_drum_riff_is_refused_with_a_reason():
    with pytest.raises(JamBridgeError, match="drumify writes the drums from a bass"):
        ctl.ArmCapture(2, "drums", riff=RiffSettings(drumify=True))
    sim = started(174)
    first = captured(sim, ctl.ArmCapture(2, "drums", channel=9), DRUM_RIFF, channel=9)
    run_to_bar(sim, first, 5)
    sim.sched.post(ctl.SetRiff(drumify=True))
    run_to_bar(sim, first, 6)
    assert not sim.sched.snapshot.riff.settings.drumify
    assert any(isinstance(e, LogLine) and "drumify" in e.text for e in sim.events)


def procedural_sim(bpm: float) -> Sim:
    """The Sim with the rule-based generator (preset techno, A minor) as the source."""
    from jambridge.bridge.playback.bar_source import SourceSpec
    from jambridge.bridge.playback.lookahead import BarFeed
    from jambridge.bridge.playback.sources import ProceduralAdapter
    from jambridge.bridge.playback.streaming import InlineGenerator
    from jambridge.bridge.session import controls_from_preset
    from jambridge.preset import load_preset

    sim = Sim(bpm)
    sim.gen = InlineGenerator(ProceduralAdapter(SourceSpec(preset="techno", bpm=bpm)))
    controls = controls_from_preset(load_preset("techno"), "techno")
    sim.feed = sim.sched.feed = BarFeed(sim.gen, controls)
    sim.feed.start()
    sim.run_beats(2)
    sim.at_pulse_boundary([0xFA])
    return sim


D_MINOR_RIFF = [(0, 38, 10), (18, 38, 4), (36, 41, 10), (60, 45, 6), (72, 43, 10), (96, 38, 10),
                (114, 50, 4), (132, 48, 10), (156, 45, 6), (174, 46, 12)]  # fmt: skip


def test_the_procedural_engine_keeps_the_riff_from_its_bar_line_in_its_key():
    """The issue's finding (a riff from bar 8, after a silent bar, 20 ms late) is gone: from
    the bar line the capture ends on, the riff on the grid; the other parts in its key."""
    sim = procedural_sim(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0), D_MINOR_RIFF, late_ms=20)
    run_to_bar(sim, first, 22)
    want = [(t, p) for t, p, _ in D_MINOR_RIFF]
    assert onsets(sim, first, BASS, 4, 6) == want == onsets(sim, first, BASS, 20, 22)
    d_minor = {2, 4, 5, 7, 9, 10, 0}
    others = [p for ch in (CHORDS, LEAD) for _, p in onsets(sim, first, ch, 5, 22)]
    assert others and all(p % 12 in d_minor for p in others)
    assert riff_changes(sim)[-1].key == "D minor"


def test_a_late_bar_does_not_move_a_kept_riff_off_the_songs_bars():
    """The generator misses bar 7's line (it repeats bar 6's other tracks): the riff still
    plays the loop's bar for each song bar, and the late bar plays one line later."""
    sim = started(128)
    first = captured(sim, ctl.ArmCapture(2, "bass", channel=0))
    run_to_bar(sim, first, 5.9)  # bar 6 is there; bar 7, asked for at line 6, comes late
    sim.gen.hold = True
    run_to_bar(sim, first, 7.5)
    sim.gen.hold = False
    run_to_bar(sim, first, 10)
    assert sim.sched.snapshot.underruns >= 1
    want = [(t, p) for t, p, _ in RIFF]
    for pair in (4, 6, 8):
        assert onsets(sim, first, BASS, pair, pair + 2) == want
