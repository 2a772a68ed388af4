"""The prompt riff in the real window (pytest-qt, offscreen, the shipped model): the file picker
takes MIDI files and LMMS projects and says what the prompt became; keep, develop and continue,
quantize and drumify change the take as they say; a captured riff is a prompt too."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog

from jambridge.bridge.capture import CaptureResult
from jambridge.bridge.events import CaptureSaved
from jambridge.bridge.playback.timeline import bar_to_plain
from jambridge.music import Bar, Note, Song, Track
from jambridge.song_files import read_song
from tests.support.midi_factory import Part, write_midi_file
from tests.support.ui_fixtures import click_generate

pytest_plugins = ["tests.support.ui_fixtures"]  # offscreen Qt, private folders, the window
WAIT_MS = 15_000
# A 2-bar A-minor bass riff on the 16th grid, each bar its own: (pitch, start_beats).
RIFF = (
    ((45, 0.0), (45, 0.75), (48, 1.5), (52, 2.0), (45, 3.0), (43, 3.5)),
    ((45, 0.0), (57, 0.5), (45, 1.25), (55, 2.0), (52, 2.75), (48, 3.5)),
)


def riff_file(tmp_path: Path, late_beats: float = 0.0, name: str = "riff.mid") -> Path:
    """RIFF as a MIDI file at 128 BPM; every onset ``late_beats`` late (as a player might)."""
    notes = [(p, i * 4 + s + late_beats, 0.25, 100) for i, bar in enumerate(RIFF) for p, s in bar]
    part = Part(channel=1, program=38, name="Bass", notes=notes)
    return write_midi_file(tmp_path / name, [part], ppq=480, tempo_bpm=128)


def onsets(song: Song, role: str) -> list[set[tuple[int, float]]]:
    """Per bar: ``role``'s (pitch, onset in the bar) pairs."""
    return [{(n.pitch, round(n.start_beats, 3)) for n in b.track(role).notes} for b in song.bars()]


def load_prompt(qtbot, w, path: Path) -> None:
    """Pick ``path`` in the prompt dialog and wait until the panel shows it."""
    w.generator.choose_prompt(str(path))
    qtbot.waitUntil(lambda: w.generator.prompt_path == str(path), timeout=WAIT_MS)


def take_song(qtbot, w, engine: str = "model", bars: int = 4) -> Song:
    """Click Generate; the new take's .mid file as read back."""
    take = click_generate(qtbot, w, engine, bars)
    assert w.messages.errors() == []
    return read_song(w.studio.store.midi_path(take))[0]


def test_the_prompt_dialog_offers_midi_and_lmms_and_the_report_says_what_it_read(
    qtbot, window, tmp_path, monkeypatch
):
    path = riff_file(tmp_path)
    asked = {}

    def dialog(parent, title, folder, filters):
        asked["filters"] = filters
        return str(path), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", dialog)
    assert not window.generator.riff.isVisibleTo(window.generator)  # no prompt: no riff controls
    qtbot.mouseClick(window.generator.prompt_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.studio.prompt is not None, timeout=WAIT_MS)
    first = asked["filters"].split(";;")[0]
    assert all(f"*{s}" in first for s in (".mid", ".midi", ".mmp", ".mmpz"))
    report = window.messages.info_label.line()
    assert report.startswith("prompt riff.mid: 2 bars; bass <- track 1 'Bass'")
    assert "key A minor" in report and "128 BPM" in report
    assert window.generator.prompt_button.text() == "♪ riff.mid"
    assert window.generator.riff.isVisibleTo(window.generator)
    assert window.transport.bpm_box.value() == 128.0  # the riff's tempo plays


