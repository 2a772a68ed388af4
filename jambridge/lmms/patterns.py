"""Pattern (beat/bassline) tracks: their clips on the song timeline, expanded into notes.

LMMS keeps one pattern editor, saved inside the first pattern track's ``<bbtrack>``: a track
container whose instrument tracks each hold one clip per pattern track. Pattern track ``k``
plays, through each of its clips, the ``k``-th clip of every instrument in the editor, looped
over the pattern's length (the longest ``k``-th clip of any instrument, at least a bar, in
whole bars: ``BBTrackContainer::lengthOfBB``) from the clip's start to its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from jambridge.errors import DataError
from jambridge.lmms.timing import TICKS_PER_STEP, pattern_length
from jambridge.lmms.voice import Context, Part, Played, Voice, number

CLIP_TAGS = ("pattern", "midiclip")  # a clip of notes (renamed in LMMS 1.3)
PATTERN_CLIP_TAGS = ("bbtco", "bbclip", "patternclip")  # a pattern track's clip on the song
PATTERN_TRACK_TAGS = ("bbtrack", "patterntrack")  # a pattern track's own settings
INSTRUMENT_TRACK = 0


@dataclass(frozen=True)
class PatternTrack:
    """A pattern track of the song editor."""

    title: str  # "track 4 'Drums'"
    element: Element  # its <track type="1">
    silent: str  # why it does not play ("muted", ...), or ""


def children(element: Element, tags: tuple[str, ...]) -> list[Element]:
    """The child elements of ``element`` with one of ``tags``, in file order."""
    return [child for child in element if child.tag in tags]


def pattern_parts(
    ctx: Context, tracks: list[PatternTrack]
) -> tuple[list[Part], list[tuple[str, str]]]:
    """The parts the pattern editor's instruments play through ``tracks``, and the editor's
    tracks that play nothing (title, why).

    Raises:
        DataError: a pattern track has clips but its pattern is missing from the editor (or
            there is no editor), a clip ends beyond the bar limit, or a number is damaged.
    """
    spans = [_spans(ctx, t) for t in tracks]
    editor = _editor(tracks)
    if editor is None:
        if any(spans):
            raise DataError(
                f"{ctx.where}: pattern tracks have clips, but the project holds no pattern "
                "editor (no <trackcontainer> in any <bbtrack>)"
            )
        return [], []
    voices: list[tuple[Voice, list[Element], str]] = []
    for j, track in enumerate(editor.findall("track")):
        if round(number(track, "type", INSTRUMENT_TRACK, ctx.where)) != INSTRUMENT_TRACK:
            continue
        voice = Voice.of(track, ctx, f"pattern editor track {j} {track.get('name', '')!r}")
        silent = "muted" if number(track, "muted", 0, ctx.where) else ""
        voices.append((voice, children(track, CLIP_TAGS), silent))
    _check_patterns_exist(ctx, tracks, spans, [clips for _, clips, _ in voices])
    loops = [_loop_length(ctx, k, [clips for _, clips, _ in voices]) for k in range(len(tracks))]
    parts, skipped = [], []
    for voice, clips, silent in voices:
        if silent:
            skipped.append((voice.title, silent))
            ctx.drop("in a muted track", sum(len(c.findall("note")) for c in clips))
            continue
        played: list[Played] = []
        for k, clip in enumerate(clips):
            if k < len(tracks) and tracks[k].silent:
                ctx.drop("in a muted pattern track", len(clip.findall("note")))
            elif k >= len(tracks) or not spans[k]:
                ctx.drop("in a pattern no pattern track plays", len(clip.findall("note")))
            else:
                played.extend(_looped(ctx, voice, clip, spans[k], loops[k]))
        parts.append(voice.part(played))
    return parts, skipped


def _spans(ctx: Context, track: PatternTrack) -> list[tuple[int, int]]:
    """(start, end) ticks of the pattern track's clips that play."""
    if track.silent:
        return []
    spans = []
    for clip in children(track.element, PATTERN_CLIP_TAGS):
        what = f"{track.title}, clip at tick {clip.get('pos', '0')}"
        start, length = ctx.ticks(clip, "pos", what), ctx.ticks(clip, "len", what)
        if number(clip, "muted", 0, ctx.where) or length <= 0:
            continue
        if start + length > ctx.limit:
            raise DataError(
                f"{ctx.where}: {what} lasts to bar {(start + length) // ctx.ticks_per_bar}, "
                f"beyond the {ctx.limit_bars}-bar limit"
            )
        spans.append((start, start + length))
    return spans


def _editor(tracks: list[PatternTrack]) -> Element | None:
    """The pattern editor's track container (LMMS saves it in the first pattern track)."""
    for track in tracks:
        for settings in children(track.element, PATTERN_TRACK_TAGS):
            editor = settings.find("trackcontainer")
            if editor is not None:
                return editor
    return None


def _check_patterns_exist(
    ctx: Context,
    tracks: list[PatternTrack],
    spans: list[list[tuple[int, int]]],
    clips: list[list[Element]],
) -> None:
    """A pattern track whose clips play must find its pattern in the editor (when the editor
    has instruments at all: an empty editor plays silence in LMMS too)."""
    held = max((len(c) for c in clips), default=0)
    for k, track in enumerate(tracks):
        if spans[k] and clips and k >= held:
            raise DataError(
                f"{ctx.where}: {track.title} plays pattern {k}, but the pattern editor holds "
                f"only {held} pattern(s) per instrument: the clip refers to a missing pattern"
            )


def _loop_length(ctx: Context, k: int, clips: list[list[Element]]) -> int:
    """LMMS's ``lengthOfBB(k)``: the longest ``k``-th clip of any editor track, whole bars."""
    longest = ctx.ticks_per_bar
    for track_clips in clips:
        if k < len(track_clips):
            longest = max(longest, _clip_length(ctx, track_clips[k]))
    return longest


def _clip_length(ctx: Context, clip: Element) -> int:
    """A pattern editor clip's length as LMMS 1.2 computes it on load."""
    what = f"pattern {clip.get('name', '')!r}"
    notes = []
    for note in clip.findall("note"):
        length = ctx.ticks(note, "len", what)
        step = note.get("type") == "1" or (length < 0 and ctx.upgrades.negative_length_steps)
        notes.append((ctx.ticks(note, "pos", what), -1 if step else length))
    steps = round(number(clip, "steps", 0, ctx.where))
    if ctx.upgrades.bb_steps_from_len and clip.get("len", "").strip():
        steps = ctx.ticks(clip, "len", what) // TICKS_PER_STEP
    if steps <= 0:
        steps = ctx.ticks_per_bar // TICKS_PER_STEP
    return pattern_length(notes, steps, ctx.ticks_per_bar)


def _looped(
    ctx: Context, voice: Voice, clip: Element, spans: list[tuple[int, int]], loop: int
) -> list[Played]:
    """The clip's notes repeated every ``loop`` ticks through each span."""
    if number(clip, "muted", 0, ctx.where):
        ctx.drop("in a muted clip", len(clip.findall("note")))
        return []
    notes = voice.notes(clip, ctx, f"pattern {clip.get('name', '')!r}")
    beyond = [n for n in notes if n.start >= loop]
    ctx.drop("beyond its pattern's length", len(beyond))
    notes = [n for n in notes if n.start < loop]
    out: list[Played] = []
    for begin, end in spans:
        for offset in range(begin, end, loop):
            ctx.count(len(notes))  # before the copies: a huge span must not exhaust memory
            out.extend(n.at(offset) for n in notes if offset + n.start < end)
    return out
