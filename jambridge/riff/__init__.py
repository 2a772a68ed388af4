"""Jam with the musician's riff: keep it, develop it, continue it, drumify it.

Pure functions on :mod:`jambridge.music` values, plus a bar-by-bar player over an engine, so
that the offline CLI and the live bridge play a riff the same way.

- ``material``    :class:`Riff` (whole bars of one or more roles, as played; from a prompt or
                  a captured Song) and :meth:`Riff.quantized` (toward the 16th grid, 0..1)
- ``settings``    :class:`RiffSettings` (mode keep / develop / continue, develop amount and
                  kind, return period, quantize, drumify) and the per-bar plan
- ``variation``   :func:`vary`: a riff bar varied by an amount (rhythm / notes / free)
- ``accents``     :func:`accents`: the 16ths that stand out in a riff bar
- ``drums``       :func:`drum_track`: kick and snare on the accents, the kit's rest kept
- ``player``      :class:`RiffPlayer` over a :class:`BarSource` (:class:`ModelBars`,
                  :class:`SongBars`), :func:`riff_song`
- ``similarity``  onset F1 on the 16th grid, pitch-class overlap, recurrence, in-key share
"""

from jambridge.riff.material import Riff
from jambridge.riff.player import BarSource, ModelBars, RiffPlayer, SongBars, riff_song
from jambridge.riff.settings import KINDS, MODES, RiffSettings

__all__ = ["KINDS", "MODES", "BarSource", "ModelBars", "Riff", "RiffPlayer", "RiffSettings",
           "SongBars", "riff_song"]  # fmt: skip
