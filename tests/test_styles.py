"""The style names are written once (jambridge.music) and every table follows them."""

from __future__ import annotations

from jambridge.dataset_sources import STYLE_BY_FOLDER
from jambridge.evaluation.preset_check import TECHNO_STYLES
from jambridge.music import CORPUS_STYLES, STYLES
from jambridge.preset import list_presets, load_preset
from jambridge.procedural.styles import STYLE_TABLE
from jambridge.tokenizer.config import TokenizerConfig


def test_the_procedural_table_has_one_row_per_style_in_order():
    assert tuple(STYLE_TABLE) == STYLES
    assert all(params.name == name for name, params in STYLE_TABLE.items())


def test_the_tokenizer_knows_every_style_and_corpus_label():
    styles = TokenizerConfig().styles
    assert styles == STYLES + CORPUS_STYLES
    assert {*STYLE_BY_FOLDER.values(), "other"} <= set(CORPUS_STYLES)


def test_every_shipped_preset_plays_a_known_style():
    assert {load_preset(name).style for name in list_presets()} <= set(STYLES)


def test_four_on_the_floor_styles_are_those_with_a_kick_on_every_beat():
    assert TECHNO_STYLES == ("techno", "minimal", "acid", "dub", "peak", "house")
