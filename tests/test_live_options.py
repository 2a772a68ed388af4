"""LiveOptions (jambridge/live_options.py): one default per live setting across the command
lines, the library and the bridge's config; values checked against the one table; engine auto
resolved in one place, with a good, a missing and a damaged model (the real shipped model)."""

from __future__ import annotations

import sys
from dataclasses import fields, replace

import pytest

from jambridge import cli
from jambridge.bridge.session import CLOCK_MODES, BridgeConfig
from jambridge.commands.live_args import options_from_args
from jambridge.engine.session import default_model_path
from jambridge.errors import JamBridgeError
from jambridge.live_options import (
    DEFAULTS,
    MIDI_APIS,
    OPTIONS,
    LiveOptions,
    model_problem,
    resolve_engine,
)
from jambridge.music import ROLES
from jambridge.preset import load_preset

# Every setting away from its default (what test_every_flag_reaches_its_setting's flags say).
EVERY_SETTING = LiveOptions(
    in_port="I",
    out_port="O",
    midi_api="jack",
    engine="pattern",
    preset="acid",
    seed=7,
    latency_ms=12.0,
    clock="internal",
    bpm=140.0,
    model="m.onnx",
    channels=(("bass", 4),),
    ccmap="cc.json",
    capture_dir="caps",
    realtime=False,
)


def parsed(argv: list[str]) -> LiveOptions:
    """The LiveOptions that ``jambridge ARGV`` starts with."""
    return options_from_args(cli.build_parser(argv).parse_args(argv))


def test_every_setting_has_one_row_in_the_table_in_field_order():
    assert list(OPTIONS) == [f.name for f in fields(LiveOptions)]


@pytest.mark.parametrize("command", ["bridge", "app"])
def test_a_bare_command_line_starts_with_the_library_defaults(command):
    assert parsed([command]) == LiveOptions() == DEFAULTS


def test_bridge_config_defaults_are_the_library_defaults_but_the_engine():
    made = LiveOptions(engine="procedural").to_bridge_config()
    assert made == BridgeConfig()  # the only default BridgeConfig keeps apart: a concrete engine
    assert BridgeConfig().engine == "procedural" and DEFAULTS.engine == "auto"


def test_every_flag_reaches_its_setting():
    argv = [
        "bridge",
        "--in",
        "I",
        "--out",
        "O",
        "--midi-api",
        "jack",
        "--engine",
        "pattern",
        "--preset",
        "acid",
        "--seed",
        "7",
        "--latency-ms",
        "12",
        "--clock",
        "internal",
        "--bpm",
        "140",
        "--model",
        "m.onnx",
        "--channel",
        "bass=5",
        "--ccmap",
        "cc.json",
        "--capture-dir",
        "caps",
        "--no-realtime",
    ]
    assert parsed(argv) == EVERY_SETTING


