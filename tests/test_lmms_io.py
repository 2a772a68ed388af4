"""LMMS projects in: small projects written here, per track notes against their own content;
damaged and hostile files; and every real project in ../shared/data/lmms (when present)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jambridge.dataset import find_midi_files
from jambridge.errors import DataError
from jambridge.lmms import LmmsReadReport, lmms_bytes_to_song, read_lmms
from jambridge.lmms.drums import DRUM_SOUNDS, GENERIC_PERCUSSION_KEY
from jambridge.midi_io import read_midi
from jambridge.song_files import read_song, song_bytes_to_song
from tests.support.damage import flips, mangled, reads_or_names_the_file
from tests.support.midi_factory import Part, write_midi_file

# --- a small project writer -------------------------------------------------------------------


def note(key: int, pos: int, length: int, vol: float = 100, extra: str = "") -> str:
    return f'<note key="{key}" pos="{pos}" len="{length}" vol="{vol}" pan="0"{extra}/>'


def clip(pos: int, notes: list[str], muted: int = 0, steps: int = 16, tag: str = "pattern") -> str:
    return (
        f'<{tag} type="1" name="c" pos="{pos}" len="192" muted="{muted}" steps="{steps}">'
        + "".join(notes)
        + f"</{tag}>"
    )


def instrument(
    name: str,
    clips: list[str],
    plugin: str = "tripleoscillator",
    sample: str = "",
    basenote: int = 57,
    muted: int = 0,
    solo: int = 0,
    settings: str = "",
) -> str:
    sound = f'<{plugin} src="{sample}"/>' if sample else f"<{plugin}/>"
    return (
        f'<track type="0" name="{name}" muted="{muted}" solo="{solo}">'
        f'<instrumenttrack vol="100" pan="0" pitch="0" basenote="{basenote}" {settings}>'
        f'<instrument name="{plugin}">{sound}</instrument></instrumenttrack>'
        + "".join(clips)
        + "</track>"
    )


def pattern_track(
    name: str, spans: list[tuple[int, int]], editor: list[str] | None = None, muted: int = 0
) -> str:
    inner = f'<trackcontainer type="bbtrackcontainer">{"".join(editor or [])}</trackcontainer>'
    bbtrack = f"<bbtrack>{inner}</bbtrack>" if editor is not None else "<bbtrack/>"
    clips = "".join(f'<bbtco pos="{p}" len="{n}" muted="0" name=""/>' for p, n in spans)
    return f'<track type="1" name="{name}" muted="{muted}" solo="0">{bbtrack}{clips}</track>'


def project(
    tracks: list[str],
    bpm: float = 120,
    creator: str = "1.2.0",
    version: str = "1.0",
    master: int = 0,
    meter: tuple[int, int] = (4, 4),
) -> str:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE lmms-project>\n'
        f'<lmms-project version="{version}" creator="LMMS" creatorversion="{creator}" '
        f'type="song"><head bpm="{bpm}" masterpitch="{master}" timesig_numerator="{meter[0]}" '
        f'timesig_denominator="{meter[1]}" mastervol="100"/><song>'
        f'<trackcontainer type="song">{"".join(tracks)}</trackcontainer></song></lmms-project>'
    )


def compress(xml: str | bytes) -> bytes:
    """Qt's qCompress, as LMMS writes .mmpz: the length (big-endian), then zlib."""
    data = xml.encode() if isinstance(xml, str) else xml
    return struct.pack(">I", len(data)) + zlib.compress(data)


def write(tmp_path: Path, xml: str, name: str = "song.mmp") -> Path:
    path = tmp_path / name
    path.write_bytes(compress(xml) if name.endswith(".mmpz") else xml.encode())
    return path


def notes_of(song, role: str) -> list[tuple[int, float, float, int]]:
    track = song.track(role)
    assert track is not None, f"no {role} track in {song.roles}"
    return [(n.pitch, n.start_beats, n.duration_beats, n.velocity) for n in track.notes]


BASS = [note(36 + i % 3, 48 * i, 24) for i in range(8)]  # 8 low notes, a quarter apart
STEP = -192  # LMMS 1.2's step note length


# --- song editor, pitch, velocity ------------------------------------------------------------


def test_song_clips_play_their_notes_at_clip_plus_note_position(tmp_path):
    xml = project([instrument("Bass", [clip(0, BASS[:4]), clip(768, BASS[4:])])])
    song, _ = read_lmms(write(tmp_path, xml))
    # LMMS 1.2 file, base note 57: MIDI pitch = key + 12; 48 ticks per beat; the second clip
    # starts at beat 16 and its notes sit at beats 4..7 of it
    expected = [(48 + i % 3, i + (16.0 if i >= 4 else 0.0), 0.5, 64) for i in range(8)]
    assert notes_of(song, "bass") == expected


