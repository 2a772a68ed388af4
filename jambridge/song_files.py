"""Every song file JamBridge reads, through one entry point: MIDI files and LMMS projects.

:func:`read_song` picks the reader by suffix: ``.mmp``/``.mmpz`` go to
:func:`jambridge.lmms.read_lmms`, anything else to :func:`jambridge.midi_io.read_midi`. Both give
the same :class:`~jambridge.music.Song` and a :class:`~jambridge.midi_io.ReadReport`.
Everything that accepts a ``.mid`` (tokenize, data build, generate --prompt, the evaluation
sets) reads through here, so it accepts an LMMS project too. Importing this module is light
(no mido, no XML): the readers load on first use, e.g. in dataset workers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from jambridge.roles import DEFAULT_ROLE_CONFIG, RoleConfig

if TYPE_CHECKING:
    from jambridge.midi_io import ReadReport
    from jambridge.music import Song

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
LMMS_SUFFIXES = (".mmp", ".mmpz")  # XML, and qCompress'd XML
SONG_SUFFIXES = MIDI_SUFFIXES + LMMS_SUFFIXES


def is_lmms(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` names an LMMS project (``.mmp`` / ``.mmpz``)."""
    return Path(path).suffix.lower() in LMMS_SUFFIXES


def is_song_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path``'s suffix is one of :data:`SONG_SUFFIXES`."""
    return Path(path).suffix.lower() in SONG_SUFFIXES


def read_song(
    path: str | os.PathLike[str], roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, ReadReport]:
    """Read a MIDI file or an LMMS project into ``(Song, ReadReport)``; the suffix decides.

    Raises:
        DataError: the file cannot be read or used; the message names it and the problem.
    """
    if is_lmms(path):
        from jambridge.lmms import read_lmms

        return read_lmms(path, roles)
    from jambridge.midi_io import read_midi

    return read_midi(path, roles)


def song_bytes_to_song(
    data: bytes, where: str, roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, ReadReport]:
    """:func:`read_song` for bytes in memory; ``where``'s suffix picks the reader and names
    the data in errors."""
    if is_lmms(where):
        from jambridge.lmms import lmms_bytes_to_song

        return lmms_bytes_to_song(data, where, roles)
    from jambridge.midi_io import midi_bytes_to_song

    return midi_bytes_to_song(data, where, roles)
