"""Role table and role assignment: evidence order, statistics, merging, bass split, channels."""

from __future__ import annotations

import pytest

from jambridge.errors import DataError
from jambridge.music import ROLES, Note, Track
from jambridge.roles import (
    GM_FAMILIES,
    ROLE_SPECS,
    RoleConfig,
    Source,
    assign_roles,
    classify,
    default_track,
    gm_family,
    name_hint,
    note_stats,
    split_lowest_voice,
    tidy_notes,
)


def notes(*specs: tuple[int, float, float]) -> tuple[Note, ...]:
    """(pitch, start, duration) at velocity 100."""
    return tuple(Note(p, s, d, 100) for p, s, d in specs)


LINE_HIGH = notes(*[(72 + i % 4, i * 0.5, 0.5) for i in range(16)])
LINE_LOW = notes(*[(36 + i % 3, i * 0.5, 0.5) for i in range(16)])
BLOCKS = notes(*[(p, b * 2.0, 2.0) for b in range(4) for p in (60, 64, 67)])


# --- tables --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_default_track_uses_the_role_spec(role):
    track = default_track(role)
    spec = ROLE_SPECS[role]
    assert (track.role, track.channel, track.program, track.name, track.notes) == (
        role,
        spec.channel,
        spec.program,
        spec.track_name,
        (),
    )


def test_default_track_rejects_an_unknown_role():
    with pytest.raises(DataError, match="role must be one of drums, bass, chords, lead"):
        default_track("vocals")


def test_gm_families_cover_every_program_once():
    covered = [p for f in GM_FAMILIES for p in range(f.first, f.last + 1)]
    assert covered == list(range(128))
    with pytest.raises(DataError, match="0..127"):
        gm_family(128)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Bass Drum", "drums"),
        ("Kick", "drums"),
        ("HiHat", "drums"),
        ("Perc 2", "drums"),
        ("Synth Bass", "bass"),
        ("String Bass", "bass"),
        ("Bassoon", None),
        ("MELODY", "lead"),
        ("Arp 1", "lead"),
        ("Lead Vox", "lead"),
        ("Chords", "chords"),
        ("Pad", "chords"),
        ("PIANO", "chords"),
        ("Stab", "chords"),
        ("BRIDGE", "chords"),
        ("Track 3", None),
        ("What", None),
        ("", None),
    ],
)
def test_name_hints(name, role):
    assert name_hint(name) == role


# --- classification: evidence in order ------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "role", "why"),
    [
        (Source(LINE_HIGH, program=33, channel=9, name="Bass"), "drums", "drum channel 10"),
        (Source(LINE_HIGH, channel=4, is_drum=True), "drums", "drum channel 10"),
        (Source(LINE_HIGH, program=34, name="Lead"), "bass", "GM program 34 (bass)"),
        (Source(BLOCKS, program=81), "lead", "GM program 81 (synth lead)"),
        (Source(LINE_LOW, program=90), "chords", "GM program 90 (synth pad)"),
        (Source(LINE_HIGH, program=0, name="Bass"), "bass", "track name 'Bass'"),
        (Source(BLOCKS, program=56, name="Arp"), "lead", "track name 'Arp'"),
        (Source(LINE_HIGH, program=0), "lead", "single line"),
        (Source(LINE_LOW, program=0), "bass", "low single line"),
        (Source(BLOCKS, program=61), "chords", "polyphonic"),
    ],
)
def test_classify_follows_the_evidence_order(source, role, why):
    got_role, got_why = classify(source)
    assert got_role == role and why in got_why


@pytest.mark.parametrize(
    ("program", "why"), [(122, "sound effects"), (127, "sound effects"), (117, "percussive")]
)
def test_sound_effects_and_percussive_programs_are_dropped(program, why):
    role, reason = classify(Source(LINE_HIGH, program=program, name="Lead"))
    assert role is None and why in reason


