"""The four roles JamBridge plays: default MIDI channel, GM program, pitch range.

A table, not branches (STYLE.md). Channels here are 0-based (drums 9 = MIDI channel 10).
"""

from __future__ import annotations

from dataclasses import dataclass

from jambridge.music import ROLES


@dataclass(frozen=True, slots=True)
class RoleSpec:
    name: str
    channel: int  # default 0-based MIDI channel (user-mappable)
    program: int  # default GM program (0-based); ignored for drums
    low: int  # lowest pitch the generators use for this role
    high: int  # highest pitch
    track_name: str  # track name written to MIDI files


ROLE_SPECS: dict[str, RoleSpec] = {
    "drums": RoleSpec("drums", 9, 0, 35, 81, "Drums"),
    "bass": RoleSpec("bass", 1, 38, 24, 55, "Bass"),  # 38: Synth Bass 1
    "chords": RoleSpec("chords", 2, 89, 48, 84, "Chords"),  # 89: Pad 2 (warm)
    "lead": RoleSpec("lead", 3, 81, 55, 96, "Lead"),  # 81: Lead 2 (sawtooth)
}
assert tuple(ROLE_SPECS) == ROLES
