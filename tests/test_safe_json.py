"""The one JSON reader for outside files (jambridge.safe_json) and its users: presets, CC maps and
model metadata give one-line errors of their own class for hostile text (issue 15, item 12)."""

from __future__ import annotations

import json

import pytest

from jambridge.bridge.ccmap import CcMap
from jambridge.errors import DataError, JamBridgeError, ModelError, PresetError
from jambridge.onnx_contract import (
    CONTRACT_VERSION,
    META_CONTRACT,
    META_MODEL_CONFIG,
    META_TOKENIZER,
    META_VOCAB_HASH,
    parse_metadata,
)
from jambridge.preset import load_preset
from jambridge.safe_json import JsonLimits, loads

HOSTILE = {  # name -> JSON text a stranger could hand us
    "400-digit int": '{"bpm": ' + "9" * 400 + "}",
    "5000-digit int": '{"bpm": ' + "9" * 5000 + "}",
    "400-digit float": '{"bpm": 0.' + "1" * 400 + "}",
    "1e999": '{"bpm": 1e999}',
    "NaN": '{"bpm": NaN}',
    "Infinity": '{"bpm": Infinity}',
    "-Infinity": '{"bpm": -Infinity}',
    "100k-deep nesting": "[" * 100_000 + "]" * 100_000,
    "escape in a name": '{"name": "\\u001b[2J\\u001b[31mpwned"}',
    "bidi override in a key": '{"\\u202enaem": 1}',
    "truncated": '{"name": "x", "bpm": ',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_is_one_line_of_the_callers_error(name):
    with pytest.raises(PresetError) as info:
        loads(HOSTILE[name], "p.json", PresetError)
    message = str(info.value)
    assert message.startswith("p.json: ") and message.isprintable() and len(message) < 300


def test_limits_are_the_callers():
    assert loads('{"a": [1, 2.5, "x", null, true]}', "x") == {"a": [1, 2.5, "x", None, True]}
    with pytest.raises(DataError, match="nested more than 2 levels"):
        loads("[[[1]]]", "x", limits=JsonLimits(max_depth=2))
    with pytest.raises(DataError, match="more than 10 bytes"):
        loads(b"[1, 2, 3, 4, 5]", "x", limits=JsonLimits(max_bytes=10))
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 0xff at offset 9\)"):
        loads(b'{"name": \xff}', "x")
    assert loads(b'\xef\xbb\xbf{"a": "\\t\\n"}', "x") == {"a": "\t\n"}  # BOM, tab and newline


def test_a_huge_flat_array_costs_no_deep_walk():
    big = "[" + "0," * 200_000 + "0]"
    assert len(loads(big, "x", limits=JsonLimits(max_bytes=10**6))) == 200_001


# -- presets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 400, "9" * 5000, "1e999", "NaN"])
@pytest.mark.parametrize("field", ["bpm", "temperature", "top_k"])
def test_a_hostile_number_in_a_preset_is_one_short_line(tmp_path, field, number):
    path = tmp_path / "evil.json"
    path.write_text(f'{{"name": "evil", "{field}": {number}}}')
    with pytest.raises(PresetError, match="evil.json: ") as info:
        load_preset(path)
    assert len(str(info.value)) < 200


