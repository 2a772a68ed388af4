"""A slow bar source for the benchmarks and tests: another source plus sampler-like CPU work.
Not run on its own.

The timing benchmark measures the bridge while generation is busy, and the pipe tests need a
generator slower than the bars it is asked for. This source is named by import path in a
:class:`~jambridge.bridge.playback.bar_source.SourceSpec` (:data:`BUSY_ENGINE`), so the generator
process builds it like any engine, and nothing of it lives in the product's settings::

    GeneratorProcess(busy_spec(150.0))  # the pattern, 150 ms of work a bar
    BridgeSession(config, generator=busy_generator(150.0, config))  # started, for a session
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from jambridge.bridge.playback.bar_source import BarRequest, BarSource, SourceSpec, build_source
from jambridge.bridge.playback.streaming import GeneratorProcess
from jambridge.bridge.session import BridgeConfig
from jambridge.music import Bar
from jambridge.riff.material import Riff

BUSY_ENGINE = "jambridge.bench.busy:busy_source"  # the factory, for SourceSpec.engine


class BusySource:
    """Adds ``busy_ms`` of sampler-like Python work (small NumPy steps in a loop) per bar to
    another source: a stand-in for a slow model."""

    def __init__(self, inner: BarSource, busy_ms: float) -> None:
        self.inner = inner
        self.busy_ms = busy_ms
        self._logits = np.random.default_rng(0).standard_normal(512).astype(np.float32)

    def next_bar(self, request: BarRequest) -> Bar:
        end = time.perf_counter() + self.busy_ms / 1000
        x = self._logits
        while time.perf_counter() < end:  # one "decode step" per loop, as a sampler does
            p = np.exp(x - x.max())
            p /= p.sum()
            x = np.roll(x, int(p.argmax()) % 7 + 1)
        return self.inner.next_bar(request)

    def retract(self) -> None:
        self.inner.retract()

    def prompt(self, riff: Riff) -> None:
        self.inner.prompt(riff)

    def close(self) -> None:
        self.inner.close()


def busy_source(spec: SourceSpec) -> BarSource:
    """Factory (:data:`BUSY_ENGINE`): ``spec.options["inner"]`` (default ``pattern``) made busy
    for ``spec.options["busy_ms"]`` a bar."""
    inner = dataclasses.replace(spec, engine=spec.options.get("inner", "pattern"), options={})
    return BusySource(build_source(inner), float(spec.options["busy_ms"]))


def busy_spec(busy_ms: float, inner: str = "pattern", **fields: object) -> SourceSpec:
    """A SourceSpec for ``inner`` (an engine name) with ``busy_ms`` of work a bar."""
    options = {"busy_ms": busy_ms, "inner": inner}
    return SourceSpec(engine=BUSY_ENGINE, options=options, **fields)  # type: ignore[arg-type]


def busy_generator(busy_ms: float, config: BridgeConfig) -> GeneratorProcess:
    """A started generator process for a session of ``config`` (its engine, preset and seed),
    ``busy_ms`` of work a bar; the session closes it."""
    process = GeneratorProcess(
        busy_spec(busy_ms, config.engine, preset=config.preset, seed=config.seed)
    )
    process.start()
    return process
