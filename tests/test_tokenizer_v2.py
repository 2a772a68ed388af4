"""Tokenizer v2: the v1 vocabulary unchanged, controls, micro-timing, fine velocity, bar fill."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jambridge.errors import TokenizerError
from jambridge.music import ROLES, Key, Note, Song, Track
from jambridge.tokenizer import Tokenizer, TokenizerConfig
from jambridge.tokenizer.config import CONTROL_KINDS

TOK = Tokenizer()
V1 = Tokenizer(TokenizerConfig.legacy())


def _song(bars: int = 4) -> Song:
    drums = [Note(36, b, 0.1, 110) for b in range(4 * bars)]
    drums += [Note(42, b + 0.5 + 0.02, 0.1, 60 + (b % 3) * 20) for b in range(4 * bars)]
    bass = [Note(33 + (i % 8) % 3, i * 0.5, 0.25, 90) for i in range(8 * bars)]  # 1-bar loop
    chords = [Note(p, 4 * b + 1.5, 1.0, 80) for b in range(bars) for p in (57, 60, 64)]
    lead = [Note(69 + (i % 5), i * 0.75, 0.2, 100) for i in range(int(bars * 16 / 3))]
    tracks = tuple(Track(r, tuple(n)) for r, n in zip(ROLES, (drums, bass, chords, lead)))
    return Song(tracks, tempo_bpm=128, key=Key(9, "minor"), style="techno", length_bars=bars)


def test_legacy_config_is_the_shipped_v1_vocabulary():
    assert V1.vocab_size == 606
    assert V1.vocab_hash == "6e0aab43ac375e95"  # the hash in the first model's card
    assert TokenizerConfig.from_dict(V1.config.to_dict()) == V1.config
    assert TokenizerConfig.from_dict(TOK.config.to_dict()) == TOK.config


def test_v1_sequences_have_no_v2_tokens():
    ids = V1.encode(_song())
    kinds = {V1.vocab.kinds[i] for i in ids}
    assert not kinds & {"ctrl", "fill", "shift"}
    assert V1.decode(ids).note_count() == V1.quantize_song(_song()).note_count()


def test_controls_follow_track_tokens_and_match_the_bar():
    song = TOK.quantize_song(_song())
    bars = song.bars()
    ids = TOK.encode_bar(bars[1], ROLES, previous=bars[0])
    names = [TOK.vocab.name(i) for i in ids]
    at = names.index("TRACK_bass")
    expected = TOK.controls(bars[1].track("bass").notes, "bass", bars[0].track("bass").notes)
    assert expected["density"] == 3  # 8 notes: the bin of 5..8
    assert expected["rep"] == 4  # the same line as the bar before
    assert names[at + 1 : at + 5] == [f"CTRL_{k}_{expected[k]}" for k in CONTROL_KINDS]


def test_control_bins_measure_what_they_name():
    notes = [Note(60, 0, 2.0, 90), Note(64, 0, 2.0, 90), Note(67, 1, 2.0, 90)]
    c = TOK.controls(notes, "chords", previous=[Note(60, 0, 2.0, 90)])
    assert c["density"] == 2  # 3 notes
    assert c["poly"] == 2  # three sound at once
    assert c["dur"] == 3  # median 24 ticks (a half note): the bin of 13..24
    assert c["rep"] == 1  # 1 of 3 (tick, pitch) shared


@pytest.mark.parametrize("kind", CONTROL_KINDS)
def test_dropping_any_control_kind_keeps_the_sequence_valid(kind):
    ids = TOK.encode(_song())
    k = CONTROL_KINDS.index(kind)
    kept = [i for i in ids if not (TOK.vocab.kinds[i] == "ctrl" and TOK.vocab.values[i][0] == k)]
    assert len(kept) < len(ids)
    assert TOK.grammar.accepts(kept)
    assert TOK.decode(kept).note_count() == TOK.decode(ids).note_count()


def test_controls_out_of_order_are_refused():
    bar_ids = TOK.encode_bar(TOK.quantize_song(_song()).bars()[0], ["bass"])
    swapped = [bar_ids[0], bar_ids[1], bar_ids[3], bar_ids[2], *bar_ids[4:]]
    header = TOK.encode_header(TOK.header_for(_song()))
    assert not TOK.grammar.accepts(header + swapped)


def test_micro_timing_survives_within_a_step_and_never_crosses_a_bar_line():
    late = Note(42, 0.5 + 0.02, 0.1, 80)  # 0.24 ticks late
    early_downbeat = Note(36, 4 - 0.01, 0.1, 100)  # rounds to the next bar line
    song = Song((Track("drums", (late, early_downbeat)),), tempo_bpm=120, length_bars=2)
    decoded = TOK.decode(TOK.encode(song))
    starts = sorted(n.start_beats for n in decoded.track("drums").notes)
    step = 1 / (12 * TOK.config.shift_steps)
    assert abs(starts[0] - 0.52) <= step / 2 + 1e-9
    assert starts[1] == 4.0  # not before the bar line
    names = [TOK.vocab.name(i) for i in TOK.encode(song)]
    assert f"SHIFT_{round(0.02 * 12 * TOK.config.shift_steps)}" in names


def test_fine_velocity_keeps_the_v1_bucket():
    for v in range(1, 128):
        level = TOK.quant.velocity_level[v]
        assert level // TOK.config.velocity_steps == V1.quant.velocity_level[v]
        decoded = TOK.quant.velocity_value[level]
        assert TOK.quant.velocity_level[decoded] == level  # decoding then encoding is stable


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3), st.integers(1, 3), st.lists(st.sampled_from(ROLES), min_size=1,
                                                      max_size=4, unique=True),
       st.integers(0, 2**31))  # fmt: skip
def test_fill_round_trip_puts_notes_back_in_their_slots(first, length, roles, seed):
    song = _song(6)
    slots = {(b, r) for b in range(first, min(first + length, 6)) for r in roles}
    ids = TOK.encode_fill(song, slots, shuffle_rng=np.random.default_rng(seed))
    assert TOK.grammar.accepts(ids)
    names = [TOK.vocab.name(i) for i in ids]
    assert names.count("FILL") == names.count("FILL_START") == len(slots)
    first_start = names.index("FILL_START")
    assert "BAR" not in names[first_start:]  # the targets come after every bar
    decoded = TOK.decode(ids)
    want = TOK.quantize_song(song)
    for t in want.tracks:
        assert decoded.track(t.role).notes == t.notes


def test_eos_is_refused_while_slots_are_unfilled():
    ids = TOK.encode_fill(_song(2), {(1, "bass")})
    cut = ids[: ids.index(TOK.vocab.id("fill", "FILL_START"))]
    assert not TOK.grammar.accepts(cut + [TOK.eos_id])


def test_v1_vocabulary_cannot_fill():
    with pytest.raises(TokenizerError, match="no fill tokens"):
        V1.encode_fill(_song(), {(0, "bass")})
