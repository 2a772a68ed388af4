"""The model as a live bar source for the bridge's generator process
(:class:`jambridge.bridge.playback.bar_source.BarSource`; factory :func:`model_bar_source`).

Steering maps onto the generator like this:

- preset / density / enabled tracks -> the header; a change re-reads the recent bars under the
  new header (one prefill, a few ms) and takes effect from the next bar;
- per-track temperature -> the sampler, per track;
- per-track density, polyphony and duration -> the per-bar controls (``SamplingSettings.
  controls``: written after the track's TRACK token and enforced while it is sampled,
  :mod:`jambridge.engine.guide`); a polyphony or duration of None is the model's choice;
- per-track groove and swing -> the sampled tracks' micro-timing (groove 0: on the grid; swing:
  where the off-16ths sit; forced ones as given);
- locked tracks and a riff's tracks (``BarRequest.fixed``) -> forced: played as given, the model
  writes the rest around them;
- regenerate and refill (after a retract) -> the retracted bar's other tracks are forced and the
  regenerated roles are sampled last, so they answer the tracks that stay;
- a refill whose following bar is known (:meth:`ModelBarSource.infill`: a riff that returns) ->
  the bars are made, then the role is rewritten in them by the model's bar fill with the bars
  before and the bar after as context (:mod:`jambridge.engine.infill`);
- a captured riff (:meth:`ModelBarSource.prompt`) -> its key becomes the header's and the scale
  lock's (the other tracks answer in it), and its roles are enabled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.infill import infill
from jambridge.engine.offline import header_for, open_model, settings_for
from jambridge.errors import EngineError
from jambridge.groove import AS_PLAYED, TrackGroove, bar_with_groove
from jambridge.music import ROLES, Bar, Key, Song, Track

INFILL_CONTEXT_BARS = 3  # bars before a refill the bar fill hears (and the bar after it)


class ModelBarSource:
    """Endless bars from the model, steered by the bridge's requests."""

    def __init__(self, spec) -> None:
        from jambridge.preset import load_preset

        self.spec = spec
        self.session = open_model(spec.model, threads=int(spec.options.get("threads", 1)))
        self.gen = BarGenerator(self.session, seed=spec.seed)
        self._load_preset = load_preset
        self._presets: dict[str, object] = {}
        self._retracted: Bar | None = None
        self._settings = SamplingSettings()
        self._groove: dict[str, TrackGroove] = {}
        self._key: Key | None = Key.parse(spec.key) if spec.key else None  # None: the preset's
        self._riff_roles: tuple[str, ...] = ()  # enabled whatever the preset says

    def _preset(self, name: str):
        preset = self._presets.get(name)
        if preset is None:
            preset = self._load_preset(name)
            if self._key is not None:
                preset = replace(preset, key=self._key)
            self._presets[name] = preset
        return preset

    def _roles(self, preset) -> tuple[str, ...]:
        return tuple(r for r in ROLES if r in preset.enabled_roles or r in self._riff_roles)

    def _apply(self, controls) -> SamplingSettings:
        """Header and sampling settings from the controls; the header changes only if needed."""
        preset = self._preset(controls.preset)
        densities = {t.role: t.density for t in controls.tracks}
        temperatures = {t.role: t.temperature for t in controls.tracks}
        header = header_for(preset, self._roles(preset), self.spec.bpm, densities)
        if self.gen.header is None:
            self.gen.start(header)
        elif header != self.gen.header:
            self.gen.set_header(header)
        settings = settings_for(preset, temperatures, densities)
        self._settings = replace(settings, controls=track_controls(settings.controls, controls))
        self._groove = {**preset.grooves(), **controls.grooves()}
        return self._settings

    def next_bar(self, request) -> Bar:
        settings = self._apply(request.controls)
        enabled = self.gen.enabled
        forced = {t.role: t for t in request.fixed if t.role in enabled}
        fresh = request.regenerate | frozenset(request.refill)
        last = tuple(r for r in ROLES if r in fresh and r in enabled)
        if last and self._retracted is not None:
            for t in self._retracted.tracks:
                if t.role not in fresh and t.role not in forced:
                    forced[t.role] = t
        self._retracted = None
        bar = self.gen.next_bar(settings, forced, last)  # the context keeps the model's own
        return bar_with_groove(bar, {r: a for r, a in self._groove.items() if r not in forced})

    def retract(self) -> None:
        self._retracted = self.gen.retract()[0]

    def infill(self, request, role: str, count: int, after: Track) -> list[Bar]:
        """The next ``count`` bars, ``role`` in them written to lead into ``after`` (its part in
        the bar after them): the bars are made as usual, the bar after them with ``after``
        forced, then ``role`` is filled in again with the bars before and that bar as context;
        the model's context then holds the bars returned. A model without fill tokens (or a
        window too long for it): the bars as first made."""
        before = self.gen.context
        made = [self.next_bar(request) for _ in range(count)]
        tail = self.next_bar(replace(request, fixed=(*request.fixed, after), refill={}))
        header, preset = self.gen.header, self._preset(request.controls.preset)
        window = [*before[-INFILL_CONTEXT_BARS:], *made, tail]
        first = len(window) - count - 1
        song = Song.from_bars(window, tempo_bpm=self.spec.bpm, key=preset.key, style=preset.style)
        slots = {(first + i, role) for i in range(count)}
        try:
            filled = infill(self.gen, song, slots, self._settings, preset.style).bars()
        except EngineError:
            filled = []  # the bars as made: fresh, the role sampled last
        groove = {role: self._groove.get(role, AS_PLAYED)}
        for i, bar in enumerate(filled[first : first + count]):
            track = bar.track(role)
            if track is not None:
                made[i] = made[i].replace_track(bar_with_groove(Bar((track,)), groove).tracks[0])
        self.gen.start(header, context=[*before, *made])
        self._retracted = None
        return made

    def prompt(self, riff) -> None:
        """A riff plays (:class:`jambridge.riff.Riff`, its tracks forced bar by bar): its key
        is the header's and the scale lock's from the next bar; its roles are enabled."""
        self._riff_roles = tuple(riff.roles)
        if riff.key is not None and riff.key != self._key:
            self._key = riff.key
            self._presets.clear()
        self._retracted = None

    def close(self) -> None:
        pass


def track_controls(base: Mapping[str, Mapping[str, int]], controls) -> dict[str, dict[str, int]]:
    """Per-role control bins: ``base`` (density from the slider, the preset's others) with each
    track's polyphony and duration as the controls set them (None: left to the model; no
    duration on drums, whose hits have no length)."""
    out = {role: dict(c) for role, c in base.items()}
    for t in controls.tracks:
        if t.role not in out:
            continue
        for kind, value in (("poly", t.poly), ("dur", t.dur if t.role != "drums" else None)):
            if value is None:
                out[t.role].pop(kind, None)
            else:
                out[t.role][kind] = value
    return out


def model_bar_source(spec) -> ModelBarSource:
    """Factory for the bridge's ``model`` engine (``SourceSpec.model``: a model file or a folder
    with model.onnx; None: the shipped model)."""
    return ModelBarSource(spec)