def test_a_deeply_nested_preset_is_a_preset_error(tmp_path):
    path = tmp_path / "evil.json"
    path.write_text('{"name": "evil", "tracks": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PresetError, match="evil.json: nested more than"):
        load_preset(path)


def test_control_characters_in_a_preset_name_are_refused_and_never_printed_raw(tmp_path):
    path = tmp_path / "evil.json"
    path.write_text(HOSTILE["escape in a name"])
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert "\x1b" not in str(info.value) and "U+001B" in str(info.value)
    from jambridge.preset import preset_from_dict

    with pytest.raises(PresetError, match="printable") as info:
        preset_from_dict({"name": "two\nlines"})
    assert "\n" not in str(info.value)


# -- CC maps --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"channel": Infinity}', "numbers must be finite"),
        ("[" * 10_000 + "]" * 10_000, "nested more than"),
        (b'{"capture_role": "\xc0\xaf"}', "not UTF-8"),
        ('{"channel": 1.9}', "channel must be an integer or null, got 1.9"),
        ('{"channel": true}', "channel must be an integer or null, got True"),
        ('{"capture_bars": 2.0}', "capture_bars must be an integer, got 2.0"),
        ('{"capture_role": 7}', "capture_role must be text"),
        ('{"controls": {"20": 5}}', "controls.20 must be text"),
        ('{"controls": {"1e1": "mute:bass"}}', "is not a CC number"),
        ('{"controls": {" 20": "mute:bass"}}', "is not a CC number"),
        ('{"controls": []}', "controls must be an object"),
    ],
)
def test_a_hostile_cc_map_is_an_error_never_truncated(tmp_path, text, message):
    path = tmp_path / "cc.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(JamBridgeError, match=message) as info:
        CcMap.load(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


# -- model metadata -------------------------------------------------------------------------------

GOOD_CONFIG = {"vocab_size": 606, "n_layer": 4, "n_head": 2, "n_kv_head": 1, "head_size": 32,
               "n_embd": 192, "block_size": 1024, "rope_theta": 10000.0}  # fmt: skip


def props(config=None, **extra) -> dict[str, str]:
    text = config if isinstance(config, str) else json.dumps(config or GOOD_CONFIG)
    return {META_MODEL_CONFIG: text, META_VOCAB_HASH: "6e0aab43ac375e95",
            META_CONTRACT: CONTRACT_VERSION, **extra}  # fmt: skip


def test_sound_metadata_parses():
    meta = parse_metadata(props())
    assert (meta.n_layer, meta.block_size, meta.rope_theta) == (4, 1024, 10000.0)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({**GOOD_CONFIG, "n_layer": {"deep": [1]}}, "nested more than 1 levels"),
        ("[" * 10_000 + "]" * 10_000, "nested more than"),
        ("[" * 100_000 + "]" * 100_000, "200 kB is more than 64 kB"),
        ({**GOOD_CONFIG, "n_layer": "four"}, "n_layer must be an integer, got 'four'"),
        ({**GOOD_CONFIG, "n_layer": 4.0}, "n_layer must be an integer"),
        ({**GOOD_CONFIG, "n_layer": True}, "n_layer must be an integer"),
        ({**GOOD_CONFIG, "block_size": 1e12}, "block_size must be an integer"),
        ({**GOOD_CONFIG, "block_size": 10**12}, "block_size must be in range 16..65536"),
        ('{"n_layer": ' + "9" * 5000 + "}", "a number of 5000 characters"),
        (json.dumps(GOOD_CONFIG).replace("10000.0", "1e999"), "too large for a float"),
        ({**GOOD_CONFIG, "n_kv_head": 3, "n_head": 4}, "must divide n_head"),
        (
            {
                **GOOD_CONFIG,
                "n_layer": 64,
                "n_kv_head": 64,
                "n_head": 64,
                "block_size": 65536,
                "head_size": 256,
            },
            "MiB key/value cache",
        ),  # fmt: skip
        ({"n_layer": 4}, "must be an object with vocab_size"),
    ],
)
def test_hostile_model_metadata_is_a_model_error(config, message):
    with pytest.raises(ModelError, match=message) as info:
        parse_metadata(props(config), "m.onnx")
    assert str(info.value).startswith("m.onnx: ") and "\n" not in str(info.value)


def test_a_hostile_embedded_tokenizer_stops_at_the_metadata():
    with pytest.raises(ModelError, match="jambridge.tokenizer: nested more than"):
        parse_metadata(props(**{META_TOKENIZER: "[" * 100_000}), "m.onnx")
    with pytest.raises(ModelError, match="vocab_hash must be a hex digest"):
        parse_metadata({**props(), META_VOCAB_HASH: "\x1b[2J"}, "m.onnx")
