"""Hostile input, attacked on purpose (issue 15's acceptance suite): MIDI (size, event and sysex
bombs, FIFOs, devices), JSON (presets, CC maps, the take index, model metadata) and models
(corrupt ONNX, the shipped model with hostile metadata). Whatever comes in, what comes out is
nothing but one-line errors of the package's own classes, within 1 GB of memory and 10 s a case.

The corpus (tests/support/adversarial_corpus.py) runs in a fresh process so its peak RSS is its own;
a case that blocks or loops is cut by an alarm and reported as a hang. Hypothesis adds random
structured data straight into the validators.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jambridge.bridge.ccmap import CcMap
from jambridge.errors import DataError, JamBridgeError, ModelError, PresetError
from jambridge.midi_io import midi_bytes_to_song
from jambridge.onnx_contract import parse_metadata
from jambridge.preset import preset_from_dict
from jambridge.safe_json import loads
from jambridge.ui.take_index import take_from_data
from tests.support.adversarial_corpus import ACCEPTED, CASE_SECONDS, Case, make_corpus

ROOT = Path(__file__).resolve().parents[1]
PEAK_LIMIT_MB = 1024


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> tuple[list[dict], float]:
    """Every corpus case's record, and the run's peak RSS in MB."""
    folder = tmp_path_factory.mktemp("hostile")
    cases = make_corpus(folder)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps([c.__dict__ for c in cases]))
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.adversarial_corpus", str(manifest)],
        capture_output=True, text=True, timeout=len(cases) * CASE_SECONDS + 60, cwd=ROOT,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines and "peak_mb" in lines[-1] and len(lines) == len(cases) + 1, done.stderr[-2000:]
    return lines[:-1], lines[-1]["peak_mb"]


def test_every_hostile_input_is_a_one_line_error_of_ours(verdicts):
    records, _ = verdicts
    bad = [r for r in records if r["outcome"] == "crash"]
    assert not bad, "\n".join(f"{r['name']}: {r['error']}: {r['message'][:200]}" for r in bad)
    for r in records:
        if r["outcome"] == "refused":
            message = r["message"]
            assert "\n" not in message and message.isprintable(), r
            assert len(message) < 400, (r["name"], message[:200])


def test_inputs_that_must_be_refused_are(verdicts):
    records, _ = verdicts
    accepted = {r["name"] for r in records if r["outcome"] == "ok"}
    # a take history never raises (it warns), and the largest legal inputs must still read
    allowed = {n for n in accepted if n.startswith("takes: ") or n.endswith(ACCEPTED)}
    assert accepted == allowed
    assert {n for n in (r["name"] for r in records) if n.endswith(ACCEPTED)} <= accepted


def test_a_damaged_take_history_is_always_reported(verdicts):
    records, _ = verdicts
    takes = [r for r in records if r["kind"] == "takes"]
    assert takes and all(not r["message"].startswith("0 warning") for r in takes)


def test_no_case_hangs(verdicts):
    records, _ = verdicts
    slow = [(r["name"], r["seconds"]) for r in records if r["seconds"] >= CASE_SECONDS]
    assert not slow


def test_peak_memory_stays_under_1_gb(verdicts):
    records, peak = verdicts
    worst = max(records, key=lambda r: r["peak_mb"])
    assert peak <= PEAK_LIMIT_MB, (peak, worst["name"])


def test_the_corpus_covers_every_loader(verdicts):
    records, _ = verdicts
    kinds = {r["kind"] for r in records}
    assert kinds >= {"midi", "preset", "ccmap", "takes", "metadata", "model"}
    names = {r["name"] for r in records}
    assert {"midi: fifo", "midi: size bomb 20 MB", "model: fifo", "preset: zero"} <= names
    assert Case("x", "midi", "x").kind == "midi"


# -- random structure into the validators ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),  # fmt: skip
    max_leaves=30,
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# reader of JSON data -> the error it may raise
JSON_READERS = {
    "preset": (lambda data: preset_from_dict(data, "p.json"), PresetError),
    "cc map": (lambda data: CcMap.from_dict(data, "cc.json"), JamBridgeError),
    "take": (take_from_data, DataError),
}


@pytest.mark.parametrize("reader", JSON_READERS)
@FAST
@given(data=json_values)
def test_random_data_is_a_one_line_error_or_a_value(reader, data):
    read, error = JSON_READERS[reader]
    try:
        read(data)
    except error as err:
        assert "\n" not in str(err)


@FAST
@given(config=json_values, tokenizer=st.text(max_size=50), vocab_hash=st.text(max_size=20))
def test_random_metadata_is_a_model_error_or_a_model(config, tokenizer, vocab_hash):
    props = {"jambridge.model_config": json.dumps(config), "jambridge.vocab_hash": vocab_hash,
             "jambridge.contract_version": "1", "jambridge.tokenizer": tokenizer}  # fmt: skip
    try:
        parse_metadata(props, "m.onnx")
    except ModelError as err:
        assert "\n" not in str(err)


@FAST
@given(text=st.binary(max_size=200) | st.text(max_size=200))
def test_random_text_is_json_or_one_error(text):
    try:
        loads(text, "x.json")
    except DataError as err:
        assert "\n" not in str(err)


NOTE_TRACK = bytes([0, 0x90, 60, 100, 96, 0x80, 60, 0, 0, 0xFF, 0x2F, 0])


@FAST
@given(
    events=st.lists(st.binary(min_size=1, max_size=8), max_size=40),
    ntracks=st.integers(0, 65535),
    size_lie=st.integers(-20, 20),
)
def test_random_track_bytes_are_a_data_error_or_a_song(events, ntracks, size_lie):
    body = NOTE_TRACK[:-4] + b"".join(events) + NOTE_TRACK[-4:]
    size = max(0, len(body) + size_lie)
    data = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big") + ntracks.to_bytes(2, "big")
    data += (96).to_bytes(2, "big") + b"MTrk" + size.to_bytes(4, "big") + body
    try:
        midi_bytes_to_song(data, "r.mid")
    except DataError as err:
        assert "\n" not in str(err)