def test_the_app_shows_only_its_settings_and_both_offer_auto(capsys):
    shown = {}
    for command in ("bridge", "app"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        shown[command] = capsys.readouterr().out
    for name, option in OPTIONS.items():
        flag = option.flag or "--" + name.replace("_", "-")
        for command in ("bridge", "app"):
            assert (flag in shown[command]) == (command in option.commands), (flag, command)
    assert all("{auto,model,procedural,pattern}" in text for text in shown.values())
    assert "(default techno)" in shown["app"] and "(default 0)" in shown["app"]


def test_midi_apis_are_the_ports_table_and_clock_modes_one_tuple():
    from jambridge.bridge.io.ports import APIS

    assert tuple(MIDI_APIS) == ("auto", *APIS)
    assert CLOCK_MODES is OPTIONS["clock"].choices


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bpm": 900.0}, "bpm must be in range 20..400, got 900.0"),
        ({"bpm": float("nan")}, "bpm must be in range"),
        ({"latency_ms": 9000.0}, "latency offset (ms) must be in range -500..500"),
        ({"engine": "magic"}, "engine must be one of auto, model, procedural, pattern"),
        ({"midi_api": "oss"}, "MIDI API must be one of auto, alsa, jack, coremidi, winmm"),
        ({"clock": "smpte"}, "clock must be one of external, internal, link"),
        ({"channels": (("voice", 1),)}, "role must be one of drums, bass, chords, lead"),
        ({"channels": (("drums", 1), ("bass", 1))}, "drums and bass are both on MIDI channel 2"),
        ({"channels": (("lead", 16),)}, "lead channel must be in range 1..16"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_is_allowed(values, message):
    with pytest.raises(JamBridgeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LiveOptions(**values)


def test_channels_for_some_roles_are_completed_from_the_preset():
    acid = load_preset("acid")
    config = LiveOptions(engine="pattern", preset="acid", channels=(("lead", 11),))
    made = config.to_bridge_config().channels
    assert made == {**{r: acid.tracks[r].channel - 1 for r in ROLES}, "lead": 11}


def test_a_channel_clash_with_the_preset_is_an_error():
    with pytest.raises(JamBridgeError, match="drums and bass are both on MIDI channel 2"):
        LiveOptions(channels=(("drums", 1),)).with_preset_channels(load_preset("techno"))


def test_to_bridge_config_refuses_an_unresolved_auto_and_carries_every_setting():
    with pytest.raises(JamBridgeError, match="engine auto must be resolved first"):
        LiveOptions().to_bridge_config()
    options = replace(EVERY_SETTING, channels=tuple((r, i) for i, r in enumerate(ROLES)))
    config = options.to_bridge_config()
    for name in OPTIONS:
        if name == "channels":
            assert config.channels == dict(options.channels)
        elif name == "realtime":
            assert config.rt_priority == 0 and BridgeConfig().rt_priority > 0
        else:
            assert getattr(config, name) == getattr(options, name), name


# -- engine auto: the one place it is decided --------------------------------------------------


def test_auto_plays_the_shipped_model_when_it_loads():
    assert default_model_path().exists()
    assert resolve_engine("auto") == ("model", "")
    assert LiveOptions().resolved() == (LiveOptions(engine="model"), "")


def test_auto_falls_back_to_procedural_without_the_model_and_says_why(tmp_path):
    missing = tmp_path / "none.onnx"
    engine, note = resolve_engine("auto", str(missing))
    assert engine == "procedural"
    assert str(missing) in note and "using the procedural generator" in note


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_auto_falls_back_to_procedural_with_a_damaged_model(tmp_path, damage):
    whole = default_model_path().read_bytes()
    data = {
        "garbage": b"not an onnx model" * 100,
        "truncated": whole[: len(whole) // 2],
        "empty": b"",
    }[damage]
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    assert model_problem(str(path)) is not None
    engine, note = resolve_engine("auto", str(tmp_path))  # a folder holding model.onnx
    assert engine == "procedural" and "model not available" in note and str(path) in note


def test_auto_falls_back_when_the_engine_cannot_be_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "jambridge.engine.live", None)  # import raises ImportError
    engine, note = resolve_engine("auto")
    assert engine == "procedural" and "jambridge.engine.live" in note


@pytest.mark.parametrize("engine", ["model", "procedural", "pattern"])
def test_a_named_engine_is_played_as_named(engine, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jambridge.engine.live", None)  # nothing is loaded
    assert resolve_engine(engine, str(tmp_path / "none.onnx")) == (engine, "")


# -- the bridge command ------------------------------------------------------------------------


class _Opened(Exception):
    """Raised by the stand-in session instead of opening ports."""


def test_the_bridge_command_resolves_auto_and_says_so(monkeypatch, tmp_path, caplog):
    import jambridge.bridge.session as session_module

    seen = []

    class NoPorts:
        def __init__(self, config, on_event=None):
            seen.append(config)
            self.scheduler = None

        def start(self):
            raise _Opened

        def stop(self):
            pass

    monkeypatch.setattr(session_module, "BridgeSession", NoPorts)
    with pytest.raises(_Opened):
        cli.main(["bridge", "--model", str(tmp_path / "none.onnx"), "--channel", "lead=9"])
    assert seen[0].engine == "procedural" and seen[0].channels["lead"] == 8
    assert any("using the procedural generator" in r.getMessage() for r in caplog.records)