@pytest.mark.parametrize(
    "creator, version, plugin, basenote, master, settings, key, pitch",
    [
        ("1.2.0", "1.0", "tripleoscillator", 57, 0, "", 48, 60),  # keys 12 lower in 1.2 files
        ("1.2.0", "1.0", "tripleoscillator", 60, 0, "", 48, 57),  # base C5: A-relative shift
        ("1.2.0", "1.0", "zynaddsubfx", 57, 0, "", 60, 60),  # MIDI-native: key kept by upgrade
        ("1.2.0", "1.0", "lb302", 57, 2, "", 48, 62),  # master pitch
        ("1.2.0", "1.0", "lb302", 57, 2, 'usemasterpitch="0"', 48, 60),  # ... unless off
        ("1.3.0-alpha", "31", "tripleoscillator", 69, 0, "", 60, 60),  # new files: no upgrade
        ("1.3.0-alpha", "31", "zynaddsubfx", 69, 0, "", 60, 60),
    ],
)
def test_pitch_is_key_plus_69_minus_basenote_plus_master_after_upgrades(
    tmp_path, creator, version, plugin, basenote, master, settings, key, pitch
):
    track = instrument("Lead", [clip(0, [note(key, 0, 96)])], plugin, "", basenote, 0, 0, settings)
    xml = project([track], creator=creator, version=version, master=master)
    song, report = read_lmms(write(tmp_path, xml))
    assert [n.pitch for t in song.tracks for n in t.notes] == [pitch]
    assert report.note_range_upgraded == (version == "1.0")


@pytest.mark.parametrize("vol, velocity", [(100, 64), (200, 127), (50, 32), (0, 1), (250, 127)])
def test_volume_maps_to_velocity_vol_times_127_over_200_clamped(tmp_path, vol, velocity):
    xml = project([instrument("Lead", [clip(0, [note(60, 0, 48, vol)])])])
    song, _ = read_lmms(write(tmp_path, xml))
    assert [n.velocity for t in song.tracks for n in t.notes] == [velocity]


def test_step_notes_are_one_shot_sixteenths_old_and_new_format(tmp_path):
    old = project([instrument("Kick", [clip(0, [note(57, 0, STEP), note(57, 96, STEP)])])])
    new = project(
        [instrument("Kick", [clip(0, [note(69, 0, 12, extra=' type="1"')])], basenote=69)],
        creator="1.3.0",
        version="31",
    )
    old_song, _ = read_lmms(write(tmp_path, old, "old.mmp"))
    new_song, _ = read_lmms(write(tmp_path, new, "new.mmp"))
    assert notes_of(old_song, "drums") == [(36, 0.0, 0.25, 64), (36, 2.0, 0.25, 64)]
    assert notes_of(new_song, "drums") == [(36, 0.0, 0.25, 64)]


def test_tempo_name_and_non_4_4_meter_are_reported(tmp_path):
    xml = project([instrument("Bass", [clip(0, BASS)])], bpm=174, meter=(3, 4))
    song, report = read_lmms(write(tmp_path, xml, "Waltz.mmpz"))
    assert (song.tempo_bpm, song.name) == (174.0, "Waltz")
    assert report.time_signatures == ((0.0, "3/4"),)
    assert report.warnings == ("3/4 at beat 0 read as 4/4 beats",)
    assert not report.is_4_4


def test_mmpz_and_mmp_of_one_project_read_the_same(tmp_path):
    xml = project([instrument("Bass", [clip(0, BASS)]), instrument("Kick", [clip(0, BASS)])])
    plain, _ = read_lmms(write(tmp_path, xml, "a.mmp"))
    packed, report = read_lmms(write(tmp_path, xml, "a.mmpz"))
    assert plain == packed and packed.note_count() == 16
    assert isinstance(report, LmmsReadReport) and report.ticks_per_beat == 48


# --- pattern (beat/bassline) tracks ----------------------------------------------------------

KICK = "drums/kick01.ogg"
FOUR = [note(57, 48 * i, STEP) for i in range(4)]  # four on the floor, one bar


