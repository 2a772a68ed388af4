"""The jam benchmark plays a run once more only when JACK lost events in a run that missed
(bench.jam.play_once_more_if_lost), with fakes for the JACK run."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jambridge.bench import jam

MET = jam.JamRun(
    role="bass", bpm=90.0, riff_notes=10, captured_notes=10, recurrence=(1.0, 1.0), in_key=1.0,
    in_preset_key=1.0, during_capture=0, silent_bars=0, riff_gaps=0, key="D minor", tempo=90.0,
    start_bar=4, underruns=0, xruns=3, lost=0,
)  # fmt: skip
MISSED_AND_LOST = replace(MET, recurrence=(0.9, 1.0), lost=1)
MISSED = replace(MET, recurrence=(0.9, 1.0), lost=0)


@pytest.fixture
def runs(monkeypatch):
    queued: list[jam.JamRun] = []

    def fake_play(server, session, role, bpm, pairs):
        return queued.pop(0)

    monkeypatch.setattr(jam, "play", fake_play)
    return queued


def test_a_run_that_missed_while_jack_lost_events_is_played_once_more(runs):
    runs += [MISSED_AND_LOST, MET]
    run = jam.play_once_more_if_lost(None, None, "bass", 90.0, 2)
    assert run.ok and run.replays == 1 and not runs
    assert "run again" in jam.JamResult((run,)).summary()


def test_a_second_miss_is_the_bridges(runs):
    runs += [MISSED_AND_LOST, MISSED_AND_LOST, MET]
    run = jam.play_once_more_if_lost(None, None, "bass", 90.0, 2)
    assert not run.ok and run.replays == 1 and runs == [MET]


@pytest.mark.parametrize("first", [MET, MISSED])
def test_a_run_is_kept_when_it_met_or_jack_lost_nothing(runs, first):
    runs += [first, MET]
    assert jam.play_once_more_if_lost(None, None, "bass", 90.0, 2) is first and runs == [MET]
