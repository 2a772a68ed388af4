"""SamplingSettings: how the bar generator draws tokens (temperatures, nucleus, scale lock,
per-track controls). Re-exported by :mod:`jambridge.engine.generator`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jambridge.engine.sampler import check_settings
from jambridge.errors import EngineError
from jambridge.music import Key


@dataclass(frozen=True)
class SamplingSettings:
    """How tokens are drawn. Per-track temperature applies to the notes of that track."""

    temperature: float = 1.0  # every track's temperature unless role_temperature names it
    role_temperature: Mapping[str, float] = field(default_factory=dict)  # role -> temperature
    top_k: int = 0  # 0 = off
    top_p: float = 0.95  # nucleus; 1 = off
    scale: Key | None = None  # scale lock for pitched tracks; None = off
    max_bar_tokens: int = 400  # past this, the bar is wrapped up (remaining tracks empty)
    # Every enabled track plays at least one note in every bar (a producer asked for the part).
    no_empty_tracks: bool = False
    # Per-bar controls the model must obey (v2 models): role -> {kind: bin}, kinds from
    # jambridge.tokenizer.config.CONTROL_KINDS. Kinds left out are "any" (the model chooses).
    # Set ones are written after the track's TRACK token, and density, poly and dur are also
    # enforced while the track is sampled (jambridge.engine.guide).
    controls: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_settings(self.temperature, self.top_k, self.top_p)
        for t in self.role_temperature.values():
            check_settings(t, 0, 1.0)
        if not 16 <= self.max_bar_tokens <= 4096:
            raise EngineError(
                f"max_bar_tokens must be in range 16..4096, got {self.max_bar_tokens}"
            )

    def control_kinds(self) -> dict[str, tuple[str, ...]]:
        """role -> the control kinds set for it (what context bars are written with)."""
        return {r: tuple(c) for r, c in self.controls.items()}

    def temperature_of(self, role: str | None) -> float:
        """The temperature of ``role``'s notes (structure tokens: the global one)."""
        return self.role_temperature.get(role, self.temperature) if role else self.temperature