def test_empty_source_is_dropped():
    assert classify(Source((), channel=9)) == (None, "no notes")


def test_grey_zone_is_decided_by_the_family():
    # one note of two overlapping: polyphony between the mono and chords thresholds
    partly = notes(*[(70, b, 1.0) for b in range(8)], *[(74, b + 0.5, 0.25) for b in range(8)])
    assert 0.10 < note_stats(partly).polyphony < 0.35
    assert classify(Source(partly, program=0))[0] == "chords"  # piano: comping
    assert classify(Source(partly, program=65))[0] == "lead"  # alto sax: a line
    mid = notes(*[(50 + i % 3, i * 1.0, 1.0) for i in range(8)])  # median 51: between 48 and 55
    assert classify(Source(mid, program=43))[0] == "bass"  # contrabass
    assert classify(Source(mid, program=73))[0] == "lead"  # flute


def test_note_stats_polyphony_and_median():
    assert note_stats(BLOCKS).polyphony == 1.0
    legato = notes((60, 0, 1), (62, 1, 1), (64, 2, 1))  # touching ends are not overlap
    assert note_stats(legato).polyphony == 0.0
    half = notes((60, 0, 2), (64, 1, 1), (67, 3, 1))  # 1 of 3 sounding beats has two notes
    assert note_stats(half).polyphony == pytest.approx(1 / 3)
    assert note_stats(half).median_pitch == 64
    assert note_stats(notes((60, 0, 1), (63, 1, 1))).median_pitch == 61.5


# --- merging and tidying --------------------------------------------------------------------


def test_sources_of_one_role_merge_and_the_biggest_names_the_track():
    small = Source(notes((40, 0, 1), (41, 1, 1)), program=33, channel=5, name="Sub")
    big = Source(notes((40, 0, 1), (43, 2, 1), (45, 3, 1)), program=38, channel=1, name="Acid")
    tracks, report = assign_roles([small, big])
    (bass,) = tracks
    assert (bass.role, bass.program, bass.channel, bass.name) == ("bass", 38, 1, "Acid")
    assert [n.pitch for n in bass.notes] == [40, 41, 43, 45]
    assert report.duplicates_removed == 1
    assert report.role_sources == {"bass": ("Sub", "Acid")}


def test_unknown_and_empty_sources_are_dropped_with_reasons():
    sources = [
        Source((), name="Empty"),
        Source(LINE_HIGH, program=125, name="Heli"),
        Source(LINE_HIGH, program=80, name="Saw"),
    ]
    tracks, report = assign_roles(sources)
    assert [t.role for t in tracks] == ["lead"]
    assert report.dropped == (
        ("Empty", "no notes"),
        ("Heli", "GM program 125 (sound effects) is not used"),
    )


def test_tidy_notes_trims_overlaps_and_merges_duplicates():
    messy = [Note(60, 0, 2, 80), Note(60, 1, 1, 90), Note(60, 1, 0.5, 120), Note(62, 0, 4, 70)]
    tidy, dups = tidy_notes(messy)
    assert dups == 1
    assert tidy == [Note(60, 0, 1, 80), Note(62, 0, 4, 70), Note(60, 1, 1, 120)]


# --- bass from the chords' lowest voice ------------------------------------------------------

LEFT = [(36 + (b % 2) * 7, float(b), 1.0) for b in range(12)]  # C2 / G2, one per beat
RIGHT = [(p, float(b), 1.0) for b in range(12) for p in (60, 64, 67)]


def test_lowest_voice_below_the_threshold_becomes_bass():
    piano = Source(notes(*LEFT, *RIGHT), program=0, channel=2, name="PIANO")
    melody = Source(LINE_HIGH, program=0, channel=0, name="MELODY")
    tracks, report = assign_roles([melody, piano])
    assert [t.role for t in tracks] == ["bass", "chords", "lead"]
    bass, chords, lead = tracks
    assert [(n.pitch, n.start_beats) for n in bass.notes] == [(p, s) for p, s, _ in LEFT]
    assert len(chords.notes) == len(RIGHT) and report.bass_split_notes == 12
    assert (bass.program, bass.name) == (0, "PIANO (lowest voice)")
    assert (lead.channel, chords.channel, bass.channel) == (0, 2, ROLE_SPECS["bass"].channel)