def test_a_role_chosen_for_the_prompt_reads_it_again_and_says_what_changed(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    assert window.studio.prompt.roles == ("bass",)
    window.generator.prompt_role_box.setCurrentText("lead")
    qtbot.waitUntil(lambda: window.studio.prompt.roles == ("lead",), timeout=WAIT_MS)
    warning = [t for level, t in window.messages.history if level == "warning"][-1]
    assert "prompt role lead: the prompt's track 1 'Bass'" in warning and "--" not in warning
    song = take_song(qtbot, window)
    assert onsets(song, "lead") == [set(RIFF[i % 2]) for i in range(4)]


def test_an_lmms_project_is_a_prompt(qtbot, window, tmp_path):
    notes = "".join(
        f'<note key="{p - 12}" pos="{int(s * 48)}" len="12" vol="100" pan="0"/>'
        for bar in RIFF[:1]
        for p, s in bar
    )  # fmt: skip  (LMMS 1.2 keys sit 12 below MIDI; 48 ticks a beat)
    xml = (
        '<?xml version="1.0"?>\n<!DOCTYPE lmms-project>\n<lmms-project version="1.0" '
        'creator="LMMS" creatorversion="1.2.0" type="song"><head bpm="124" masterpitch="0" '
        'timesig_numerator="4" timesig_denominator="4" mastervol="100"/><song>'
        '<trackcontainer type="song"><track type="0" name="Bass" muted="0" solo="0">'
        '<instrumenttrack vol="100" pan="0" pitch="0" basenote="57"><instrument name="lb302">'
        '<lb302/></instrument></instrumenttrack><pattern type="1" name="c" pos="0" len="192" '
        f'muted="0" steps="16">{notes}</pattern></track></trackcontainer></song></lmms-project>'
    )
    path = tmp_path / "riff.mmp"
    path.write_text(xml)
    load_prompt(qtbot, window, path)
    assert window.studio.prompt.roles == ("bass",)
    assert window.messages.info_label.line().startswith("prompt riff.mmp: 1 bar; bass <- ")
    assert window.transport.bpm_box.value() == 124.0
    song = take_song(qtbot, window, bars=2)
    assert all(bar == {(p, s) for p, s in RIFF[0]} for bar in onsets(song, "bass"))


def test_keep_loops_the_riff_while_the_band_plays_around_it(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    window.generator.riff.set_mode("keep")
    song = take_song(qtbot, window)
    assert onsets(song, "bass") == [set(RIFF[i % 2]) for i in range(4)]
    assert {"drums", "chords", "lead"} <= set(song.roles)
    assert song.tempo_bpm == 128.0


def test_develop_varies_the_riff_and_brings_it_back(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    riff = window.generator.riff
    assert riff.kind_box.isHidden()  # develop's row shows in develop mode only
    riff.set_mode("develop")
    assert not any(w.isHidden() for w in riff.develop_widgets)
    riff.kind_box.setCurrentText("rhythm")
    riff.amount_box.setValue(1.0)
    riff.return_box.setValue(4)
    bars = onsets(take_song(qtbot, window, bars=8), "bass")
    for i in (0, 1, 4, 5):  # the riff, back every 4 bars
        assert bars[i] == set(RIFF[i % 2])
    for i in (2, 3, 6, 7):  # its rhythm with other notes
        assert {s for _, s in bars[i]} == {s for _, s in RIFF[i % 2]}
        assert bars[i] != set(RIFF[i % 2])


def test_continue_plays_the_riff_once_then_the_model_carries_on(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    window.generator.riff.set_mode("continue")
    bars = onsets(take_song(qtbot, window), "bass")
    assert bars[:2] == [set(RIFF[0]), set(RIFF[1])]
    assert bars[2:] != [set(RIFF[0]), set(RIFF[1])]


@pytest.mark.parametrize("amount", [0.0, 1.0])
def test_quantize_pulls_a_late_riff_onto_the_grid(qtbot, window, tmp_path, amount):
    load_prompt(qtbot, window, riff_file(tmp_path, late_beats=0.05))
    window.generator.riff.quantize_box.setValue(amount)
    song = take_song(qtbot, window, engine="procedural")
    off_grid = [n for n in song.track("bass").notes if (n.start_beats * 4) % 1 > 1e-6]
    assert (not off_grid) if amount == 1.0 else len(off_grid) == len(song.track("bass").notes)


@pytest.mark.parametrize("drumify", [False, True])
def test_drumify_writes_drums_to_a_bass_riff(qtbot, window, tmp_path, drumify):
    window.lanes["drums"].enabled_box.setChecked(False)
    load_prompt(qtbot, window, riff_file(tmp_path))
    window.generator.riff.drumify_box.setChecked(drumify)
    song = take_song(qtbot, window)
    assert (song.track("drums") is not None) == drumify


def test_a_return_period_the_riff_does_not_fit_is_an_error_line(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    window.generator.riff.set_mode("develop")
    window.generator.riff.return_box.setValue(2)  # the riff is 2 bars: nothing to develop
    qtbot.mouseClick(window.generator.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.messages.errors()), timeout=WAIT_MS)
    assert "riff return 2 must be longer than the riff (2 bars)" in window.messages.errors()[-1]
    assert window.generator.button.isEnabled()


def test_clearing_the_prompt_hides_the_riff_controls(qtbot, window, tmp_path):
    load_prompt(qtbot, window, riff_file(tmp_path))
    qtbot.mouseClick(window.generator.clear_button, Qt.MouseButton.LeftButton)
    assert window.studio.prompt is None and window.generator.riff_settings() is None
    assert not window.generator.riff.isVisibleTo(window.generator)
    assert window.generator.prompt_button.text() == "Prompt riff…"


def test_a_captured_riff_is_a_prompt_the_take_keeps(qtbot, scripted, tmp_path):
    w, session = scripted
    bars = tuple(
        Bar((Track("bass", tuple(Note(p, s, 0.25, 100) for p, s in riff)),)) for riff in RIFF
    )
    result = CaptureResult("armed", "bass", 4, tuple(bar_to_plain(b) for b in bars), 128.0)
    with qtbot.waitSignal(w.studio.takes_changed, timeout=WAIT_MS):
        session.send(CaptureSaved(result, str(tmp_path / "capture.mid")))
    qtbot.waitUntil(lambda: w.takes.current_take() is not None, timeout=WAIT_MS)
    assert w.takes.current_take().kind == "captured"
    w.live.stop()
    qtbot.waitUntil(lambda: not w.live.running, timeout=WAIT_MS)
    qtbot.mouseClick(w.generator.take_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.studio.prompt is not None, timeout=WAIT_MS)
    assert w.studio.prompt.roles == ("bass",)
    w.generator.riff.set_mode("keep")
    song = take_song(qtbot, w)
    assert onsets(song, "bass") == [set(RIFF[i % 2]) for i in range(4)]