def test_pattern_track_k_plays_the_kth_pattern_looped_through_its_clips(tmp_path):
    editor = [
        instrument("k", [clip(0, FOUR), clip(192, [note(57, 0, STEP)])], "audiofileprocessor", KICK)
    ]
    xml = project(
        [
            pattern_track("Beat", [(0, 384)], editor),  # pattern 0, two bars
            pattern_track("Fill", [(384, 192), (1152, 192)]),  # pattern 1, twice
        ]
    )
    song, _ = read_lmms(write(tmp_path, xml))
    starts = [s for _, s, _, _ in notes_of(song, "drums")]
    assert starts == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 24.0]


def test_pattern_loops_over_the_longest_kth_pattern_and_clips_cut_it(tmp_path):
    long_pad = clip(0, [note(60, 0, 96), note(64, 192, 96)], steps=32)  # 2 bars
    editor = [
        instrument("Pad", [long_pad]),
        instrument(
            "Hat", [clip(0, [note(57, 0, STEP)])], "audiofileprocessor", "drums/hihat_closed01.ogg"
        ),
    ]
    xml = project([pattern_track("Beat", [(0, 768), (768, 96)], editor)])
    song, _ = read_lmms(write(tmp_path, xml))
    # the hat's 1-bar pattern repeats every 2 bars (the pad's length), the second clip stops
    # after half a bar, so only what starts in its first 2 beats plays
    assert [s for _, s, _, _ in notes_of(song, "drums")] == [0.0, 8.0, 16.0]
    assert [(p, s) for p, s, _, _ in notes_of(song, "chords")] == [
        (72, 0.0),
        (76, 4.0),
        (72, 8.0),
        (76, 12.0),
        (72, 16.0),
    ]


def test_muted_tracks_clips_and_pattern_tracks_do_not_play(tmp_path):
    editor = [
        instrument("k", [clip(0, FOUR), clip(192, FOUR[:1])], "audiofileprocessor", KICK),
        instrument(
            "s", [clip(0, [note(57, 48, STEP)])], "audiofileprocessor", "drums/snare01.ogg", muted=1
        ),
    ]
    xml = project(
        [
            pattern_track("Beat", [(0, 192)], editor),
            pattern_track("Muted beat", [(192, 192)], muted=1),
            instrument("Bass", [clip(0, BASS[:4]), clip(192, BASS[4:], muted=1)]),
            instrument("Lead", [clip(0, [note(72, 0, 48)])], muted=1),
        ]
    )
    song, report = read_lmms(write(tmp_path, xml))
    assert [p for p, _, _, _ in notes_of(song, "drums")] == [36, 36, 36, 36]
    assert len(notes_of(song, "bass")) == 4 and song.roles == ("drums", "bass")
    assert report.drop_reasons["in a muted clip"] == 4
    assert report.drop_reasons["in a muted track"] == 2  # the lead's note, the snare's
    assert report.drop_reasons["in a muted pattern track"] == 1  # pattern 1's kick
    assert ("track 3 'Lead'", "muted") in report.dropped


def test_a_soloed_track_plays_alone(tmp_path):
    xml = project(
        [
            instrument("Bass", [clip(0, BASS)], solo=1),
            instrument("Kick", [clip(0, [note(57, 0, STEP)])]),
        ]
    )
    song, report = read_lmms(write(tmp_path, xml))
    assert song.roles == ("bass",)
    assert ("track 1 'Kick'", "silenced by another track's solo") in report.dropped


# --- drums -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, plugin, sample, key",
    [
        ("Default", "audiofileprocessor", "drums/kick01.ogg", 36),
        ("x", "audiofileprocessor", "drums/hihat_opened02.ogg", 46),
        ("x", "audiofileprocessor", "drums/hihat_closed01.ogg", 42),
        ("x", "audiofileprocessor", "drumsynth/tr808/Handclap.ds", 39),
        ("x", "audiofileprocessor", "/usr/share/lmms/samples/drums/crash01.ogg", 49),
        ("x", "audiofileprocessor", "drumsynth/misc_perc/weird_1.ds", 75),  # a drum, unnamed
        ("Snare", "tripleoscillator", "", 38),  # a synth named as a drum
        ("Kick hi", "kicker", "", 36),
        ("Open HiHat", "bitinvader", "", 46),
        ("Default Kicker Preset", "kicker", "", 36),
        ("Perc", "tripleoscillator", "", 75),  # role assignment's drum hint: a generic hit
    ],
)
def test_drums_are_mapped_to_gm_keys_by_sample_or_track_name(tmp_path, name, plugin, sample, key):
    notes = [note(50 + i, 48 * i, STEP) for i in range(4)]  # the key is not the drum
    xml = project([instrument(name, [clip(0, notes)], plugin, sample)])
    song, report = read_lmms(write(tmp_path, xml))
    assert song.roles == ("drums",)
    assert {p for p, _, _, _ in notes_of(song, "drums")} == {key}
    assert song.track("drums").channel == 9 and len(report.drums) == 1


