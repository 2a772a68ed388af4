"""Swing: the off-beat 16ths move to ``swing`` of their 8th (0.5 straight, 2/3 triplet) while
8th lines stay; set per track in presets and with ``generate --swing``, and measured back."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jambridge.cli import main
from jambridge.errors import JamBridgeError, PresetError
from jambridge.evaluation.groove_check import swing_ratio
from jambridge.groove import TrackGroove, bar_with_groove, swung_beats, with_swing
from jambridge.music import BEATS_PER_BAR, Bar, Note, Track
from jambridge.preset import load_preset, preset_from_dict, save_preset, with_overrides
from jambridge.song_files import read_song

HAT, KICK = 42, 36
TRIPLET = 2 / 3


def sixteenths(role: str = "drums") -> Bar:
    """A hat on every 16th of the bar, 1/8 beat long."""
    return Bar((Track(role, tuple(Note(HAT, i / 4, 0.125, 60 + i) for i in range(16))),))


# -- the swing map --------------------------------------------------------------------------


def test_straight_swing_gives_back_the_same_notes_and_tracks():
    bar = Bar((Track("drums", (Note(HAT, 0.27, 0.1, 80), Note(KICK, 1.0, 0.25, 110))),))
    assert all(with_swing(n, 0.5) is n for n in bar.tracks[0].notes)
    assert bar_with_groove(bar, {"drums": TrackGroove(1.0, 0.5)}).tracks[0] is bar.tracks[0]


def test_triplet_swing_puts_the_off_beat_16ths_at_two_thirds_of_their_8th():
    out = bar_with_groove(sixteenths(), {"drums": TrackGroove(swing=TRIPLET)}).tracks[0].notes
    off = [n for n in out if round((n.start_beats % 0.5) / 0.5, 6) != 0]
    assert len(off) == 8
    for n in off:
        assert (n.start_beats % 0.5) / 0.5 == pytest.approx(TRIPLET, abs=1e-8)


def test_on_beats_and_8ths_stay_where_they_are():
    out = bar_with_groove(sixteenths(), {"drums": TrackGroove(swing=0.62)}).tracks[0].notes
    on_8ths = sorted(n.start_beats for n in out if n.velocity % 2 == 0)  # the even 16ths
    assert on_8ths == [i / 2 for i in range(8)]


def test_only_the_named_roles_swing_and_velocities_stay():
    bar = Bar((*sixteenths("drums").tracks, *sixteenths("lead").tracks))
    out = bar_with_groove(bar, {"drums": TrackGroove(swing=0.6)})
    assert out.track("lead") == bar.track("lead")
    assert [n.velocity for n in out.track("drums").notes] == list(range(60, 76))


def test_micro_timing_around_an_off_16th_moves_with_it():
    late = Note(HAT, 0.27, 0.1, 80)  # 0.02 beats behind the off-beat 16th
    swung = with_swing(late, 0.6)
    assert swung.start_beats - 0.3 == pytest.approx(0.02 * (2 - 2 * 0.6))  # still just behind
    on_grid = bar_with_groove(Bar((Track("drums", (late,)),)), {"drums": TrackGroove(0.0, 0.6)})
    assert on_grid.tracks[0].notes[0].start_beats == pytest.approx(0.3)  # groove 0, then swing


@given(
    starts=st.lists(st.integers(0, 4 * 960 - 1), min_size=1, max_size=24),
    lengths=st.lists(st.integers(1, 5 * 960), min_size=24, max_size=24),
    swing=st.floats(0.5, 0.75),
)
def test_swing_keeps_the_order_and_every_note_in_its_bar(starts, lengths, swing):
    notes = [Note(HAT, s / 960, d / 960, 90) for s, d in zip(starts, lengths, strict=False)]
    moved = [with_swing(n, swing) for n in notes]
    for a, b in zip(notes, moved, strict=True):
        assert 0 <= b.start_beats < BEATS_PER_BAR and b.duration_beats > 0
        assert int(b.start_beats // 0.5) == int(a.start_beats // 0.5)  # in the same 8th
        if a.end_beats <= BEATS_PER_BAR:
            assert b.end_beats <= BEATS_PER_BAR + 1e-9
    for (a, x), (b, y) in itertools.permutations(zip(notes, moved, strict=True), 2):
        if a.start_beats < b.start_beats:
            assert x.start_beats <= y.start_beats
        if a.end_beats <= b.start_beats:  # no note runs into a later one it did not reach
            assert x.end_beats <= y.start_beats + 1e-9


def test_the_map_is_continuous_at_the_16th_and_the_8th():
    for swing in (0.5, 0.58, 0.75):
        assert swung_beats(0.25, swing) == pytest.approx(swing * 0.5)
        assert swung_beats(0.5 - 1e-12, swing) == pytest.approx(0.5)
        assert swung_beats(3.5, swing) == 3.5


@pytest.mark.parametrize("swing", [0.49, 0.76, float("nan")])
def test_swing_out_of_range_is_refused_with_the_range(swing):
    with pytest.raises(JamBridgeError, match=r"swing must be in range 0.5..0.75"):
        TrackGroove(swing=swing)
    with pytest.raises(JamBridgeError, match=r"swing must be in range 0.5..0.75"):
        with_swing(Note(HAT, 0.25, 0.1, 80), swing)


# -- presets and the command line -----------------------------------------------------------


def test_a_presets_track_swing_loads_saves_and_reaches_its_grooves(tmp_path):
    data = {"name": "Swung", "style": "house", "tracks": {"drums": {"swing": 0.58}}}
    preset = preset_from_dict(data)
    assert preset.tracks["drums"].swing == 0.58 and preset.tracks["bass"].swing == 0.5
    assert preset.grooves()["drums"] == TrackGroove(1.0, 0.58)
    assert load_preset(save_preset(preset, tmp_path / "swung.json")) == preset


@pytest.mark.parametrize("swing", [0.8, 0.3, "0.6", True])
def test_a_bad_preset_swing_names_the_field(swing):
    data = json.loads(json.dumps(load_preset("techno").to_dict()))
    data["tracks"]["drums"]["swing"] = swing
    with pytest.raises(PresetError, match=r"^broken.json: tracks.drums.swing must be") as err:
        preset_from_dict(data, "broken.json")
    assert "\n" not in str(err.value)


def test_swing_overrides_are_checked_by_the_presets_rule():
    preset = with_overrides(load_preset("techno"), swing={"drums": 0.62})
    assert preset.tracks["drums"].swing == 0.62 and preset.tracks["bass"].swing == 0.5
    with pytest.raises(PresetError, match=r"^--swing must be in range 0.5..0.75, got 0.9$"):
        with_overrides(load_preset("techno"), swing={"drums": 0.9})


def generate(tmp_path, *options: str, name: str = "x.mid", preset: str = "techno"):
    path = tmp_path / name
    argv = ["generate", "--engine", "procedural", "--preset", preset, "--bars", "8", "--seed",
            "3", *options, "-o", str(path)]  # fmt: skip
    assert main(argv) == 0
    return path


@pytest.mark.parametrize("swing", [0.5, 0.58, 0.62, 2 / 3])
def test_generate_swing_is_the_swing_measured_in_the_file(tmp_path, swing):
    song = read_song(generate(tmp_path, "--swing", f"{swing:.4f}"))[0]
    assert swing_ratio(song) == pytest.approx(swing, abs=0.02)


def test_generate_role_swing_moves_only_that_role_and_straight_is_byte_identical(tmp_path):
    plain = generate(tmp_path, name="plain.mid")
    assert generate(tmp_path, "--swing", "0.5", name="straight.mid").read_bytes() == (
        plain.read_bytes()
    )
    swung = read_song(generate(tmp_path, "--swing", "drums=0.62", name="swung.mid"))[0]
    before = read_song(plain)[0]
    assert swing_ratio(swung) == pytest.approx(0.62, abs=0.02)
    assert swing_ratio(before) == pytest.approx(0.5, abs=0.02)
    for role in ("bass", "chords", "lead"):
        assert swung.track(role).notes == before.track(role).notes


def test_generate_swing_out_of_range_is_one_line_and_exit_2(tmp_path, capsys):
    rc = main(["generate", "--engine", "procedural", "--swing", "bass=0.9", "-o",
               str(tmp_path / "x.mid")])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert err == "jambridge generate: error: --swing must be in range 0.5..0.75, got 0.9\n"
    assert not (tmp_path / "x.mid").exists()


@pytest.mark.parametrize("bad", ["kazoo=0.6", "fast", "drums="])
def test_generate_swing_that_is_not_a_number_or_role_is_a_usage_error(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as info:
        main(["generate", "--swing", bad, "-o", str(tmp_path / "x.mid")])
    assert info.value.code == 2
    assert "expected RATIO or ROLE=RATIO" in capsys.readouterr().err
