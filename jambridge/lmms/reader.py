"""LMMS project files -> :class:`~jambridge.music.Song`, the same Song a MIDI file gives.

Each instrument track that plays becomes a :class:`~jambridge.roles.Source` (a drum when its
sample or name says so, :mod:`.drums`, with every note on the drum's GM key), and
:func:`jambridge.roles.assign_roles` gives the sources roles exactly as for MIDI files. LMMS
synths have no GM program or channel, so the tracks take their role's defaults (an sf2player's
program is kept). Times are beats (48 ticks each); the tempo is the project's; LMMS has no key
signature, so ``key`` is None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from jambridge.errors import DataError
from jambridge.lmms.drums import DrumMatch, drum_key
from jambridge.lmms.project import Project, read_project
from jambridge.lmms.timing import TICKS_PER_BEAT
from jambridge.lmms.voice import Part
from jambridge.lmms.xml_file import MAX_XML_BYTES, project_xml
from jambridge.midi_io import ReadReport, tiles_4_4
from jambridge.music import Note, Song, Track
from jambridge.roles import (
    DEFAULT_ROLE_CONFIG,
    DRUM_CHANNEL,
    ROLE_SPECS,
    RoleConfig,
    Source,
    assign_roles,
)


@dataclass(frozen=True)
class LmmsReadReport(ReadReport):
    """:class:`~jambridge.midi_io.ReadReport` for an LMMS project (``file_type`` 1: it is
    multi-track; ``ticks_per_beat`` 48), with what only LMMS has."""

    creator_version: str = ""  # the LMMS that saved the file
    note_range_upgraded: bool = False  # keys and base notes were 12 lower (LMMS <= 1.2)
    drums: tuple[tuple[str, str], ...] = ()  # (track title, why it is a drum)


def read_lmms(
    path: str | os.PathLike[str], roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, LmmsReadReport]:
    """Read an LMMS project (``.mmp`` XML or ``.mmpz`` compressed) into a Song with one track
    per role found, named after the file's stem.

    Raises:
        DataError: the file cannot be read, is damaged or hostile, or has no usable notes; the
            message names the file and the problem.
    """
    file = Path(path)
    try:
        if file.is_dir():
            raise DataError(f"{path}: cannot read the file (it is a directory)")
        size = file.stat().st_size
        if size > MAX_XML_BYTES:
            raise DataError(f"{path}: {size} bytes is over the {MAX_XML_BYTES}-byte limit")
        data = file.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read the file ({err.strerror or err})") from err
    return lmms_bytes_to_song(data, str(path), roles)


def lmms_bytes_to_song(
    data: bytes, where: str = "<bytes>", roles: RoleConfig = DEFAULT_ROLE_CONFIG
) -> tuple[Song, LmmsReadReport]:
    """:func:`read_lmms` for bytes in memory; ``where`` names them in errors."""
    project = read_project(project_xml(data, where), where)
    sources: list[Source] = []
    drums: list[tuple[str, str]] = []
    silent: list[tuple[str, str]] = []
    out_of_range = 0
    for part in project.parts:
        match = drum_key(part.sample, part.name)
        notes, lost = _notes(part, match)
        out_of_range += lost
        if not notes:
            silent.append((part.title, "no notes"))
            continue
        if match is not None or part.gm_drum_kit:
            drums.append((part.title, match.why if match else "GM drum kit (bank 128)"))
        sources.append(_source(part, notes, match))
    if not sources:
        raise DataError(f"{where}: no notes in {project.track_count} track(s)")
    tracks, report = assign_roles(sources, roles)
    if not tracks:
        why = "; ".join(f"{title}: {reason}" for title, reason in report.dropped)
        raise DataError(f"{where}: no usable notes; every track was dropped ({why})")
    gm_titles = {p.title for p in project.parts if p.gm_program is not None}
    tracks = _role_defaults(tracks, report.role_sources, gm_titles)
    song = Song(tracks=tracks, tempo_bpm=project.tempo_bpm, name=Path(where).stem)
    reasons = {
        **project.drops,
        "pitch outside 0..127": out_of_range,
        "duplicate (same pitch and onset)": report.duplicates_removed,
        "in a dropped stream": sum(
            len(s.notes) for s in sources if s.title in dict(report.dropped)
        ),
    }
    reasons = {k: v for k, v in reasons.items() if v}
    return song, LmmsReadReport(
        path=where,
        file_type=1,
        ticks_per_beat=TICKS_PER_BEAT,
        track_count=project.track_count,
        sources=tuple(s.title for s in sources),
        assigned=report.assigned,
        role_sources=report.role_sources,
        dropped=project.skipped + tuple(silent) + report.dropped,
        notes_kept=song.note_count(),
        notes_dropped=sum(reasons.values()),
        drop_reasons=reasons,
        bass_split_notes=report.bass_split_notes,
        time_signatures=((0.0, "{}/{}".format(*project.time_signature)),),
        warnings=_warnings(project),
        creator_version=project.creator_version,
        note_range_upgraded=project.upgrades.note_range,
        drums=tuple(drums),
    )


def _notes(part: Part, match: DrumMatch | None) -> tuple[list[Note], int]:
    """The part's notes in beats (a drum's on its GM key), and how many fell outside 0..127."""
    notes, lost = [], 0
    for n in part.notes:
        pitch = match.key if match is not None else n.pitch
        if not 0 <= pitch <= 127:
            lost += 1
            continue
        start, length = n.start / TICKS_PER_BEAT, n.length / TICKS_PER_BEAT
        notes.append(Note(pitch, start, length, n.velocity))
    return notes, lost


def _source(part: Part, notes: list[Note], match: DrumMatch | None) -> Source:
    is_drum = match is not None or part.gm_drum_kit
    return Source(
        notes=tuple(notes),
        program=part.gm_program if part.gm_program is not None else 0,
        channel=DRUM_CHANNEL if is_drum else 0,
        name=part.name,
        is_drum=is_drum,
        label=part.title,
    )


def _role_defaults(
    tracks: tuple[Track, ...], role_sources: dict[str, tuple[str, ...]], gm_titles: set[str]
) -> tuple[Track, ...]:
    """Each track on its role's default channel, and with its role's default program unless
    one of its sources has a real GM program (LMMS synths have none)."""
    out = []
    for track in tracks:
        spec = ROLE_SPECS[track.role]
        has_gm = track.role != "drums" and bool(gm_titles & set(role_sources.get(track.role, ())))
        out.append(
            replace(track, channel=spec.channel, program=track.program if has_gm else spec.program)
        )
    return tuple(out)


def _warnings(project: Project) -> tuple[str, ...]:
    num, den = project.time_signature
    if tiles_4_4(num, den):
        return ()
    return (f"{num}/{den} at beat 0 read as 4/4 beats",)