@pytest.mark.parametrize("sample", ["instruments/piano01.ogg", "drumsynth/instrument/E_Piano.ds"])
def test_pitched_samples_are_not_drums(tmp_path, sample):
    xml = project([instrument("Keys", [clip(0, BASS)], "audiofileprocessor", sample)])
    song, report = read_lmms(write(tmp_path, xml))
    assert "drums" not in song.roles and report.drums == ()


def test_lmms_tracks_get_the_roles_and_notes_a_midi_file_of_the_same_music_gets(tmp_path):
    kick = [note(57, 48 * i, 12) for i in range(8)]
    bass = [note(24 + (i % 3), 24 + 48 * i, 24, 180) for i in range(8)]
    pad = [note(k, 0, 384, 120) for k in (48, 51, 55)]
    lead = [note(60 + i % 5, 48 * i, 36, 160) for i in range(8)]
    xml = project(
        [
            instrument("Kick", [clip(0, kick)], "audiofileprocessor", KICK),
            instrument("Sub", [clip(0, bass)]),
            instrument("Pad", [clip(0, pad)]),
            instrument("Lead", [clip(0, lead)]),
        ]
    )
    lmms, _ = read_lmms(write(tmp_path, xml))

    def beats(specs, key=None):
        out = []
        for s in specs:
            k, p, n, v = (int(x) for x in re.findall(r'"(-?\d+)"', s)[:4])
            out.append((key or k + 12, p / 48, n / 48, min(round(v * 127 / 200), 127)))
        return out

    parts = [
        Part(9, None, "Kick", beats(kick, 36)),
        Part(1, 38, "Sub", beats(bass)),
        Part(2, 89, "Pad", beats(pad)),
        Part(3, 81, "Lead", beats(lead)),
    ]
    midi, _ = read_midi(write_midi_file(tmp_path / "same.mid", parts, tempo_bpm=120.0))
    assert lmms.roles == midi.roles == ("drums", "bass", "chords", "lead")
    for role in lmms.roles:
        assert notes_of(lmms, role) == notes_of(midi, role), role
    assert [(t.channel, t.program) for t in lmms.tracks] == [(9, 0), (1, 38), (2, 89), (3, 81)]


# --- one entry point ---------------------------------------------------------------------------


def test_read_song_and_the_dataset_finder_take_lmms_projects_and_midi_files(tmp_path):
    xml = project([instrument("Bass", [clip(0, BASS)])])
    lmms_path = write(tmp_path, xml, "p.mmpz")
    write(tmp_path, xml, "q.MMP")
    mid = write_midi_file(tmp_path / "m.mid", [Part(1, 38, "Bass", [(36, 0.0, 0.5, 90)])])
    (tmp_path / "notes.txt").write_text("not a song")
    assert [p.name for p in find_midi_files(tmp_path)] == ["m.mid", "p.mmpz", "q.MMP"]
    assert read_song(lmms_path)[0] == read_lmms(lmms_path)[0]
    assert read_song(mid)[0] == read_midi(mid)[0]
    assert song_bytes_to_song(lmms_path.read_bytes(), "x.mmpz")[0].note_count() == 8


# --- damaged and hostile projects ----------------------------------------------------------------

