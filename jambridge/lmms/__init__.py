"""LMMS projects (``.mmp`` / ``.mmpz``) as input: the same :class:`~jambridge.music.Song` a
MIDI file gives, following LMMS's own playback and file upgrades.

- ``xml_file``  bytes -> checked XML tree (qCompress, size caps, no DTD/entities, depth cap)
- ``timing``    ticks (48 per beat), pattern lengths, which load-time upgrades a file gets
- ``voice``     one instrument track's notes: pitch, velocity, step notes; the read context
- ``patterns``  pattern (beat/bassline) tracks expanded through their clips
- ``project``   the song: tempo, meter, tracks, muting and solo -> parts in ticks
- ``drums``     which tracks are drums (by sample or name) and their GM drum keys
- ``reader``    parts -> role sources -> Song (:func:`read_lmms`, :func:`lmms_bytes_to_song`)
"""

from jambridge.lmms.reader import LmmsReadReport, lmms_bytes_to_song, read_lmms

__all__ = ["LmmsReadReport", "lmms_bytes_to_song", "read_lmms"]
