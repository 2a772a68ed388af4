"""The real window, offscreen (pytest-qt): presets drive the controls, generation fills the
lanes, regenerate changes one lane only, drags carry real .mid files, takes survive a restart,
and errors land in the window instead of a traceback."""

from __future__ import annotations

import json
from dataclasses import replace

import miditoolkit
import mido
import pytest
from PyQt6.QtCore import Qt

from jambridge.live_options import DEFAULTS, LiveOptions
from jambridge.music import ROLES, Song
from jambridge.preset import load_preset, user_preset_dir
from tests.support.pids import running
from tests.support.ui_fixtures import click_generate

pytest_plugins = ["tests.support.ui_fixtures"]  # the window fixtures
WAIT_MS = 15_000  # longest wait for a worker result (a loaded 2-core machine)


def notes_by_role(song: Song) -> dict[str, tuple]:
    """role -> the track's notes, for comparing lanes before and after."""
    return {t.role: t.notes for t in song.tracks}


def generate(qtbot, w, engine: str = "procedural", bars: int = 4) -> None:
    """Click Generate and wait until the take is stored and shown."""
    click_generate(qtbot, w, engine, bars)


def test_window_opens_with_the_title_and_a_lane_per_track(window):
    assert window.windowTitle() == "JamBridge"
    assert list(window.lanes) == list(ROLES)
    assert window.presets.current() == "techno"
    assert window.messages.errors() == []


def test_a_preset_change_updates_every_control(qtbot, window):
    acid = load_preset("acid")
    window.presets.select("acid")
    qtbot.waitUntil(lambda: window.studio.preset_name == "acid", timeout=WAIT_MS)
    for role in ROLES:
        assert window.lanes[role].settings() == acid.tracks[role]
    drums = window.lanes["drums"].settings()
    assert (drums.density, drums.temperature, drums.channel) == (0.75, 0.9, 10)
    assert window.lanes["chords"].enabled_box.isChecked() is False
    assert window.transport.bpm_box.value() == acid.bpm
    assert window.presets.description.text() == acid.description


def test_a_bad_user_preset_is_an_error_line_not_a_traceback(qtbot, ui_home, make_window):
    folder = user_preset_dir()
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text(json.dumps({"name": "Broken", "bpm": 900}))
    w = make_window()
    assert "broken" in [w.presets.combo.itemData(i) for i in range(w.presets.combo.count())]
    w.presets.select("broken")
    qtbot.waitUntil(lambda: bool(w.messages.errors()), timeout=WAIT_MS)
    assert "broken.json: bpm must be in range 40.0..300.0, got 900" in w.messages.errors()[-1]
    assert "✖" in w.messages.error_label.text()
    assert w.studio.preset_name == "techno"  # the good preset stays


def test_generate_puts_notes_in_the_enabled_lanes(qtbot, window):
    generate(qtbot, window)
    song = window.studio.timeline.song
    assert song is not None and song.length_bars == 4
    for role in load_preset("techno").enabled_roles:
        assert window.lanes[role].roll.notes_in_view(), f"no notes in the {role} lane"
    assert window.takes.current_take().kind == "generated"
    assert window.generator.button.isEnabled()


def test_regenerate_changes_only_that_lane(qtbot, window):
    generate(qtbot, window)
    before = notes_by_role(window.studio.timeline.song)
    first_take = window.studio.shown_take
    qtbot.mouseClick(window.lanes["bass"].regen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.studio.shown_take.id != first_take.id, timeout=WAIT_MS)
    after = notes_by_role(window.studio.timeline.song)
    assert after["bass"] != before["bass"]
    assert {r: n for r, n in after.items() if r != "bass"} == {
        r: n for r, n in before.items() if r != "bass"
    }
    assert window.studio.shown_take.kind == "regenerated"


def test_regenerate_before_anything_exists_says_what_to_do(qtbot, window):
    qtbot.mouseClick(window.lanes["lead"].regen_button, Qt.MouseButton.LeftButton)
    assert "generate a clip first" in window.messages.errors()[-1]


