"""LMMS time and versions: ticks, pattern lengths, and which load-time upgrades a file gets.

LMMS counts 48 ticks per quarter note in every meter; a bar is ``192 * num / den`` ticks and a
step of the beat editor is 12 ticks. A file is upgraded on load by every routine in LMMS's
``DataFile::UPGRADE_METHODS`` at or after its file version: the ``version`` attribute, or, for
files that say ``version="1.0"`` (everything LMMS <= 1.2 wrote), the count of
``DataFile::UPGRADE_VERSIONS`` not newer than its ``creatorversion``. :class:`Upgrades` keeps
the few routines that change what notes play.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from jambridge.errors import DataError

TICKS_PER_BEAT = 48  # LMMS's DefaultTicksPerBar 192 / 4
TICKS_PER_STEP = 12  # one step of the beat/bassline editor: a 16th
STEP_NOTE_TICKS = 12  # a step note (one-shot) lasts a 16th, as upgrade_noteTypes sets it
DEFAULT_BASE_NOTE = 69  # A4 after the extended note range (57 before it)

# DataFile::UPGRADE_VERSIONS: a file that says version="1.0" gets the upgrades from the first
# of these newer than the LMMS that created it.
LEGACY_VERSIONS = (
    "0.2.1-20070501", "0.2.1-20070508", "0.3.0-rc2", "0.3.0", "0.4.0-20080104",
    "0.4.0-20080118", "0.4.0-20080129", "0.4.0-20080409", "0.4.0-20080607", "0.4.0-20080622",
    "0.4.0-beta1", "0.4.0-rc2", "1.0.99-0", "1.1.0-0", "1.1.91-0", "1.2.0-rc3", "1.3.0",
)  # fmt: skip
# Indices in DataFile::UPGRADE_METHODS of the upgrades that change notes; a file whose version
# is at most the index gets the upgrade.
UPGRADE_TICKS_X3 = 7  # 0.4.0-20080409: positions and lengths x3 (64 -> 192 ticks per bar)
UPGRADE_BB_STEPS = 15  # 1.2.0-rc3: a beat/bassline pattern's steps become len / 12
UPGRADE_NOTE_RANGE = 19  # extendedNoteRange: keys and base notes +12; MIDI-native synths keep keys
UPGRADE_NOTE_TYPES = 26  # noteTypes: a negative length becomes a step note
# Synths that took LMMS's key as a MIDI note (an octave low); upgrade_extendedNoteRange keeps
# their notes' keys so that they sound as before.
MIDI_NATIVE_INSTRUMENTS = frozenset(
    {"zynaddsubfx", "vestige", "lv2instrument", "carlapatchbay", "carlarack"}
)


def version_key(text: str) -> tuple[int, int, int, tuple[int, str]]:
    """LMMS's ProjectVersion order: major, minor, release, then a pre-release label
    ("rc2", "20080409") before the release itself; labels compare as text."""
    match = re.match(r"\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-(.*))?", text.replace("svn", ""))
    if match is None:
        return (0, 0, 0, (0, ""))
    major, minor, release, label = match.groups()
    stage = (0, label) if label else (1, "")
    return (int(major), int(minor or 0), int(release or 0), stage)


@dataclass(frozen=True, slots=True)
class Upgrades:
    """Which of LMMS's note-changing load-time upgrades apply to a file."""

    file_version: int  # index of the first upgrade the file needs
    legacy: bool  # version="1.0" (LMMS <= 1.2): clip lengths come from the notes
    ticks_x3: bool
    bb_steps_from_len: bool
    note_range: bool
    negative_length_steps: bool

    @classmethod
    def of(cls, root: Element, where: str) -> Upgrades:
        """The upgrades of the project whose root element is ``root``.

        Raises:
            DataError: the ``version`` attribute is neither "1.0" nor a whole number.
        """
        version = root.get("version")
        legacy = version is None or version.strip() in ("", "1.0")
        if legacy:
            creator = version_key(root.get("creatorversion", "0"))
            number = sum(1 for v in LEGACY_VERSIONS if version_key(v) <= creator)
        elif version is not None and version.strip().isdigit():
            number = int(version)
        else:
            raise DataError(
                f"{where}: project version {version!r} is not a number "
                "(LMMS writes '1.0' or a whole number)"
            )
        return cls(
            file_version=number,
            legacy=legacy,
            ticks_x3=number <= UPGRADE_TICKS_X3,
            bb_steps_from_len=number <= UPGRADE_BB_STEPS,
            note_range=number <= UPGRADE_NOTE_RANGE,
            negative_length_steps=number <= UPGRADE_NOTE_TYPES,
        )

    @property
    def tick_scale(self) -> int:
        """Factor from the file's ticks to LMMS's 192-per-bar ticks."""
        return 3 if self.ticks_x3 else 1


def next_full_bar(ticks: int, ticks_per_bar: int) -> int:
    """``ticks`` rounded up to whole bars, in ticks (LMMS's MidiTime::nextFullBar)."""
    return -(-ticks // ticks_per_bar) * ticks_per_bar


def pattern_length(notes: list[tuple[int, int]], steps: int, ticks_per_bar: int) -> int:
    """The length LMMS 1.2 gives a pattern on load, from ``(pos, len)`` of its notes: a beat
    pattern (no note of positive length) spans its steps (or its last step note), a melody
    pattern its notes; at least one bar, rounded up to whole bars."""
    longest = ticks_per_bar
    if all(length <= 0 for _, length in notes):
        longest = max([longest, *(pos + 1 for pos, length in notes if length < 0)])
        if steps != ticks_per_bar // TICKS_PER_STEP:
            longest = steps * TICKS_PER_STEP
    else:
        longest = max([longest, *(pos + length for pos, length in notes if length > 0)])
    return next_full_bar(max(longest, 1), ticks_per_bar)
