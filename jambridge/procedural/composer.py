"""The composer: checks the caller's settings, holds a song's material, renders planned bars.

A :class:`Composer` knows the style, key, tempo, roles and densities. For each bar plan from
the :class:`~jambridge.procedural.arrangement.Arrangement` it fetches the material of the
plan's movement (drum groove, chords, bass line, lead; made on first use and cached) and asks
each part for the bar's hits. Bars depend only on (settings, seed, plan), never on which bars
were rendered before, so a stream can jump to any bar and still get the same music.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from jambridge.errors import DataError
from jambridge.music import ROLES, Bar, Key, Note, Track
from jambridge.procedural.arrangement import BarPlan
from jambridge.procedural.bass import bass_bar, make_bass
from jambridge.procedural.drums import drum_bar, make_groove
from jambridge.procedural.feel import Feel, apply_feel
from jambridge.procedural.given import ChordSpan, GivenHarmony, Spans
from jambridge.procedural.harmony import Harmony, chord_bar, make_harmony
from jambridge.procedural.hits import Hit, rng_for, to_notes
from jambridge.procedural.lead import lead_bar, make_lead
from jambridge.procedural.styles import StyleParams, style_params
from jambridge.roles import ROLE_SPECS

BPM_RANGE = (40.0, 300.0)  # tempos the generator accepts
MATERIAL_CACHE = 16  # movements' material kept at once (an endless stream needs one or two)
DRUM_EPOCH_MOVEMENTS = 2  # the drum groove changes every second movement; the rest every one


def check_roles(roles: Sequence[str]) -> tuple[str, ...]:
    """``roles`` in canonical order, duplicates dropped.

    Raises:
        DataError: a role is unknown, or none is given.
    """
    if isinstance(roles, str):
        roles = (roles,)
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise DataError(f"roles must be among {', '.join(ROLES)}, got {bad[0]!r}")
    if not roles:
        raise DataError(f"roles must name at least one of {', '.join(ROLES)}")
    return tuple(r for r in ROLES if r in roles)


def check_density(params: StyleParams, density: Mapping[str, float] | None) -> dict[str, float]:
    """The style's default densities with ``density``'s entries in their place.

    Raises:
        DataError: an unknown role, or a value outside 0..1.
    """
    out = dict(params.density)
    for role, value in (density or {}).items():
        if role not in ROLES:
            raise DataError(f"density roles must be among {', '.join(ROLES)}, got {role!r}")
        if not isinstance(value, (int, float)) or math.isnan(value) or not 0 <= value <= 1:
            raise DataError(f"density of {role} must be in range 0..1, got {value!r}")
        out[role] = float(value)
    return out


def choose_key(params: StyleParams, seed: int) -> Key:
    """The style's key for ``seed``: a tonic from the style's list, minor unless the seed draws
    the style's (small) major share."""
    rng = rng_for(seed, "key")
    tonic = rng.choice(params.tonics)
    return Key(tonic, "major" if rng.random() < params.major_share else "minor")