def test_dragging_a_lane_carries_its_track_as_a_type1_file_with_tempo(qtbot, window):
    generate(qtbot, window)
    mime = window.lanes["bass"].drag_handle.mime_data()
    assert mime is not None and mime.hasUrls()
    path = mime.urls()[0].toLocalFile()
    assert path.endswith(".mid")
    midi = mido.MidiFile(path)
    assert midi.type == 1
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(window.studio.timeline.song.tempo_bpm, abs=0.01)
    score = miditoolkit.MidiFile(path)
    assert [i.name for i in score.instruments] == ["Bass"]
    assert len(score.instruments[0].notes) == len(window.studio.timeline.song.track("bass").notes)
    assert score.instruments[0].program == window.lanes["bass"].settings().program


def test_dragging_a_take_carries_every_track(qtbot, window):
    generate(qtbot, window)
    item = window.takes.list.item(0)
    mime = window.takes.list.mimeData([item])
    score = miditoolkit.MidiFile(mime.urls()[0].toLocalFile())
    song = window.studio.timeline.song
    assert [i.name for i in score.instruments] == ["Drums", "Bass", "Chords", "Lead"]
    assert [i.is_drum for i in score.instruments] == [True, False, False, False]
    assert score.tempo_changes[0].tempo == pytest.approx(song.tempo_bpm, abs=0.01)
    assert sum(len(i.notes) for i in score.instruments) == song.note_count()


def test_a_lane_with_nothing_to_drag_says_so(qtbot, window):
    with qtbot.waitSignal(window.lanes["drums"].drag_handle.refused, timeout=1000):
        assert window.lanes["drums"].drag_handle.mime_data() is None


def test_takes_survive_a_restart(qtbot, ui_home, make_window):
    first = make_window()
    generate(qtbot, first)
    take = first.studio.shown_take
    song = first.studio.timeline.song
    first.close()
    second = make_window()
    qtbot.waitUntil(lambda: second.takes.list.count() == 1, timeout=WAIT_MS)
    assert second.takes.list.item(0).data(Qt.ItemDataRole.UserRole) == take
    second.takes.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: second.studio.shown_take == take, timeout=WAIT_MS)
    shown = second.studio.timeline.song
    assert (shown.tracks, shown.tempo_bpm, shown.key) == (song.tracks, song.tempo_bpm, song.key)


def test_save_as_preset_keeps_the_lanes_and_lists_it(qtbot, window):
    lane = window.lanes["lead"]
    lane.sliders["density"].setValue(85)
    lane.channel_box.setValue(7)
    window.transport.bpm_box.setValue(127.0)
    window.presets.save_requested.emit("My Groove")
    qtbot.waitUntil(lambda: window.presets.current() == "my-groove", timeout=WAIT_MS)
    saved = load_preset("my-groove")
    assert saved.name == "My Groove" and saved.bpm == 127.0
    assert saved.tracks["lead"].density == 0.85 and saved.tracks["lead"].channel == 7
    assert window.presets.combo.currentText() == "My Groove (yours)"


def test_stems_export_writes_a_file_per_track(qtbot, window, tmp_path):
    generate(qtbot, window)
    take = window.takes.current_take()
    folder = tmp_path / "stems"
    window.takes.stems_requested.emit(take, str(folder))
    qtbot.waitUntil(lambda: len(list(folder.glob("*.mid"))) == len(take.roles), timeout=WAIT_MS)
    for path in folder.glob("*.mid"):
        assert len(miditoolkit.MidiFile(path).instruments) == 1


def test_a_bridge_that_cannot_open_is_an_error_line(qtbot, make_window):
    w = make_window(LiveOptions(midi_api="winmm", engine="pattern"))
    qtbot.mouseClick(w.transport.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(w.messages.errors()), timeout=WAIT_MS)
    assert "winmm" in w.messages.errors()[-1]
    assert not w.live.running
    assert w.transport.start_button.isEnabled() and not w.transport.stop_button.isEnabled()


def test_port_pickers_default_to_the_virtual_ports_and_list_the_others(window):
    t = window.transport
    t.set_ports(["Keystep 32", "loopMIDI Port"], ["Live In", "loopMIDI Port"])
    assert t.config().in_port is None and t.config().out_port is None  # virtual by default
    assert [t.in_box.itemData(i) for i in range(t.in_box.count())] == [None, "Keystep 32",
                                                                       "loopMIDI Port"]  # fmt: skip
    t.in_box.setCurrentIndex(1)
    t.set_ports(["Another", "Keystep 32"], [])  # a refresh keeps the choice
    assert t.config().in_port == "Keystep 32"
    t.prefer_ports(None, "Given Out")
    assert t.config().out_port == "Given Out"


