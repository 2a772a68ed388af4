"""The riff played against an engine, bar by bar: :class:`RiffPlayer`.

Each bar, the riff's roles are forced (the engine plays them exactly as given and writes the
other tracks around them, conditioned on them): the riff bar itself, a variation of it
(develop: the engine first proposes the bar with the riff's roles free, and that proposal is
the variation's material), or nothing (continue, after the riff). With drumify the engine
proposes the bar once more with the riff forced, and its drums, kick and snare rewritten to
the riff's accents, are forced too.

An engine is a :class:`BarSource`: :class:`ModelBars` (the model, through
:class:`~jambridge.engine.generator.BarGenerator`'s ``next_bar`` and ``retract``) or
:class:`SongBars` (a finished song's bars: the procedural engine). The live bridge can drive
a player bar by bar with its own source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from jambridge.errors import DataError
from jambridge.groove import TrackGroove, bar_with_groove
from jambridge.music import ROLES, Bar, Key, Song, Track
from jambridge.riff.drums import DrumRules, drum_track
from jambridge.riff.material import Riff
from jambridge.riff.settings import BarPlan, RiffSettings
from jambridge.riff.variation import vary


class BarSource(Protocol):
    """An engine that writes bars around forced tracks."""

    def propose(self, forced: Mapping[str, Track]) -> Bar:
        """The next bar as the engine would play it with ``forced`` as given; the position
        does not move (the next call proposes or commits the same bar)."""
        ...

    def commit(self, forced: Mapping[str, Track]) -> Bar:
        """The next bar with ``forced`` played as given; the position moves on."""
        ...


class ModelBars:
    """The model as a bar source: a started batch-1 ``BarGenerator``, its sampling settings,
    and each role's groove and swing (applied to the tracks it samples, never to forced ones)."""

    def __init__(self, gen, settings, grooves: Mapping[str, TrackGroove] | None = None) -> None:
        self.gen = gen
        self.settings = settings
        self.grooves = dict(grooves or {})

    @classmethod
    def open(
        cls, preset, roles: Sequence[str], seed: int, model_path: str | Path | None = None
    ) -> ModelBars:
        """The model at ``model_path`` (None: the shipped one) started on ``preset``'s
        header for ``roles``, with the preset's sampling, groove and swing."""
        from jambridge.engine.generator import BarGenerator
        from jambridge.engine.offline import header_for, open_model, settings_for

        gen = BarGenerator(open_model(model_path), seed=seed)
        gen.start(header_for(preset, tuple(r for r in ROLES if r in roles)))
        return cls(gen, settings_for(preset), preset.grooves())

    def propose(self, forced: Mapping[str, Track]) -> Bar:
        bar = self.gen.next_bar(self.settings, dict(forced) or None)
        self.gen.retract()
        return bar

    def commit(self, forced: Mapping[str, Track]) -> Bar:
        bar = self.gen.next_bar(self.settings, dict(forced) or None)
        return bar_with_groove(bar, {r: a for r, a in self.grooves.items() if r not in forced})


class SongBars:
    """A finished song's bars as a bar source (looped past its end); forced tracks replace
    the song's tracks of their roles."""

    def __init__(self, song: Song) -> None:
        self.bars = song.bars() or [Bar()]
        self.index = 0

    def propose(self, forced: Mapping[str, Track]) -> Bar:
        bar = self.bars[self.index % len(self.bars)]
        for track in forced.values():
            bar = bar.replace_track(track)
        return bar

    def commit(self, forced: Mapping[str, Track]) -> Bar:
        bar = self.propose(forced)
        self.index += 1
        return bar


class RiffPlayer:
    """Plays ``riff`` against ``source`` as ``settings`` say, one bar per :meth:`next_bar`.

    Args:
        source: the engine (see :class:`BarSource`).
        riff: the riff as played; it is quantized by ``settings.quantize`` here.
        settings: mode, develop amount / kind / return period, quantize, drumify (default:
            keep, as played).
        seed: seeds the variations (the same seed, settings and source give the same bars).
        key: the key new notes are drawn from (default: the riff's).

    Raises:
        DataError: drumify on a riff with drums of its own (or none but drums), or a return
            period no longer than the riff.
    """

    def __init__(
        self, source: BarSource, riff: Riff, settings: RiffSettings | None = None,
        seed: int = 0, key: Key | None = None,
    ) -> None:  # fmt: skip
        settings = settings or RiffSettings()
        if settings.drumify and "drums" in riff.roles:
            raise DataError(
                "drumify writes the drums from a bass, chords or lead riff; this riff has drums "
                "of its own"
            )
        if settings.mode == "develop":
            settings.period(riff.length_bars)  # a bad return period fails before any bar
        self.source = source
        self.riff = riff.quantized(settings.quantize)
        self.settings = settings
        self.seed = seed % 2**32
        self.key = key if key is not None else riff.key
        self.drum_rules = DrumRules(four_on_the_floor=settings.four_on_the_floor)
        self.index = 0  # the song bar next_bar returns next (0-based)

    def plan(self, index: int) -> BarPlan:
        """What song bar ``index`` plays in the riff's roles."""
        return self.settings.plan(index, self.riff.length_bars)

    def next_bar(self) -> Bar:
        """The next song bar, every track in it."""
        forced = self._riff_tracks(self.index, self.plan(self.index))
        if self.settings.drumify:
            forced = self._with_drums(forced)
        self.index += 1
        return self.source.commit(forced)

    def _riff_tracks(self, index: int, plan: BarPlan) -> dict[str, Track]:
        if plan.how == "free":
            return {}
        tracks = {t.role: t for t in self.riff.bar(plan.riff_bar).tracks}
        if plan.how == "develop":
            s = self.settings
            material = self.source.propose({})
            for role, track in tracks.items():
                rng = np.random.default_rng([self.seed, index, ROLES.index(role)])
                tracks[role] = vary(track, material.track(role), s.amount, s.kind, self.key, rng)
        return tracks

    def _with_drums(self, forced: dict[str, Track]) -> dict[str, Track]:
        """``forced`` and drums written to the riff role's accents (a free bar keeps the riff
        roles the engine proposes, so the drums follow what plays)."""
        proposal = self.source.propose(forced)
        out = dict(forced)
        for role in self.riff.pitched_roles:
            proposed = proposal.track(role)
            if role not in out and proposed is not None:
                out[role] = proposed
        out["drums"] = drum_track(out[self.riff.role], proposal.track("drums"), self.drum_rules)
        return out


def riff_song(
    source: BarSource, riff: Riff, settings: RiffSettings, bars: int, seed: int,
    key: Key | None = None, on_bar: Callable[[int], None] | None = None,
) -> Song:  # fmt: skip
    """``bars`` bars of a :class:`RiffPlayer` as a song (in ``key``); ``on_bar(n)`` after each
    bar with the bars done."""
    player = RiffPlayer(source, riff, settings, seed, key)
    out = []
    for i in range(bars):
        out.append(player.next_bar())
        if on_bar is not None:
            on_bar(i + 1)
    return Song.from_bars(out, key=key if key is not None else riff.key)
