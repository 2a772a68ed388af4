"""One LMMS instrument track's notes, decoded as LMMS plays them, and the reading context.

A note's pitch is ``key + (69 - basenote) + masterpitch`` after LMMS's load-time upgrades: files
from LMMS <= 1.2 store keys and base notes 12 lower, and the extended-note-range upgrade raises
base notes by 12 and keys by 12 except on MIDI-native synths (zynaddsubfx, VeSTige, LV2,
Carla), which keep sounding an octave below the key. Velocity is ``vol * 127 / 200``; a step
note (negative length, or ``type="1"``) is a one-shot of a 16th.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element

from jambridge.errors import DataError
from jambridge.lmms.timing import (
    DEFAULT_BASE_NOTE,
    MIDI_NATIVE_INSTRUMENTS,
    STEP_NOTE_TICKS,
    TICKS_PER_BEAT,
    Upgrades,
)

MAX_NOTES = 1_000_000  # notes after expanding pattern tracks (the 25 demos: at most ~25,000)
GM_DRUM_BANK = 128  # sf2player bank of the GM drum kits


def number(element: Element, attr: str, default: float, where: str) -> float:
    """A finite number attribute (LMMS writes ints and floats), or ``default`` when absent.

    Raises:
        DataError: the attribute is not a finite number.
    """
    text = element.get(attr)
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(f"{where}: {attr}={text!r} in <{element.tag}> is not a number")
    return value


@dataclass
class Context:
    """What every part of the reading shares: the file, its upgrades and meter, the counts."""

    where: str  # the file, for errors
    upgrades: Upgrades
    ticks_per_bar: int
    limit: int  # ticks: nothing may play at or after this (MAX_SONG_BARS)
    master_pitch: int
    drops: dict[str, int] = field(default_factory=dict)  # reason -> notes not played
    played: int = 0  # notes played so far

    @property
    def limit_bars(self) -> int:
        """The song length limit in 4/4 bars."""
        return self.limit // (4 * TICKS_PER_BEAT)

    def ticks(self, element: Element, attr: str, what: str) -> int:
        """A position or length attribute in 192-per-bar ticks (old files scaled by 3).

        Raises:
            DataError: not a number, or a negative position.
        """
        value = number(element, attr, 0, f"{self.where}: {what}")
        if value < 0 and attr == "pos":
            raise DataError(f"{self.where}: {what}: negative position {value:g}")
        return round(value * self.upgrades.tick_scale)

    def drop(self, reason: str, count: int) -> None:
        """Count ``count`` notes of the file that do not play, and why."""
        if count:
            self.drops[reason] = self.drops.get(reason, 0) + count

    def count(self, notes: int) -> None:
        """Count notes played; too many is a hostile file.

        Raises:
            DataError: more than MAX_NOTES notes.
        """
        self.played += notes
        if self.played > MAX_NOTES:
            raise DataError(f"{self.where}: more than {MAX_NOTES} notes play; refused")


@dataclass(frozen=True, slots=True)
class Played:
    """One note as LMMS plays it; ``start`` in ticks from the clip's start, or from the song's
    start once placed."""

    start: int
    length: int  # ticks, > 0
    pitch: int  # may lie outside 0..127 (the reader drops those, or maps drums)
    velocity: int  # 1..127
    step: bool  # a one-shot from the beat editor

    def at(self, offset: int) -> Played:
        """This note moved by ``offset`` ticks."""
        return replace(self, start=self.start + offset)


@dataclass(frozen=True)
class Part:
    """One instrument track and everything it plays on the song timeline."""

    title: str  # how reports name it: "track 3 'Kick' (audiofileprocessor drums/kick01.ogg)"
    name: str  # the track's name
    instrument: str  # plugin: tripleoscillator, audiofileprocessor, zynaddsubfx, ...
    sample: str  # the sample a sample player plays ("" for synths)
    gm_program: int | None  # a real GM program (sf2player, melodic bank), else None
    gm_drum_kit: bool  # a GM drum kit (sf2player bank 128): keys are GM drum keys
    notes: tuple[Played, ...]


@dataclass(frozen=True)
class Voice:
    """An instrument track's sound and pitch mapping, to decode its clips' notes."""

    title: str
    name: str
    instrument: str
    sample: str
    gm_program: int | None
    gm_drum_kit: bool
    pitch_offset: int  # added to a key after the upgrade: 69 - basenote (+ master pitch)
    key_shift: int  # the upgrade's +12 on keys (0 for MIDI-native synths, new files)

    @classmethod
    def of(cls, track: Element, ctx: Context, label: str) -> Voice:
        """The voice of a ``<track type="0">``; ``label`` is how reports name the track."""
        settings = track.find("instrumenttrack")
        if settings is None:
            settings = Element("instrumenttrack")
        plugin = settings.find("instrument")
        instrument = plugin.get("name", "") if plugin is not None else ""
        sound = plugin.find(instrument) if plugin is not None and instrument else None
        player = sound is not None and instrument == "audiofileprocessor"
        sample = sound.get("src", "") if player and sound is not None else ""
        program, kit = _gm_sound(sound, instrument, ctx.where)
        upgraded = ctx.upgrades.note_range
        base = _base_note(settings, upgraded, ctx.where) + (12 if upgraded else 0)
        shift = 12 if upgraded and instrument not in MIDI_NATIVE_INSTRUMENTS else 0
        master = ctx.master_pitch if number(settings, "usemasterpitch", 1, ctx.where) else 0
        what = f" ({instrument}{' ' + sample if sample else ''})" if instrument else ""
        return cls(
            title=label + what,
            name=track.get("name", ""),
            instrument=instrument,
            sample=sample,
            gm_program=program,
            gm_drum_kit=kit,
            pitch_offset=DEFAULT_BASE_NOTE - base + master,
            key_shift=shift,
        )

    def notes(self, clip: Element, ctx: Context, what: str) -> list[Played]:
        """The notes of one clip as they play, times from the clip's start (zero-length notes
        are dropped and counted).

        Raises:
            DataError: a note attribute is not a number, or a position is negative.
        """
        where = f"{ctx.where}: {self.title}, {what}"
        default_key = DEFAULT_BASE_NOTE - (12 if ctx.upgrades.note_range else 0)
        out = []
        for note in clip.findall("note"):
            length = ctx.ticks(note, "len", f"{self.title}, {what}")
            step = note.get("type") == "1" or (length < 0 and ctx.upgrades.negative_length_steps)
            if step:
                length = STEP_NOTE_TICKS
            if length <= 0:
                ctx.drop("zero or negative length", 1)
                continue
            key = round(number(note, "key", default_key, where))
            vol = number(note, "vol", 100, where)
            out.append(
                Played(
                    start=ctx.ticks(note, "pos", f"{self.title}, {what}"),
                    length=length,
                    pitch=key + self.key_shift + self.pitch_offset,
                    velocity=min(max(round(vol * 127 / 200), 1), 127),
                    step=step,
                )
            )
        return out

    def part(self, played: list[Played]) -> Part:
        """This voice's part holding ``played`` (song times)."""
        return Part(
            title=self.title,
            name=self.name,
            instrument=self.instrument,
            sample=self.sample,
            gm_program=self.gm_program,
            gm_drum_kit=self.gm_drum_kit,
            notes=tuple(sorted(played, key=lambda n: (n.start, n.pitch))),
        )


def _base_note(settings: Element, upgraded: bool, where: str) -> int:
    """The track's base note as stored: an attribute, or an automated ``<basenote value>``."""
    default = DEFAULT_BASE_NOTE - (12 if upgraded else 0)
    if settings.get("basenote") is not None:
        return round(number(settings, "basenote", default, where))
    automated = settings.find("basenote")
    if automated is not None:
        return round(number(automated, "value", default, where))
    return default


def _gm_sound(sound: Element | None, instrument: str, where: str) -> tuple[int | None, bool]:
    """(GM program, is a GM drum kit) of an sf2player; (None, False) for other instruments."""
    if sound is None or instrument != "sf2player":
        return None, False
    bank = round(number(sound, "bank", 0, where))
    patch = round(number(sound, "patch", 0, where))
    if bank == GM_DRUM_BANK:
        return None, True
    return (patch if 0 <= patch <= 127 else None), False
