"""Controls that bite at decoding time (jambridge.engine.guide): on the real shipped model a set
control puts the bar in its bin and no control leaves sampling exactly as it was; on a random
tiny model the guide never breaks the grammar and its upper bounds always hold."""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.guide import bin_bounds
from jambridge.engine.offline import header_for, open_model, settings_for
from jambridge.engine.session import ModelSession
from jambridge.errors import EngineError
from jambridge.evaluation.control_check import ASK
from jambridge.evaluation.control_check import main as control_check
from jambridge.music import ROLES
from jambridge.preset import load_preset
from jambridge.tokenizer import Header

# sha256 (first 16 hex digits) of the token ids of 6 bars, seed 7, each preset's settings with
# no controls: recorded before the guide existed. Changes only with the shipped model.
NO_CONTROL_IDS = {"techno": "0b42a0050df80927", "deephouse": "189bc08cb2f71c3f"}


@pytest.fixture(scope="module")
def shipped() -> ModelSession:
    return open_model(None)


def _ids_of_bars(gen: BarGenerator, settings: SamplingSettings, n: int) -> list[int]:
    ids: list[int] = []
    for _ in range(n):
        gen.next_bar(settings)
        ids += gen.last_bar_ids[0]
    return ids


@pytest.mark.parametrize("name", sorted(NO_CONTROL_IDS))
def test_no_controls_sample_exactly_as_before_the_guide(shipped, name):
    preset = load_preset(name)
    gen = BarGenerator(shipped, seed=7)
    gen.start(header_for(preset, preset.enabled_roles))
    ids = _ids_of_bars(gen, replace(settings_for(preset), controls={}), 6)
    assert hashlib.sha256(repr(ids).encode()).hexdigest()[:16] == NO_CONTROL_IDS[name]


@pytest.mark.parametrize("kind", ["density", "dur", "poly"])
def test_a_set_control_puts_the_shipped_models_bars_in_its_bin(shipped, kind):
    preset = load_preset("techno")
    rng = np.random.default_rng(11)
    gen = BarGenerator(shipped, seed=5)
    gen.start(header_for(preset, preset.enabled_roles))
    base = settings_for(preset)
    hits = total = 0
    previous = None
    for _ in range(24):
        controls = {r: dict(c) for r, c in base.controls.items()}
        ask = {r: int(rng.integers(lo, hi + 1)) for r, (lo, hi) in ASK[kind].items()}
        for role, b in ask.items():
            controls[role][kind] = b
        bar = gen.next_bar(replace(base, controls=controls))
        for role, b in ask.items():
            track = bar.track(role)
            prev = previous.track(role).notes if previous is not None else None
            got = gen.tok.controls(track.notes if track else (), role, prev)
            total += 1
            hits += got.get(kind) == b
        previous = bar
    assert hits / total >= 0.9


def test_control_check_reports_every_kind_and_the_sweeps_verdict(capsys):
    assert control_check(["--bars", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert set(out["kinds"]) == {"density", "poly", "dur", "rep"}
    assert all(0 <= k["hit_rate"] <= 1 and k["bar_ms_p95"] > 0 for k in out["kinds"].values())
    sweep = out["density_sweep"]
    assert sweep["every_role_2x"] == all(v >= 2 for v in sweep["ratio"].values())


def test_a_control_bin_out_of_range_is_an_engine_error(shipped):
    gen = BarGenerator(shipped, seed=0)
    gen.start(Header("techno", 130.0, None, {r: 3 for r in ROLES}))
    with pytest.raises(EngineError, match="poly control must be in range 0..4"):
        gen.next_bar(SamplingSettings(controls={"bass": {"poly": 5}}))


def test_bin_bounds_are_the_whole_numbers_of_each_bin():
    edges = (0, 2, 4, 8, 12, 16, 24)
    for b in range(len(edges) + 1):
        lo, hi = bin_bounds(edges, b)
        assert all(bisect.bisect_left(edges, v) == b for v in range(lo, min(hi, 60) + 1))
        assert lo == 0 or bisect.bisect_left(edges, lo - 1) == b - 1
        assert hi > 60 or bisect.bisect_left(edges, hi + 1) == b + 1


# -- a random tiny model: whatever it wants, the grammar and the upper bounds hold ----------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> ModelSession:
    pytest.importorskip("torch")
    from tests.support.model_factory import random_onnx

    path = random_onnx(tmp_path_factory.mktemp("guide") / "model.onnx", block_size=1024)
    return ModelSession(path)


KINDS = {"density": 8, "poly": 5, "dur": 5}
role_controls = st.sets(st.sampled_from(sorted(KINDS)), min_size=1).flatmap(
    lambda kinds: st.fixed_dictionaries({k: st.integers(0, KINDS[k] - 1) for k in kinds})
)


@settings(max_examples=25, deadline=None)
@given(
    controls=st.dictionaries(st.sampled_from(ROLES), role_controls, min_size=1),
    seed=st.integers(0, 2**16),
    temperature=st.sampled_from([0.7, 1.0, 1.5]),
)
def test_the_guide_keeps_the_grammar_and_its_upper_bounds(tiny, controls, seed, temperature):
    gen = BarGenerator(tiny, seed=seed)
    header = Header("techno", 130.0, None, {r: 3 for r in ROLES})
    gen.start(header)
    ids = list(gen.tok.encode_header(header))
    for _ in range(3):
        bar = gen.next_bar(SamplingSettings(controls=controls, temperature=temperature))
        ids += gen.last_bar_ids[0]
        for role, wanted in controls.items():
            track = bar.track(role)
            got = gen.tok.controls(track.notes if track else (), role)
            if "density" in wanted:
                assert got["density"] <= wanted["density"]
            if "poly" in wanted and "poly" in got:
                assert got["poly"] <= wanted["poly"]
            if "dur" in wanted and "dur" in got:
                assert got["dur"] == wanted["dur"]
    assert gen.tok.grammar.accepts(ids)
