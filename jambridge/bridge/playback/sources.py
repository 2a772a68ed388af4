"""Bar sources for the generator process
(see :class:`~jambridge.bridge.playback.bar_source.BarSource`).

* ``pattern``: a fixed test pattern to check routing and calibrate ``--latency-ms`` by ear or
  with a recorder: kick on every beat, crash on every downbeat, closed hat on the other 16ths,
  an 8th-note bass, a whole-bar chord, and a lead note on each downbeat whose pitch counts the
  bars of the stream (60, 61, ... 71, 60, ...), so a recording shows which bar played when.
  The benchmark and the integration tests use it because every onset is known.
* ``procedural``: the seeded rule-based generator (:mod:`jambridge.procedural`), bar by bar.
* ``model``: the transformer engine; its factory lives with the engine
  (``jambridge.engine.live:model_bar_source``).

A captured riff is played against any of them by
:class:`~jambridge.bridge.playback.riff_source.RiffJam` (the riff replaces their track in its
role); :meth:`prompt` tells them of it: the procedural generator takes the riff's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jambridge.bridge.playback.bar_source import BarRequest, BarSource, SourceSpec
from jambridge.errors import EngineError
from jambridge.groove import bar_with_groove
from jambridge.music import BEATS_PER_BAR, ROLES, Bar, Key, Note
from jambridge.roles import default_track

if TYPE_CHECKING:
    from jambridge.procedural import ProceduralBarSource
    from jambridge.riff.material import Riff

KICK, CLOSED_HAT, CRASH = 36, 42, 49  # GM drum keys
PATTERN_LEAD_BASE = 60  # lead pitch of stream bar 0; bar i plays PATTERN_LEAD_BASE + i % 12


def pattern_bar(index: int, roles: Sequence[str] = ROLES) -> Bar:
    """Bar ``index`` of the test pattern (see the module docstring)."""
    parts: dict[str, list[Note]] = {
        "drums": [Note(KICK, float(b), 0.25, 110) for b in range(BEATS_PER_BAR)]
        + [Note(CRASH, 0.0, 1.0, 90)]
        + [Note(CLOSED_HAT, b + s / 4, 0.125, 70) for b in range(BEATS_PER_BAR) for s in (1, 2, 3)],
        "bass": [Note(33 + 12 * (e % 2), e / 2, 0.45, 100) for e in range(2 * BEATS_PER_BAR)],
        "chords": [Note(p, 0.0, float(BEATS_PER_BAR), 80) for p in (57, 60, 64)],
        "lead": [Note(PATTERN_LEAD_BASE + index % 12, 0.0, 1.0, 96)],
    }
    return Bar(tuple(default_track(r).with_notes(parts[r]) for r in ROLES if r in roles))


class PatternSource:
    """The test pattern as a BarSource (controls are ignored: every onset stays known)."""

    def __init__(self, roles: Sequence[str] = ROLES) -> None:
        self.roles = tuple(roles)
        self.index = 0  # stream bar index of the next bar

    def next_bar(self, request: BarRequest) -> Bar:
        bar = pattern_bar(self.index, self.roles)
        self.index += 1
        return bar

    def retract(self) -> None:
        self.index = max(0, self.index - 1)

    def prompt(self, riff: Riff) -> None:
        pass  # fixed pitches: every onset stays known

    def close(self) -> None:
        pass


def pattern_source(spec: SourceSpec) -> BarSource:
    """Factory for engine ``pattern``."""
    return PatternSource()


def procedural_source(spec: SourceSpec) -> BarSource:
    """Factory for engine ``procedural``: the rule-based generator, bar by bar."""
    return ProceduralAdapter(spec)


class ProceduralAdapter:
    """:class:`jambridge.procedural.ProceduralBarSource` behind the BarSource protocol.

    The preset gives the style, key and densities; a preset change (or a riff in another key)
    rebuilds the generator at the same bar number; density goes to :meth:`set_density`,
    regenerate and refill to :meth:`regenerate`, each track's groove and swing to its timing
    (groove 0: on the grid, the style's own swing gone; then the track's swing); retract steps
    the position back (its bars depend only on the bar number, so the retracted bar comes
    again, with the new settings). Temperature, polyphony and duration mean nothing to rules;
    they are ignored.
    """

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self._preset_name: str | None = None
        self._density: dict[str, float] | None = None
        self._source: ProceduralBarSource | None = None
        self._key: Key | None = Key.parse(spec.key) if spec.key else None  # None: the preset's

    def _build(self, preset_name: str, position: int) -> ProceduralBarSource:
        from jambridge.preset import load_preset
        from jambridge.procedural import STYLES, ProceduralBarSource, style_feel
        from jambridge.procedural.styles import style_params

        preset = load_preset(preset_name)
        if preset.style not in STYLES:
            raise EngineError(
                f"preset {preset_name!r} has style {preset.style!r}; the procedural "
                f"generator knows {', '.join(STYLES)}"
            )
        key = self._key or preset.key
        density = {r: preset.tracks[r].density for r in ROLES}
        feel = style_feel(style_params(preset.style), self.spec.seed, human=0.0)  # its swing
        source = ProceduralBarSource(
            preset.style, self.spec.seed, key, self.spec.bpm, ROLES, density, feel=feel
        )
        source.seek(position)
        self._preset_name, self._density = preset_name, density
        return source

    def next_bar(self, request: BarRequest) -> Bar:
        controls = request.controls
        source = self._source
        if source is None or controls.preset != self._preset_name:
            source = self._source = self._build(controls.preset, source.position if source else 0)
        density = {t.role: t.density for t in controls.tracks}
        if density != self._density:
            source.set_density(density)
            self._density = density
        fresh = request.regenerate | frozenset(request.refill)
        if fresh:
            source.regenerate(sorted(fresh))
        return bar_with_groove(source.next_bar(), controls.grooves())

    def retract(self) -> None:
        if self._source is not None and self._source.position > 0:
            self._source.seek(self._source.position - 1)

    def prompt(self, riff: Riff) -> None:
        """New notes in the riff's key (the generator is rebuilt at the same bar)."""
        if riff.key is None or riff.key == self._key:
            return
        self._key = riff.key
        if self._source is not None and self._preset_name is not None:
            self._source = self._build(self._preset_name, self._source.position)

    def close(self) -> None:
        pass
