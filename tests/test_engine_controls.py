"""Controls that bite at decoding time (jambridge.engine.guide), on the real shipped model: a set
control puts the bar in its bin, no control leaves sampling exactly as it was, and on a random
tiny model the guide never breaks the grammar."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.offline import header_for, open_model, settings_for
from jambridge.preset import load_preset


@pytest.fixture(scope="module")
def shipped():
    return open_model(None)


# sha256 (first 16 hex digits) of the token ids of 6 bars, seed 7, each preset's settings with
# no controls: recorded before the guide existed. Changes only with the shipped model.
NO_CONTROL_IDS = {"techno": "0b42a0050df80927", "deephouse": "189bc08cb2f71c3f"}


@pytest.mark.parametrize("name", sorted(NO_CONTROL_IDS))
def test_no_controls_sample_exactly_as_before_the_guide(shipped, name):
    preset = load_preset(name)
    gen = BarGenerator(shipped, seed=7)
    gen.start(header_for(preset, preset.enabled_roles))
    settings = replace(settings_for(preset), controls={})
    ids: list[int] = []
    for _ in range(6):
        gen.next_bar(settings)
        ids += gen.last_bar_ids[0]
    assert hashlib.sha256(repr(ids).encode()).hexdigest()[:16] == NO_CONTROL_IDS[name]


def test_settings_without_controls_are_the_default(shipped):
    assert SamplingSettings().controls == {}