GOOD = project([instrument("Bass", [clip(0, BASS)])])
GOOD_Z = compress(GOOD)
BOMB = b"<lmms-project>" + b" " * (33 * 1024 * 1024) + b"</lmms-project>"
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lmms-project [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><lmms-project>&b;</lmms-project>'
)
DAMAGED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty file"),
    "truncated mmpz": (GOOD_Z[: len(GOOD_Z) // 2], "truncated"),
    "wrong length prefix": (struct.pack(">I", 12345) + GOOD_Z[4:], "wrong length prefix"),
    "zlib garbage": (
        struct.pack(">I", 1000) + b"\x78\x9c garbage, not deflate",
        "corrupt compressed",
    ),
    "not xml": (compress(b"just some text"), "not valid XML"),
    "broken xml": (GOOD[:-40].encode(), "not valid XML"),
    "not an lmms project": (b"<?xml version='1.0'?><svg/>", "root element <svg>"),
    "no song": (b'<lmms-project version="1.0"><head/></lmms-project>', "no <song>"),
    "no trackcontainer": (b"<lmms-project><head/><song/></lmms-project>", "no <trackcontainer>"),
    "key not a number": (GOOD.replace('key="36"', 'key="C4"').encode(), "key='C4' in <note>"),
    "negative tempo": (GOOD.replace('bpm="120"', 'bpm="-5"').encode(), "tempo -5 BPM"),
    "huge tempo": (GOOD.replace('bpm="120"', 'bpm="1e9"').encode(), "tempo 1e+09 BPM"),
    "bad time signature": (
        GOOD.replace('numerator="4"', 'numerator="0"').encode(),
        "time signature 0/4",
    ),
    "missing pattern": (
        project(
            [
                pattern_track("A", [(0, 192)], [instrument("k", [clip(0, FOUR)])]),
                pattern_track("B", [(192, 192)]),
            ]
        ).encode(),
        "refers to a missing pattern",
    ),
    "pattern clips, no editor": (
        project([pattern_track("A", [(0, 192)])]).encode(),
        "holds no pattern editor",
    ),
    "note beyond the bar limit": (
        project([instrument("Bass", [clip(10_001 * 192, BASS)])]).encode(),
        "beyond the 10000-bar limit",
    ),
    "clip beyond the bar limit": (
        project([pattern_track("A", [(0, 10**9)], [instrument("k", [clip(0, FOUR)])])]).encode(),
        "beyond the 10000-bar limit",
    ),
    "version not a number": (
        GOOD.replace('version="1.0" creator', 'version="x"  creator').encode(),
        "version 'x'",
    ),
    "length prefix too big": (struct.pack(">I", 2**31) + GOOD_Z[4:], "promises 2147483648 bytes"),
    "zip bomb": (compress(BOMB)[:4].replace(b"\x02", b"\x00") + compress(BOMB)[4:], "zip bomb"),
    "entity expansion": (LAUGHS.encode(), "declares a DTD"),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE lmms-project SYSTEM "file:///etc/passwd"><lmms-project/>',
        "declares a DTD",
    ),
    "deep nesting": (
        b"<lmms-project>" + b"<a>" * 100 + b"</a>" * 100 + b"</lmms-project>",
        "nested deeper",
    ),
    "no notes": (project([instrument("Bass", [clip(0, [])])]).encode(), "no notes in 1 track"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_projects_raise_one_line_data_error_naming_file_and_problem(tmp_path, case):
    data, problem = DAMAGED[case]
    path = tmp_path / "bad.mmpz"
    path.write_bytes(data)
    with pytest.raises(DataError) as err:
        read_lmms(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_directory_and_missing_file_raise_data_error(tmp_path):
    (tmp_path / "folder.mmp").mkdir()
    with pytest.raises(DataError, match="directory"):
        read_lmms(tmp_path / "folder.mmp")
    with pytest.raises(DataError, match="cannot read"):
        read_lmms(tmp_path / "nope.mmpz")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    compressed=st.booleans(),
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    changes=flips(len(GOOD)),
)
def test_mangled_projects_only_ever_raise_data_error(compressed, cut, changes):
    data = mangled(GOOD_Z if compressed else GOOD.encode(), changes, cut)
    reads_or_names_the_file(lmms_bytes_to_song, data, "mangled.mmpz")


# --- the real projects -------------------------------------------------------------------------


def _shared_lmms() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    for folder in (here.parent / "shared" / "data" / "lmms", Path("/work/shared/data/lmms")):
        if folder.is_dir():
            return folder
    return None


LMMS_DIR = _shared_lmms()
REAL = sorted(LMMS_DIR.rglob("*.mmp*")) if LMMS_DIR else []
DRUM_SAMPLE = re.compile(rb'src="[^"]*(?:drums/|drumsynth/(?!instrument/))')


def _xml(path: Path) -> bytes:
    data = path.read_bytes()
    return data if data.lstrip().startswith(b"<") else zlib.decompress(data[4:])


@pytest.mark.skipif(not REAL, reason="../shared/data/lmms is not here")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_every_real_project_reads_with_notes_and_drums_where_it_has_drum_samples(path):
    song, report = read_lmms(path)
    assert song.note_count() > 0 and report.notes_kept == song.note_count()
    if DRUM_SAMPLE.search(_xml(path)):
        assert "drums" in song.roles
    drums = song.track("drums")
    gm_keys = {key for _, key, _ in DRUM_SOUNDS} | {GENERIC_PERCUSSION_KEY}
    assert drums is None or {n.pitch for n in drums.notes} <= gm_keys  # no LMMS key leaks
