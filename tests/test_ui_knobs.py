"""A lane's groove slider and polyphony / duration knobs in the real window (pytest-qt,
offscreen, the shipped model): each shows its value, says what it asks for, and changes the
take as it says; the bins are the tokenizer's, named as a producer reads them."""

from __future__ import annotations

import mido
import pytest

from jambridge.music import Song
from jambridge.preset import load_preset
from jambridge.song_files import read_song
from jambridge.tokenizer import TokenizerConfig
from jambridge.ui.control_bins import bin_labels, knob_items, knob_kinds
from tests.support.ui_fixtures import click_generate

pytest_plugins = ["tests.support.ui_fixtures"]  # offscreen Qt, private folders, the window
WAIT_MS = 15_000
GRID_TICKS = 480 // 12  # a written file's 480 ticks a beat over the 12-per-beat grid


def generate(qtbot, w, seed: int = 0, bars: int = 4):
    """Generate with the model on a fixed seed; the new take."""
    take = click_generate(qtbot, w, "model", bars, seed=seed)
    assert w.messages.errors() == []
    return take


def onset_ticks(path, name: str) -> list[int]:
    """The note-on ticks of track ``name`` in a written file."""
    track = next(t for t in mido.MidiFile(path).tracks if t.name == name)
    ticks, now = [], 0
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity:
            ticks.append(now)
    return ticks


def most_at_once(notes) -> int:
    events = sorted([(n.start_beats, 1) for n in notes] +
                    [(n.start_beats + n.duration_beats, -1) for n in notes])  # fmt: skip
    sounding = most = 0
    for _, step in events:
        sounding += step
        most = max(most, sounding)
    return most


def per_bar(song: Song, role: str) -> list[list]:
    """``role``'s notes by the bar they start in."""
    bars: list[list] = [[] for _ in range(song.length_bars)]
    for n in song.track(role).notes:
        bars[int(n.start_beats // 4)].append(n)
    return bars


def test_the_knobs_offer_auto_and_the_tokenizers_bins():
    config = TokenizerConfig()
    assert bin_labels("poly") == ("1", "2", "3", "4-5", "6+")
    assert bin_labels("dur") == ("≤1/16", "≤1/8", "≤1/4", "≤1/2", ">1/2")
    for kind in ("poly", "dur"):
        items = knob_items(kind)
        assert items[0] == (f"{kind} auto", None)
        assert [b for _, b in items[1:]] == list(range(config.control_bins(kind)))
    assert knob_kinds("drums") == ("poly",) and knob_kinds("bass") == ("poly", "dur")


def test_the_knobs_show_a_presets_values_and_give_them_back(qtbot, window):
    preset = load_preset("techno").with_track("chords", groove=0.5, controls={"poly": 3, "rep": 4})
    window.studio.preset_loaded.emit("techno", preset)
    lane = window.lanes["chords"]
    assert lane.knobs["poly"].currentText() == "poly 4-5"
    assert lane.knobs["dur"].currentText() == "dur auto"
    assert lane._slider_labels["groove"].text() == "0.50"
    assert lane.settings() == preset.tracks["chords"]  # rep has no knob and is kept
    assert "dur" not in window.lanes["drums"].knobs


def test_moving_a_knob_says_what_it_asks_for(qtbot, window):
    lane = window.lanes["bass"]
    with qtbot.waitSignal(lane.control_changed, timeout=1000) as poly:
        lane.set_knob("poly", 0)
    assert poly.args == ["bass", "poly", 0]
    with qtbot.waitSignal(lane.control_changed, timeout=1000) as auto:
        lane.set_knob("poly", None)
    assert auto.args == ["bass", "poly", None]
    with qtbot.waitSignal(lane.control_changed, timeout=1000) as groove:
        lane.sliders["groove"].setValue(25)
    assert groove.args == ["bass", "groove", 0.25]
    assert lane._slider_labels["groove"].text() == "0.25"


def test_groove_at_zero_puts_every_drum_onset_on_the_grid(qtbot, make_window):
    w = make_window(preset="deephouse")  # its drums play off the grid at groove 1
    felt = w.studio.store.midi_path(generate(qtbot, w))
    assert any(t % GRID_TICKS for t in onset_ticks(felt, "Drums"))
    w.lanes["drums"].sliders["groove"].setValue(0)
    assert w.lanes["drums"]._slider_labels["groove"].text() == "0.00"
    grid = w.studio.store.midi_path(generate(qtbot, w))
    assert not any(t % GRID_TICKS for t in onset_ticks(grid, "Drums"))
    assert onset_ticks(grid, "Bass") == onset_ticks(felt, "Bass")  # only the drums moved


def test_the_polyphony_knob_at_one_leaves_one_chord_note_sounding(qtbot, window):
    free = read_song(window.studio.store.midi_path(generate(qtbot, window)))[0]
    assert max(most_at_once(bar) for bar in per_bar(free, "chords")) > 1
    window.lanes["chords"].set_knob("poly", 0)
    assert window.lanes["chords"].knobs["poly"].currentText() == "poly 1"
    mono = read_song(window.studio.store.midi_path(generate(qtbot, window)))[0]
    assert [most_at_once(bar) for bar in per_bar(mono, "chords")] == [1] * mono.length_bars


@pytest.mark.parametrize("seed", [0, 1])
def test_the_duration_knob_sets_the_bass_notes_length(qtbot, window, seed):
    """Measured on the take as generated: its .mid cuts a long note where the model strikes
    its pitch again (one channel cannot hold two of one pitch)."""

    def medians(song: Song) -> list[float]:  # the tokenizer's median: the upper middle
        bars = per_bar(song, "bass")[:-1]  # the last bar's notes end at the clip's end
        return [sorted(n.duration_beats for n in bar)[len(bar) // 2] for bar in bars]

    short = window.studio.store.song(generate(qtbot, window, seed))
    assert max(medians(short)) <= 0.5
    window.lanes["bass"].set_knob("dur", 4)
    assert window.lanes["bass"].knobs["dur"].currentText() == "dur >1/2"
    long = window.studio.store.song(generate(qtbot, window, seed))
    assert min(medians(long)) > 2.0
