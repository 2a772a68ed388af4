"""Arrangement: which section each bar is in, which roles play how much, where fills go.

A song is laid out from the style's template (intro, build, drop, break, build, drop, outro),
scaled to the requested bar count in 4-bar phrases; short songs keep the most important
sections (the drop first, then intro, build, outro, break). An endless arrangement plays the
template once without the outro and then cycles break, build, drop in 8-bar phrases.

Each bar gets a :class:`BarPlan`: its section, a level per role (0 silent .. 3 full, from
:data:`SECTION_LEVELS`, with the second half of a section allowed to differ from the first:
roles enter and leave), a fill at phrase ends and a bigger one into the next section, a crash
on section starts, and whether the kick plays. Kickless bars are budgeted: at most 4% of the
bars (the end of a break, before the build), so four-on-the-floor holds in >= 95% of bars.
Long drops rest the lead or the chords for one 8-bar block so the drop breathes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jambridge.music import ROLES
from jambridge.procedural.hits import rng_for
from jambridge.procedural.styles import StyleParams

SECTIONS: tuple[str, ...] = ("intro", "build", "drop", "break", "outro")
PHRASE_BARS = 4  # sections of a song are whole 4-bar phrases
ENDLESS_PHRASE_BARS = 8  # an endless arrangement takes its time: 8-bar phrases
KICKLESS_SHARE = 0.04  # at most this share of bars may drop the kick (a break's end)
DROP_REST_MIN_BARS = 24  # a drop at least this long rests the lead or chords for 8 bars
PLAIN_BLOCK_BARS = 64  # an endless stream without sections: one long drop per block, new material

# Level per role in a section: (first half, second half). 0 silent, 1 sparse (pads, kick and
# hats), 2 reduced, 3 full.
SECTION_LEVELS: dict[str, dict[str, tuple[int, int]]] = {
    "intro": {"drums": (1, 2), "bass": (0, 1), "chords": (0, 1), "lead": (0, 0)},
    "build": {"drums": (2, 2), "bass": (2, 2), "chords": (1, 2), "lead": (0, 1)},
    "drop": {"drums": (3, 3), "bass": (3, 3), "chords": (3, 3), "lead": (3, 3)},
    "break": {"drums": (1, 1), "bass": (0, 0), "chords": (1, 1), "lead": (2, 2)},
    "outro": {"drums": (3, 1), "bass": (2, 0), "chords": (0, 0), "lead": (0, 0)},
}
# Which template entries a short song keeps, best first: index into the template order below.
_KEEP_ORDER = ("drop", "intro", "build", "outro", "break")


@dataclass(frozen=True, slots=True)
class Section:
    """A stretch of bars with one job."""

    name: str  # one of SECTIONS
    start: int  # first bar (from the start of the piece)
    bars: int  # length in bars, >= 1
    kickless: int = 0  # how many bars at its end drop the kick (breaks only)


@dataclass(frozen=True, slots=True)
class BarPlan:
    """What one bar of the arrangement asks of the part generators."""

    index: int  # bar number from the start of the piece
    section: str  # one of SECTIONS
    bar_in_section: int  # 0-based position inside the section
    section_bars: int  # length of the section
    movement: int  # endless: breaks begun (or 64-bar blocks) so far, new material each; songs: 0
    levels: tuple[int, ...]  # per role, in ROLES order: 0 silent, 1 sparse, 2 reduced, 3 full
    fill: int  # 0 none, 1 a fill closes the phrase, 2 a bigger fill leads into the next section
    crash: bool  # a crash cymbal on the downbeat
    kick: bool  # False only in the budgeted kickless bars

    def level(self, role: str) -> int:
        return self.levels[ROLES.index(role)]

    @property
    def progress(self) -> float:
        """How far through its section this bar is: (0, 1], 1 on the last bar."""
        return (self.bar_in_section + 1) / self.section_bars

    @property
    def phrase_pos(self) -> int:
        """Position in its 4-bar phrase (3: the phrase's last bar, where variations go)."""
        return self.bar_in_section % PHRASE_BARS


def _distribute(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` (>= len(weights)) into positive integers roughly proportional to weights."""
    w = sum(weights)
    quotas = [total * x / w for x in weights]
    alloc = [max(1, int(q)) for q in quotas]
    while sum(alloc) < total:
        i = max(range(len(alloc)), key=lambda j: (quotas[j] - alloc[j], -j))
        alloc[i] += 1
    while sum(alloc) > total:
        i = max((j for j in range(len(alloc)) if alloc[j] > 1), key=lambda j: alloc[j] - quotas[j])
        alloc[i] -= 1
    return alloc


def _kept_entries(template: Sequence[tuple[str, int]], count: int) -> list[tuple[str, int]]:
    """The ``count`` most important template entries, in template order."""
    order = sorted(
        range(len(template)),
        key=lambda i: (
            sum(1 for s, _ in template[:i] if s == template[i][0]),  # first occurrences first
            _KEEP_ORDER.index(template[i][0]),
        ),
    )
    keep = sorted(order[:count])
    return [template[i] for i in keep]


def _with_kick_budget(sections: list[Section], total_bars: int) -> list[Section]:
    """Give the breaks their share of kickless bars (each at most half its break)."""
    breaks = [i for i, s in enumerate(sections) if s.name == "break"]
    budget = int(total_bars * KICKLESS_SHARE)
    if not breaks or budget == 0:
        return sections
    each = budget // len(breaks)
    out = list(sections)
    for i in breaks:
        s = out[i]
        out[i] = Section(s.name, s.start, s.bars, min(each, s.bars // 2))
    return out


def _lay_out(
    entries: Sequence[tuple[str, int]], lengths: Sequence[int], start: int
) -> list[Section]:
    sections, at = [], start
    for (name, _), bars in zip(entries, lengths):
        sections.append(Section(name, at, bars))
        at += bars
    return sections


def song_sections(template: Sequence[tuple[str, int]], bars: int) -> list[Section]:
    """Sections of a ``bars``-long song: the template scaled to whole 4-bar phrases (a remainder
    goes to the last section); songs under 4 bars, or too short to hold more, are one drop."""
    phrases = bars // PHRASE_BARS
    count = min(len(template), max(1, phrases // 2))
    if phrases == 0 or count == 1:
        return [Section("drop", 0, bars)]
    entries = _kept_entries(template, count)
    lengths = [p * PHRASE_BARS for p in _distribute(phrases, [w for _, w in entries])]
    lengths[-1] += bars - sum(lengths)
    return _with_kick_budget(_lay_out(entries, lengths, 0), bars)


class Arrangement:
    """The plan of every bar: a finite song (``bars`` given) or an endless set (``bars=None``).

    Stateless per bar: :meth:`plan` of any index can be asked in any order.
    """

    def __init__(
        self,
        style: StyleParams,
        seed: int,
        roles: Sequence[str],
        bars: int | None,
        sections: bool = True,
    ) -> None:
        self.style = style
        self.seed = seed
        self.roles = tuple(roles)
        self.sections_on = sections
        self.bars = bars
        if bars is not None:
            plain = [Section("drop", 0, bars)]
            self._song = song_sections(style.template, bars) if sections else plain
        else:
            body = style.template[:-1] if style.template[-1][0] == "outro" else style.template
            first_break = next((i for i, (s, _) in enumerate(body) if s == "break"), 0)
            self._first = self._pass(body, 0)
            self._cycle_entries = list(body[first_break:])
            self._cycle_bars = sum(w for _, w in self._cycle_entries) * ENDLESS_PHRASE_BARS
            self._first_bars = sum(s.bars for s in self._first)

    def _pass(self, entries: Sequence[tuple[str, int]], start: int) -> list[Section]:
        """One pass of an endless set from bar ``start``, its kick budget its own."""
        lengths = [w * ENDLESS_PHRASE_BARS for _, w in entries]
        return _with_kick_budget(_lay_out(entries, lengths, start), sum(lengths))

    def _sections_around(self, index: int) -> tuple[list[Section], int]:
        """The sections of the pass holding bar ``index`` and the breaks begun before that pass."""
        if self.bars is not None:
            return self._song, 0
        if not self.sections_on:
            block = index // PLAIN_BLOCK_BARS
            return [Section("drop", block * PLAIN_BLOCK_BARS, PLAIN_BLOCK_BARS)], block
        if index < self._first_bars:
            return self._first, 0
        n = (index - self._first_bars) // self._cycle_bars
        start = self._first_bars + n * self._cycle_bars
        breaks_before = sum(1 for s in self._first if s.name == "break") + n
        return self._pass(self._cycle_entries, start), breaks_before

    def plan(self, index: int) -> BarPlan:
        """The plan of bar ``index`` (0-based)."""
        sections, breaks_before = self._sections_around(index)
        i = next(i for i, s in enumerate(sections) if s.start <= index < s.start + s.bars)
        sec = sections[i]
        pos = index - sec.start
        has_next = i + 1 < len(sections) or self.bars is None
        movement = breaks_before  # a finite song keeps its material from start to end
        if self.bars is None:
            movement += sum(1 for s in sections[: i + 1] if s.name == "break")
        fill = 0
        if pos == sec.bars - 1 and has_next:
            fill = 2
        elif (pos + 1) % self.style.phrase_bars == 0:
            fill = 1
        crash = (pos == 0 and sec.name != "intro") or (sec.name == "drop" and pos % 16 == 0)
        return BarPlan(
            index=index,
            section=sec.name,
            bar_in_section=pos,
            section_bars=sec.bars,
            movement=movement,
            levels=self._levels(sec, pos),
            fill=fill,
            crash=crash and (self.sections_on or index == 0),
            kick=pos < sec.bars - sec.kickless,
        )

    def _levels(self, sec: Section, pos: int) -> tuple[int, ...]:
        half = 0 if 2 * pos < sec.bars else 1
        table = SECTION_LEVELS[sec.name] if self.sections_on else SECTION_LEVELS["drop"]
        levels = {r: table[r][half] if r in self.roles else 0 for r in ROLES}
        if self.sections_on and sec.name == "drop" and sec.bars >= DROP_REST_MIN_BARS:
            rng = rng_for(self.seed, "drop-rest", sec.start)
            block = rng.randrange(1, sec.bars // 8)
            resting = rng.choice(("lead", "chords"))
            if pos // 8 == block and sum(1 for r in self.roles if levels[r]) > 1:
                levels[resting] = 0
        if not any(levels[r] for r in self.roles):  # never a bar where no asked role plays
            levels.update({r: 1 for r in self.roles})
        return tuple(levels[r] for r in ROLES)