def test_the_command_line_ports_are_preselected(make_window):
    w = make_window(LiveOptions(in_port="JamBridge In 1", out_port="JamBridge Out 2"))
    assert (w.transport.config().in_port, w.transport.config().out_port) == (
        "JamBridge In 1",
        "JamBridge Out 2",
    )


def test_the_window_starts_from_the_library_defaults(window):
    assert window.options == LiveOptions() == DEFAULTS
    assert window.generator.engine() == DEFAULTS.engine  # offline generation: auto too


def test_start_takes_the_command_line_options_and_what_the_window_says(qtbot, qapp, ui_home):
    from jambridge.ui.app import build_window
    from tests.support.ui_fixtures import ScriptedSession

    sessions = []

    def factory(settings, on_event):
        sessions.append(ScriptedSession(settings, on_event))
        return sessions[-1]

    given = LiveOptions(
        engine="pattern",
        midi_api="jack",
        seed=7,
        model="m.onnx",
        ccmap="cc.json",
        capture_dir=str(ui_home / "caps"),
        realtime=False,
    )
    w = build_window(given, takes_dir=ui_home / "takes", factory=factory, list_ports=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.studio.preset is not None, timeout=WAIT_MS)
    w.transport.set_clock("internal")
    w.transport.bpm_box.setValue(140.0)
    w.transport.latency_box.setValue(12.0)
    w.lanes["lead"].channel_box.setValue(7)
    qtbot.mouseClick(w.transport.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.live.running, timeout=WAIT_MS)
    channels = (("drums", 9), ("bass", 1), ("chords", 2), ("lead", 6))
    assert sessions[0].settings == replace(
        given, preset="techno", clock="internal", bpm=140.0, latency_ms=12.0, channels=channels
    )
    w.live.stop()
    w.live.adapter.wait(WAIT_MS)


def test_two_lanes_on_one_channel_is_an_error_line_at_start(qtbot, window):
    window.lanes["bass"].channel_box.setValue(10)  # drums' channel
    qtbot.mouseClick(window.transport.start_button, Qt.MouseButton.LeftButton)
    assert "drums and bass are both on MIDI channel 10" in window.messages.errors()[-1]
    assert not window.live.running and not window.live.adapter.busy


def test_the_clock_picker_offers_link_and_its_tempo_box(qtbot, window):
    box = window.transport.clock_box
    clocks = [box.itemData(i) for i in range(box.count())]
    assert clocks == ["external", "internal", "link"]
    box.setCurrentIndex(clocks.index("external"))
    assert not window.transport.bpm_box.isEnabled()
    box.setCurrentIndex(clocks.index("link"))  # Link's tempo is ours to propose
    assert window.transport.bpm_box.isEnabled()
    assert "Ableton Link" in [box.itemText(i) for i in range(box.count())]


def _generation_children() -> list[int]:
    """Process ids of the app's generation process (none when it is not started)."""
    from jambridge.ui.offline_process import OFFLINE

    pool = OFFLINE._pool
    return [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]


def test_closing_the_window_ends_a_generation_under_way(qtbot, window):
    """Quitting never waits for a generation: its process is killed, and the next window's
    generation starts another."""
    from jambridge.bench.jack import wait_until

    window.generator.bars_box.setValue(64)
    window.generate()
    qtbot.waitUntil(lambda: window.studio.generating and bool(_generation_children()))
    pids = _generation_children()
    window.close()
    assert wait_until(lambda: not any(running(p) for p in pids), timeout_s=5)
    qtbot.waitUntil(lambda: not window.studio.generating, timeout=WAIT_MS)  # the worker is free


def test_regenerate_while_a_generation_runs_says_so(qtbot, window):
    generate(qtbot, window)
    window.generator.bars_box.setValue(64)
    window.generate()
    assert window.studio.generating
    qtbot.mouseClick(window.lanes["bass"].regen_button, Qt.MouseButton.LeftButton)
    level, text = window.messages.history[-1]
    assert level == "info" and text.endswith("a generation is under way: try again when it is done")
    qtbot.waitUntil(lambda: not window.studio.generating, timeout=WAIT_MS)
