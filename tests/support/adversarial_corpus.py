"""A corpus of hostile inputs, and the runner that feeds each one to the loader a user would
reach it through (for tests/test_adversarial.py).

:func:`make_corpus` writes the files into a folder and returns the cases. ``python -m
tests.support.adversarial_corpus MANIFEST`` runs them in this fresh process: each case under a 10 s
alarm, one JSON line per case (outcome, error class, message, seconds, peak RSS so far), and the
process's peak RSS last. The test judges the lines; the runner only records.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import struct
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.support.midi_factory import var_len

CASE_SECONDS = 10  # a case that takes longer is a hang

SHIPPED_MODEL = (
    Path(__file__).resolve().parents[2] / "jambridge" / "models" / "default" / "model.onnx"
)


@dataclass(frozen=True)
class Case:
    """One hostile input: which loader gets it (``kind``) and where it lies."""

    name: str
    kind: str  # midi, preset, ccmap, takes (a store folder), metadata (props JSON), model
    path: str


# -- MIDI ---------------------------------------------------------------------------------------


def _smf(body: bytes, ntracks: int = 1, division: int = 96, file_type: int = 1) -> bytes:
    track = b"MTrk" + struct.pack(">L", len(body)) + body
    return b"MThd" + struct.pack(">LHHH", 6, file_type, ntracks, division) + track


NOTE = bytes([0, 0x90, 60, 100, 96, 0x80, 60, 0])
END = bytes([0, 0xFF, 0x2F, 0])


SYSEX_1MB = bytes([0, 0xF0]) + var_len(999_000) + bytes(999_000)


SYSEX = bytes([0, 0xF0]) + var_len(999_000) + bytes(999_000)  # one ~1 MB sysex message
DENSE = bytes([1, 60, 0, 1, 60, 100])  # a note off and on, running status: 3 bytes an event
ACCEPTED = " (within the caps)"  # a case named so is the largest input that must still read


def _midi_cases() -> dict[str, bytes]:
    header = b"MThd" + struct.pack(">LHHH", 6, 1, 1, 96)
    one_track = b"MTrk" + struct.pack(">L", len(NOTE + END)) + NOTE + END
    return {
        "empty": b"",
        "random bytes": os.urandom(5000),
        "header only": header,
        "65535 tracks declared, 1 present": _smf(NOTE + END, ntracks=65535),
        "header length 0xFFFFFFFF": b"MThd\xff\xff\xff\xff" + b"\x00" * 64,
        "track size 0xFFFFFFFF": header + b"MTrk\xff\xff\xff\xff" + NOTE,
        "size bomb 20 MB": _smf(NOTE + DENSE * 3_400_000 + END),
        "event bomb 3 MB": _smf(NOTE + DENSE * 500_000 + END),
        "sysex bomb 15 MB": _smf(NOTE + SYSEX * 15 + END),
        "meta length 256 MB": _smf(NOTE + bytes([0, 0xFF, 0x01]) + var_len(2**28) + b"x" * 100),
        "endless delta time": _smf(NOTE + b"\xff" * 100_000),
        "running status without status": _smf(bytes([0, 60, 100]) + END),
        "undefined status 0xF4": _smf(NOTE + bytes([0, 0xF4, 1, 2]) + END),
        "note beyond the bar limit": _smf(
            bytes([0, 0x90, 60, 100]) + var_len(2**27) + bytes([0x80, 60, 0]) + END
        ),
        "300,000 stacked note-ons": _smf(bytes([0, 0x90, 60, 100]) + bytes([0, 60, 100]) * 300_000),
        "type 2": _smf(NOTE + END, file_type=2),
        "SMPTE division": _smf(NOTE + END, division=0xE728),
        "RIFF-wrapped garbage": b"RIFF\x00\x00\x00\x00RMID" + b"MThd" + os.urandom(200),
        "1025 tracks": header[:10] + struct.pack(">HH", 1025, 96) + one_track * 1025,
        "tempo 0 and garbage key": _smf(
            bytes([0, 0xFF, 0x51, 3, 0, 0, 0, 0, 0xFF, 0x59, 2, 99, 9]) + NOTE + END
        ),
        "199,990 events" + ACCEPTED: _smf(NOTE + DENSE * 99_990 + END),
        "1 MB of sysex" + ACCEPTED: _smf(NOTE + SYSEX + END),
    }


# -- JSON ---------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def _json_texts(good: dict) -> dict[str, bytes]:
    base = json.dumps(good)
    return {
        "empty": b"",
        "truncated": base[: len(base) // 2].encode(),
        "deep nesting": DEEP.encode(),
        "deep nesting inside": base.replace(
            "{", '{"x": ' + "[" * 5000 + "]" * 5000 + ", ", 1
        ).encode(),
        "5000-digit number": ('{"name": "n", "bpm": ' + "9" * 5000 + "}").encode(),
        "400-digit numbers everywhere": json.dumps(good).replace(": 1", ": " + "1" * 400).encode(),
        "NaN and Infinity": b'{"name": "n", "bpm": NaN, "channel": Infinity, "x": -Infinity}',
        "1e999": b'{"name": "n", "bpm": 1e999, "channel": 1e999}',
        "not UTF-8": b'{"name": "\xff\xfe\xc0\xaf"}',
        "escape codes": b'{"name": "\\u001b[2J\\u001b]0;pwned\\u0007", "capture_role": "\\u202e"}',
        "a list": b"[1, 2, 3]",
        "a string": b'"preset"',
        "wrong types": json.dumps({k: [v] for k, v in good.items()}).encode(),
        "booleans for numbers": re.sub(r": -?[0-9.]+", ": true", base).encode(),
        "2 MB of whitespace": b" " * 2_000_000 + base.encode(),
        "null bytes": b"\x00" * 1000,
    }


GOOD_PRESET = {"name": "n", "bpm": 130, "tracks": {"bass": {"channel": 2, "density": 0.5}}}
GOOD_CC = {"channel": 1, "capture_bars": 2, "controls": {"20": "arm_capture"}}
GOOD_INDEX = {"version": 1, "next_id": 2, "takes": [{"id": 1, "name": "JamBridge 0001 x",
              "kind": "generated", "created": "2026-01-01T00:00:00", "bpm": 130.0, "bars": 1,
              "roles": ["drums"], "folder": "0001", "preset": "", "seed": 1}]}  # fmt: skip
GOOD_CONFIG = {"vocab_size": 606, "n_layer": 4, "n_head": 2, "n_kv_head": 1, "head_size": 32,
               "n_embd": 192, "block_size": 1024, "rope_theta": 10000.0}  # fmt: skip


def _metadata_cases() -> dict[str, dict]:
    """Hostile ``jambridge.model_config`` values (and one hostile tokenizer, one hash)."""
    cases: dict[str, str] = {
        "nested config": json.dumps({**GOOD_CONFIG, "n_layer": {"a": [1, {"b": 2}]}}),
        "n_layer four": json.dumps({**GOOD_CONFIG, "n_layer": "four"}),
        "block_size 1e12": json.dumps({**GOOD_CONFIG, "block_size": 1e12}),
        "block_size 10**12": json.dumps({**GOOD_CONFIG, "block_size": 10**12}),
        "huge numbers": json.dumps(GOOD_CONFIG).replace("1024", "9" * 5000),
        "cache of 2 TB": json.dumps(
            {
                **GOOD_CONFIG,
                "n_layer": 64,
                "n_kv_head": 64,
                "n_head": 64,
                "block_size": 65536,
                "head_size": 256,
            }
        ),  # fmt: skip
        "deep config": DEEP,
        "config a list": "[]",
        "rope_theta NaN": json.dumps(GOOD_CONFIG).replace("10000.0", "NaN"),
    }
    return {name: {"jambridge.model_config": text} for name, text in cases.items()} | {
        "tokenizer deep nesting": {"jambridge.tokenizer": DEEP},
        "tokenizer not JSON": {"jambridge.tokenizer": "\x00\x01{"},
        "vocab hash with escapes": {"jambridge.vocab_hash": "\x1b[2J" * 1000},
        "contract version 1 MB": {"jambridge.contract_version": "x" * 1_000_000},
    }


def _props(changes: dict) -> dict[str, str]:
    base = {"jambridge.model_config": json.dumps(GOOD_CONFIG), "jambridge.contract_version": "1",
            "jambridge.vocab_hash": "6e0aab43ac375e95", "jambridge.dtype": "float32"}  # fmt: skip
    return {**base, **changes}


# -- the corpus ---------------------------------------------------------------------------------


def _specials(folder: Path, suffix: str) -> dict[str, Path]:
    """A FIFO, a folder, a character device (through a link) and a sparse 300 MB file."""
    fifo = folder / f"fifo{suffix}"
    os.mkfifo(fifo)
    (folder / f"folder{suffix}").mkdir()
    (folder / f"zero{suffix}").symlink_to("/dev/zero")
    with open(folder / f"sparse{suffix}", "wb") as f:
        f.truncate(300_000_000)  # no disk used: holes
    return {name: folder / f"{name}{suffix}" for name in ("fifo", "folder", "zero", "sparse")}


def make_corpus(folder: Path, with_models: bool = True) -> list[Case]:
    """Write every hostile input under ``folder``; the cases that read them."""
    cases: list[Case] = []

    def add(kind: str, name: str, data: bytes, suffix: str) -> None:
        path = folder / kind / f"{len(cases):03d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(Case(f"{kind}: {name}", kind, str(path)))

    for name, data in _midi_cases().items():
        add("midi", name, data, ".mid")
    for kind, good in (("preset", GOOD_PRESET), ("ccmap", GOOD_CC)):
        for name, data in _json_texts(good).items():
            add(kind, name, data, ".json")
    for name, data in _json_texts(GOOD_INDEX).items():
        root = folder / "takes" / f"{len(cases):03d}"
        (root / "0001").mkdir(parents=True)
        (root / "index.json").write_bytes(data)
        cases.append(Case(f"takes: {name}", "takes", str(root)))
    for name, changes in _metadata_cases().items():
        add("metadata", name, json.dumps(_props(changes)).encode(), ".json")
    for kind, suffix in (("midi", ".mid"), ("preset", ".json"), ("ccmap", ".json"),
                         ("model", ".onnx")):  # fmt: skip
        (folder / "special" / kind).mkdir(parents=True, exist_ok=True)
        for name, path in _specials(folder / "special" / kind, suffix).items():
            cases.append(Case(f"{kind}: {name}", kind, str(path)))
    for name in ("fifo", "zero"):  # the take index itself a FIFO or /dev/zero
        root = folder / "takes" / f"index-{name}"
        root.mkdir(parents=True)
        if name == "fifo":
            os.mkfifo(root / "index.json")
        else:
            (root / "index.json").symlink_to("/dev/zero")
        cases.append(Case(f"takes: index.json is a {name}", "takes", str(root)))
    if with_models:
        cases += _model_cases(folder / "model")
    return cases


def _model_cases(folder: Path) -> list[Case]:
    """Corrupt ONNX files, and the shipped model with hostile metadata (needs ``onnx``)."""
    folder.mkdir(parents=True, exist_ok=True)
    shipped = SHIPPED_MODEL.read_bytes()
    files = {
        "random bytes": os.urandom(100_000),
        "truncated": shipped[: len(shipped) // 3],
        "empty": b"",
        "a MIDI file": _smf(NOTE + END),
    }
    try:
        import onnx
    except ImportError:
        onnx = None
    if onnx is not None:
        for name, changes in _metadata_cases().items():
            model = onnx.load_from_string(shipped)
            props = {p.key: p.value for p in model.metadata_props} | changes
            del model.metadata_props[:]
            onnx.helper.set_model_props(model, props)
            files[f"shipped model, {name}"] = model.SerializeToString()
    cases = []
    for i, (name, data) in enumerate(files.items()):
        path = folder / f"{i:03d}.onnx"
        path.write_bytes(data)
        cases.append(Case(f"model: {name}", "model", str(path)))
    return cases


# -- the runner ---------------------------------------------------------------------------------


def _run_case(case: Case) -> str:
    """Feed the case to its loader (as the app and the CLI do)."""
    if case.kind == "midi":
        from jambridge.midi_io import read_midi

        read_midi(case.path)
    elif case.kind == "preset":
        from jambridge.preset import load_preset

        load_preset(case.path)
    elif case.kind == "ccmap":
        from jambridge.bridge.ccmap import CcMap

        CcMap.load(case.path)
    elif case.kind == "takes":
        from jambridge.ui.take_store import TakeStore

        warnings = TakeStore(case.path).load()  # never raises: it warns, one line each
        if any("\n" in w or not w.isprintable() for w in warnings):
            raise AssertionError(f"a warning is not one printable line: {warnings!r:.300}")
        return f"{len(warnings)} warning(s): {'; '.join(warnings)[:300]}"
    elif case.kind == "metadata":
        from jambridge.onnx_contract import parse_metadata

        parse_metadata(json.loads(Path(case.path).read_text()), case.path)
    elif case.kind == "model":
        from jambridge.engine.session import ModelSession

        session = ModelSession(case.path)
        session.tokenizer()
    else:
        raise ValueError(case.kind)
    return ""


def _alarm(signum, frame):
    raise TimeoutError(f"over {CASE_SECONDS} s")


def run(cases: list[Case]) -> None:
    """One JSON line per case, then ``{"peak_mb": ...}``."""
    from jambridge.errors import JamBridgeError

    signal.signal(signal.SIGALRM, _alarm)
    for case in cases:
        t0 = time.monotonic()
        signal.alarm(CASE_SECONDS)
        try:
            outcome, error, message = "ok", "", _run_case(case)
        except JamBridgeError as err:
            outcome, error, message = "refused", type(err).__name__, str(err)
        except BaseException as err:  # noqa: BLE001 - anything else is what the test catches
            outcome, error, message = "crash", type(err).__name__, str(err)[:500]
        finally:
            signal.alarm(0)
        record = {**asdict(case), "outcome": outcome, "error": error, "message": message,
                  "seconds": round(time.monotonic() - t0, 3), "peak_mb": _peak_mb()}  # fmt: skip
        print(json.dumps(record), flush=True)
    print(json.dumps({"peak_mb": _peak_mb()}), flush=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    manifest = json.loads(Path(sys.argv[1]).read_text())
    run([Case(**c) for c in manifest])