def test_no_split_when_off_when_a_bass_exists_or_when_too_few_low_notes():
    piano = Source(notes(*LEFT, *RIGHT), program=0, name="PIANO")
    off, _ = assign_roles([piano], RoleConfig(split_bass=False))
    assert [t.role for t in off] == ["chords"]
    with_bass, report = assign_roles([piano, Source(LINE_LOW, program=33)])
    assert report.bass_split_notes == 0
    assert len(with_bass[0].notes) == len(LINE_LOW)
    few = Source(notes(*LEFT[:3], *RIGHT), program=0, name="PIANO")
    assert [t.role for t in assign_roles([few])[0]] == ["chords"]


def test_a_held_lower_note_keeps_a_new_note_out_of_the_bass():
    held = [(30, 0.0, 8.0)]  # a long low pedal: notes above it are not the lowest voice
    upper, bass = split_lowest_voice(
        notes(*held, *[(40, float(b), 1.0) for b in range(8)]), RoleConfig(min_split_notes=1)
    )
    assert [n.pitch for n in bass] == [30] and len(upper) == 8


def test_split_bass_is_monophonic_and_tolerates_a_loose_chord_onset():
    cfg = RoleConfig(min_split_notes=1)
    loose = notes((43, 0.0, 2.0), (38, 0.02, 2.0), (60, 0.01, 2.0), (36, 1.0, 1.0))
    upper, bass = split_lowest_voice(loose, cfg)
    assert [(n.pitch, n.start_beats, n.duration_beats) for n in bass] == [
        (38, 0.02, 0.98),  # the lowest of the (slightly spread) chord, cut where 36 starts
        (36, 1.0, 1.0),
    ]
    assert sorted(n.pitch for n in upper) == [43, 60]


def test_channels_are_unique_and_drums_sit_on_channel_10():
    sources = [
        Source(LINE_HIGH, program=81, channel=1, name="Lead"),
        Source(LINE_LOW, program=33, channel=1, name="Bass"),
        Source(notes((36, 0, 0.25)), channel=9),
    ]
    tracks, _ = assign_roles(sources)
    assert {t.role: t.channel for t in tracks} == {"drums": 9, "bass": 1, "lead": 3}


def test_tracks_come_in_role_order_and_are_valid_tracks():
    tracks, _ = assign_roles([Source(LINE_HIGH, program=81), Source(BLOCKS, program=89)])
    assert [t.role for t in tracks] == ["chords", "lead"]
    assert all(isinstance(t, Track) for t in tracks)


def test_only_notes_below_the_threshold_move_to_the_bass():
    tenor = notes(*[(p, float(b), 1.0) for b in range(8) for p in (53, 60, 64)])
    assert split_lowest_voice(tenor, RoleConfig(min_split_notes=1))[1] == []
    upper, bass = split_lowest_voice(tenor, RoleConfig(min_split_notes=1, bass_split_below=54))
    assert [n.pitch for n in bass] == [53] * 8 and len(upper) == 16


def test_e_kit_drum_keys_map_to_gm():
    from jambridge.roles import DRUM_KEY_MAP, Source, assign_roles

    notes = tuple(Note(k, i, 0.1, 90) for i, k in enumerate((22, 26, 58, 36)))
    tracks, _ = assign_roles([Source(notes=notes, channel=9, program=0, name="kit", is_drum=True)])
    assert [n.pitch for n in tracks[0].notes] == [DRUM_KEY_MAP[22], DRUM_KEY_MAP[26], 43, 36]