class Composer:
    """Settings plus material; renders any planned bar. See the module docstring."""

    def __init__(
        self,
        style: str,
        seed: int,
        key: Key | None,
        bpm: float | None,
        roles: Sequence[str],
        density: Mapping[str, float] | None,
        harmony: GivenHarmony | None = None,
        feel: Feel | None = None,
    ) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise DataError(f"seed must be an integer, got {seed!r}")
        if key is not None and not isinstance(key, Key):
            raise DataError(f"key must be a Key (e.g. Key.parse('A minor')), got {key!r}")
        if bpm is not None and (
            not isinstance(bpm, (int, float)) or not BPM_RANGE[0] <= bpm <= BPM_RANGE[1]
        ):
            raise DataError(f"bpm must be in range {BPM_RANGE[0]:g}..{BPM_RANGE[1]:g}, got {bpm!r}")
        if harmony is not None and not isinstance(harmony, GivenHarmony):
            raise DataError(f"harmony must be a GivenHarmony, got {type(harmony).__name__}")
        if feel is not None and not isinstance(feel, Feel):
            raise DataError(f"feel must be a Feel, got {type(feel).__name__}")
        self.params = style_params(style)
        self.seed = seed
        self.given = harmony
        self.feel = feel
        if key is None and harmony is not None:
            key = harmony.key
        self.key = key if key is not None else choose_key(self.params, seed)
        self.bpm = float(bpm) if bpm is not None else self.params.bpm
        self.roles = check_roles(roles)
        self.density = check_density(self.params, density)
        # the grid shuffle (16th triplets) unless the feel swings the off-16ths itself
        self.shuffle = rng_for(seed, "shuffle").random() < self.params.shuffle
        self.shuffle = self.shuffle and (feel is None or feel.swing == 0.5)
        self._variants = dict.fromkeys(ROLES, 0)  # new material asked for, per role
        self._material: OrderedDict[tuple[str, int, int], object] = OrderedDict()

    def set_density(self, density: Mapping[str, float] | None) -> None:
        """Change densities (None: back to the style's defaults); later bars follow."""
        self.density = check_density(self.params, density)

    def regenerate(self, roles: Sequence[str]) -> None:
        """Draw new material for ``roles`` (new groove, bass line, chords or lead); the key,
        the progression and the arrangement stay. Later bars follow."""
        for role in check_roles(roles):
            self._variants[role] += 1

    def _get(self, part: str, epoch: int, make: Callable[..., object]):
        """The material of role ``part`` for ``epoch``:
        ``make(params, [key,] seed, epoch, shuffle, variant)``."""
        variant = self._variants[part]
        key = (part, epoch, variant)
        if key not in self._material:
            lead = (self.params, self.key) if part != "drums" else (self.params,)
            self._material[key] = make(*lead, self.seed, epoch, self.shuffle, variant)
            if len(self._material) > MATERIAL_CACHE:
                self._material.popitem(last=False)
        return self._material[key]

    def hits(self, plan: BarPlan) -> dict[str, list[Hit]]:
        """The hits of every asked role in the bar of ``plan``, after the density filter."""
        m = plan.movement
        harmony = self._get("chords", m, make_harmony)
        spans = self._spans(plan, harmony)
        out: dict[str, list[Hit]] = {}
        for role in self.roles:
            d = self.density[role]
            if role == "drums":
                groove = self._get("drums", m // DRUM_EPOCH_MOVEMENTS, make_groove)
                out[role] = drum_bar(groove, self.params, plan, d, self.seed)
            elif role == "bass":
                bass = self.given.bass_spans(plan.index) if self.given else None
                out[role] = bass_bar(self._get("bass", m, make_bass), plan, bass or spans, d)
            elif role == "chords":
                out[role] = chord_bar(harmony, plan, spans, d)
            else:
                out[role] = lead_bar(self._get("lead", m, make_lead), plan, spans, d)
        return out

    def _spans(self, plan: BarPlan, harmony: Harmony) -> Spans:
        """The chords of the bar: the given harmony's (in the song's voicing) or the style's."""
        if self.given is None:
            return (ChordSpan(0, harmony.chord_at(plan)),)
        spans = self.given.chords(plan.index)
        return tuple(ChordSpan(s.tick, harmony.styled(s.chord)) for s in spans)

    def notes(self, plan: BarPlan, offset_ticks: int = 0) -> dict[str, list[Note]]:
        """The notes of every asked role, moved by ``offset_ticks`` (0: bar-relative), played
        with the composer's feel (swing, timing, velocity) when it has one."""
        out = {}
        for role, hits in self.hits(plan).items():
            notes = to_notes(hits, ROLE_SPECS[role].low, ROLE_SPECS[role].high, offset_ticks)
            if self.feel is not None:
                rng = rng_for(self.seed, "feel", role, plan.index)
                notes = apply_feel(notes, role, self.feel, rng, offset_ticks)
            out[role] = notes
        return out

    def bar(self, plan: BarPlan) -> Bar:
        """The bar of ``plan``: one track per asked role (empty when the role rests)."""
        notes = self.notes(plan)
        return Bar(tuple(empty_track(r).with_notes(notes[r]) for r in self.roles))


def empty_track(role: str) -> Track:
    """An empty track with the role's default channel, GM program and name."""
    spec = ROLE_SPECS[role]
    return Track(role=role, program=spec.program, channel=spec.channel, name=spec.track_name)
