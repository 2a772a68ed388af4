"""The model as a live bar source for the bridge's generator process
(:class:`jambridge.bridge.playback.bar_source.BarSource`; factory :func:`model_bar_source`).

Steering maps onto the generator like this:

- preset / density / enabled tracks -> the header; a change re-reads the recent bars under the
  new header (one prefill, a few ms) and takes effect from the next bar;
- per-track temperature -> the sampler, per track;
- locked tracks (``BarRequest.fixed``) -> forced: played as given, the model writes the rest;
- regenerate (after a retract) -> the retracted bar's other tracks are forced and the
  regenerated roles are sampled last, so they answer the tracks that stay;
- a captured riff (:meth:`ModelBarSource.prompt`) -> each riff bar is fed with its role forced
  and the other tracks sampled around it (not played: context), so what follows continues it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from jambridge.engine.generator import BarGenerator, SamplingSettings
from jambridge.engine.offline import grooves, header_for, open_model, settings_for
from jambridge.groove import bar_with_groove
from jambridge.music import ROLES, Bar, Key


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
        self._groove: dict[str, float] = {}

    def _preset(self, name: str):
        preset = self._presets.get(name)
        if preset is None:
            preset = self._load_preset(name)
            if self.spec.key:
                preset = replace(preset, key=Key.parse(self.spec.key))
            self._presets[name] = preset
        return preset

    def _apply(self, controls) -> SamplingSettings:
        """Header and sampling settings from the controls; the header changes only if needed."""
        preset = self._preset(controls.preset)
        densities = {t.role: t.density for t in controls.tracks}
        temperatures = {t.role: t.temperature for t in controls.tracks}
        header = header_for(preset, preset.enabled_roles, self.spec.bpm, densities)
        if self.gen.header is None:
            self.gen.start(header)
        elif header != self.gen.header:
            self.gen.set_header(header)
        self._settings = settings_for(preset, temperatures, densities)
        self._groove = grooves(preset)
        return self._settings

    def next_bar(self, request) -> Bar:
        settings = self._apply(request.controls)
        enabled = self.gen.enabled
        forced = {t.role: t for t in request.fixed if t.role in enabled}
        last = tuple(r for r in ROLES if r in request.regenerate and r in enabled)
        if last and self._retracted is not None:
            for t in self._retracted.tracks:
                if t.role not in request.regenerate and t.role not in forced:
                    forced[t.role] = t
        self._retracted = None
        bar = self.gen.next_bar(settings, forced, last)  # the context keeps the model's own
        return bar_with_groove(bar, self._groove)

    def retract(self) -> None:
        self._retracted = self.gen.retract()[0]

    def prompt(self, bars: Sequence[Bar], role: str) -> None:
        header = self.gen.header
        if header is None:  # a riff before the first bar: start from the spec's preset
            preset = self._preset(self.spec.preset)
            header = header_for(preset, preset.enabled_roles, self.spec.bpm)
            self.gen.start(header)
            self._settings = settings_for(preset)
        if role not in self.gen.enabled:
            density = dict(header.density)
            density[role] = self._preset(self.spec.preset).tracks[role].density_level(role)
            self.gen.set_header(replace(header, density=density))
        self._retracted = None
        for bar in bars:
            track = bar.track(role)
            self.gen.next_bar(self._settings, {role: track} if track is not None else None)

    def close(self) -> None:
        pass


def model_bar_source(spec) -> ModelBarSource:
    """Factory for the bridge's ``model`` engine (``SourceSpec.model``: a model file or a folder
    with model.onnx; None: the shipped model)."""
    return ModelBarSource(spec)
