"""An LMMS project's XML -> what each instrument track plays on the song timeline, in ticks.

Follows LMMS 1.2's playback and load-time upgrades: song-editor clips play their notes at clip
position + note position (in files newer than LMMS 1.2 a clip also ends at its ``len``);
pattern tracks play the pattern editor (:mod:`.patterns`); muted tracks, muted clips and tracks
silenced by another track's solo do not play; pitches and velocities as :mod:`.voice` says.
Anything damaged is a one-line DataError naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from jambridge.errors import DataError
from jambridge.lmms.patterns import CLIP_TAGS, PatternTrack, children, pattern_parts
from jambridge.lmms.timing import TICKS_PER_BEAT, Upgrades
from jambridge.lmms.voice import Context, Part, Played, Voice, number
from jambridge.music import BEATS_PER_BAR

MAX_SONG_BARS = 10_000  # as midi_io: a note beyond this is a damaged file (5.5 h at 120 BPM)
TEMPO_RANGE = (10.0, 999.0)  # LMMS's MinTempo..MaxTempo
DEFAULT_TEMPO = 140.0  # LMMS's DefaultTempo, for a head without bpm
DENOMINATORS = (1, 2, 4, 8, 16, 32)
# Track types (LMMS Track::Type); automation tracks (5, 6) and others hold no notes.
INSTRUMENT_TRACK, PATTERN_TRACK, SAMPLE_TRACK = 0, 1, 2


@dataclass(frozen=True)
class Project:
    """What an LMMS project plays."""

    creator_version: str  # the LMMS that saved it ("1.2.0"; "" when not said)
    upgrades: Upgrades  # which load-time upgrades applied
    tempo_bpm: float
    time_signature: tuple[int, int]  # (numerator, denominator)
    master_pitch: int  # semitones
    track_count: int  # tracks in the song editor
    parts: tuple[Part, ...]  # instrument tracks that play (song editor, then pattern editor)
    skipped: tuple[tuple[str, str], ...]  # (track title, why it plays nothing)
    drops: dict[str, int] = field(default_factory=dict)  # reason -> notes that do not play


def read_project(root: Element, where: str) -> Project:
    """What the project under ``root`` (an ``<lmms-project>``) plays.

    Raises:
        DataError: no ``<song>`` or ``<trackcontainer>``, a tempo or time signature LMMS
            cannot hold, a damaged number, a pattern track playing a missing pattern, or a
            note or clip beyond :data:`MAX_SONG_BARS`; the message names ``where``.
    """
    song = root.find("song")
    if song is None:
        raise DataError(f"{where}: no <song> in the project (an LMMS preset, not a song?)")
    container = song.find("trackcontainer")
    if container is None:
        raise DataError(f"{where}: the <song> has no <trackcontainer>: no tracks")
    head = root.find("head")
    head = head if head is not None else Element("head")
    meter = _meter(head, where)
    ticks_per_bar = BEATS_PER_BAR * TICKS_PER_BEAT * meter[0] // meter[1]
    ctx = Context(
        where=where,
        upgrades=Upgrades.of(root, where),
        ticks_per_bar=ticks_per_bar,
        limit=MAX_SONG_BARS * BEATS_PER_BAR * TICKS_PER_BEAT,
        master_pitch=round(number(head, "masterpitch", 0, where)),
    )
    tracks = container.findall("track")
    parts, skipped = _song_tracks(ctx, tracks)
    return Project(
        creator_version=root.get("creatorversion", ""),
        upgrades=ctx.upgrades,
        tempo_bpm=_tempo(head, where),
        time_signature=meter,
        master_pitch=ctx.master_pitch,
        track_count=len(tracks),
        parts=tuple(parts),
        skipped=tuple(skipped),
        drops=dict(ctx.drops),
    )


def _tempo(head: Element, where: str) -> float:
    bpm = number(head, "bpm", DEFAULT_TEMPO, where)
    low, high = TEMPO_RANGE
    if not low <= bpm <= high:
        raise DataError(f"{where}: tempo {bpm:g} BPM is outside LMMS's range {low:g}..{high:g}")
    return bpm


def _meter(head: Element, where: str) -> tuple[int, int]:
    num = number(head, "timesig_numerator", 4, where)
    den = number(head, "timesig_denominator", 4, where)
    if not (1 <= num <= 32 and num == int(num) and den in DENOMINATORS):
        raise DataError(
            f"{where}: time signature {num:g}/{den:g} is not one LMMS can hold "
            "(numerator 1..32, denominator 1, 2, 4, 8, 16 or 32)"
        )
    return int(num), int(den)


def _song_tracks(ctx: Context, tracks: list[Element]) -> tuple[list[Part], list[tuple[str, str]]]:
    """Parts of the song editor's instrument tracks, then of the pattern editor's, and the
    tracks that play nothing (title, why)."""
    soloed = any(number(t, "solo", 0, ctx.where) for t in tracks)
    parts: list[Part] = []
    skipped: list[tuple[str, str]] = []
    pattern_tracks: list[PatternTrack] = []
    for index, track in enumerate(tracks):
        kind = round(number(track, "type", INSTRUMENT_TRACK, ctx.where))
        title = f"track {index} {track.get('name', '')!r}"
        silent = _silenced(ctx, track, soloed)
        if kind == PATTERN_TRACK:
            pattern_tracks.append(PatternTrack(title, track, silent))
            if silent:
                skipped.append((title, silent))
        elif kind == INSTRUMENT_TRACK and silent:
            skipped.append((title, silent))
            ctx.drop("in a muted track", len(track.findall("./*/note")))
        elif kind == INSTRUMENT_TRACK:
            parts.append(_song_part(ctx, Voice.of(track, ctx, title), track))
        elif kind == SAMPLE_TRACK:
            skipped.append((title, "audio (sample track): no notes"))
    more, quiet = pattern_parts(ctx, pattern_tracks)
    return parts + more, skipped + quiet


def _silenced(ctx: Context, track: Element, soloed: bool) -> str:
    if number(track, "muted", 0, ctx.where):
        return "muted"
    if soloed and not number(track, "solo", 0, ctx.where):
        return "silenced by another track's solo"
    return ""


def _song_part(ctx: Context, voice: Voice, track: Element) -> Part:
    """A song-editor instrument track's notes at their clips' positions."""
    played: list[Played] = []
    for clip in children(track, CLIP_TAGS):
        what = f"clip at tick {clip.get('pos', '0')}"
        notes = voice.notes(clip, ctx, what)
        if number(clip, "muted", 0, ctx.where):
            ctx.drop("in a muted clip", len(notes))
            continue
        pos = ctx.ticks(clip, "pos", f"{voice.title}, {what}")
        end = ctx.ticks(clip, "len", f"{voice.title}, {what}") if not ctx.upgrades.legacy else 0
        if end > 0:
            ctx.drop("after the end of its clip", sum(n.start >= end for n in notes))
            notes = [n for n in notes if n.start < end]
        last = max((pos + n.start for n in notes), default=0)
        if last >= ctx.limit:
            raise DataError(
                f"{ctx.where}: {voice.title}, {what}: a note at bar "
                f"{last // ctx.ticks_per_bar}, beyond the {MAX_SONG_BARS}-bar limit"
            )
        ctx.count(len(notes))
        played.extend(n.at(pos) for n in notes)
    return voice.part(played)
