"""The style table: everything that makes acid sound like acid and dub like dub, as data.

One frozen :class:`StyleParams` per style. The part generators read these fields and nothing
else about the style; adding a style is adding a row. Weighted choices are ``((item, weight),
...)`` tuples; the seed draws from them once per song, so two seeds of one style differ in
groove, bass line, chords and lead, but stay in the style.
"""

from __future__ import annotations

from dataclasses import dataclass

from jambridge.errors import lookup

Weighted = tuple[tuple[str, float], ...]  # (name, weight) pairs
WeightedInt = tuple[tuple[int, float], ...]  # (number, weight) pairs
FOUR_ON_THE_FLOOR = "x...x...x...x..."  # 16 steps, 'x' = kick

# Section templates: (section, length in phrases); scaled to the requested bar count.
STANDARD_TEMPLATE = (
    ("intro", 2),
    ("build", 1),
    ("drop", 4),
    ("break", 2),
    ("build", 1),
    ("drop", 4),
    ("outro", 2),
)
HYPNOTIC_TEMPLATE = (  # minimal, dub: long intros, no first build, a short break
    ("intro", 3),
    ("drop", 4),
    ("break", 2),
    ("build", 1),
    ("drop", 4),
    ("outro", 2),
)
PEAK_TEMPLATE = (  # peak time: in fast, long drops
    ("intro", 1),
    ("build", 1),
    ("drop", 5),
    ("break", 1),
    ("build", 1),
    ("drop", 5),
    ("outro", 1),
)


@dataclass(frozen=True)
class StyleParams:
    """Parameters of one style (a row per :data:`~jambridge.music.STYLES` name). Pitch classes
    0..11 (0 = C); GM drum keys for drums."""

    name: str  # the style's name, one of STYLES
    bpm: float  # default tempo
    tonics: tuple[int, ...]  # tonic pitch classes the seed draws the key from
    major_share: float  # chance of a major key (techno lives in minor)
    density: dict[str, float]  # default density per role, 0 (sparse) .. 1 (busy)
    # drums
    kick_patterns: tuple[str, ...] = (FOUR_ON_THE_FLOOR,)  # 16-step kick patterns to draw from
    kick_extra: float = 0.3  # chance of a ghost kick on a 16th before a beat (rolling kick)
    shuffle: float = 0.05  # chance the song swings its off-16ths onto the triplet grid
    # with a feel (feel.py): the 16th swing a song draws from (0.5 straight; replaces the grid
    # shuffle when above 0.5) and the sd of its human timing in beats at human = 1
    swing: tuple[float, float] = (0.5, 0.5)
    timing_beats: float = 0.008
    open_hat: float = 0.85  # chance of off-beat open hats
    backbeat: WeightedInt = ((39, 0.6), (38, 0.2), (40, 0.2))  # GM key on beats 2 and 4
    ride: float = 0.5  # chance of a ride layer in the drops
    perc: tuple[int, ...] = (37, 75, 56, 62, 63, 64, 70, 54)  # percussion palette (GM keys)
    perc_layers: tuple[int, int] = (1, 3)  # how many percussion layers (min, max)
    triplet_perc: float = 0.05  # chance a percussion layer runs on 8th triplets
    ghost: float = 0.5  # chance of a ghost-note layer (quiet snares / rims)
    fills: Weighted = (
        ("snare_roll", 3),
        ("clap_roll", 2),
        ("triplet_roll", 1),
        ("open_hats", 1),
        ("perc_break", 1),
    )
    phrase_bars: int = 8  # a fill closes every phrase of this many bars
    # bass
    bass_kinds: Weighted = (("rolling", 4), ("offbeat", 2), ("gallop", 1), ("acid", 1))
    # chords
    chord_kinds: Weighted = (("stab", 4), ("dub", 1))  # how chords play in a drop
    chord_shapes: Weighted = (("m7", 3), ("quartal", 2), ("sus", 1), ("triad", 1), ("dub", 1))
    progressions: tuple[tuple[int, ...], ...] = (  # chord roots as scale degrees (0 = tonic)
        (0,),
        (0, 0, 0, 5),
        (0, 6, 5, 6),
        (0, 3),
        (0, 4),
        (0, 0, 5, 6),
    )
    chord_bars: tuple[int, ...] = (1, 2)  # bars each chord of a progression lasts
    # lead
    lead_kinds: Weighted = (("arp", 3), ("hook", 3), ("sequence", 2))
    arp_rates: WeightedInt = ((3, 3), (4, 1), (2, 1))  # ticks per arp note: 16ths, triplets
    # arrangement
    template: tuple[tuple[str, int], ...] = STANDARD_TEMPLATE


STYLE_TABLE: dict[str, StyleParams] = {
    s.name: s
    for s in (
        StyleParams(
            name="techno",
            bpm=130.0,
            tonics=(9, 5, 7, 2, 0, 4, 10, 11),
            major_share=0.0,
            density={"drums": 0.75, "bass": 0.6, "chords": 0.45, "lead": 0.5},
        ),
        StyleParams(
            name="minimal",
            bpm=126.0,
            tonics=(9, 2, 7, 0, 5, 4),
            major_share=0.05,
            density={"drums": 0.5, "bass": 0.45, "chords": 0.3, "lead": 0.35},
            kick_extra=0.2,
            shuffle=0.35,
            swing=(0.5, 0.56),
            open_hat=0.5,
            backbeat=((39, 0.5), (37, 0.3), (40, 0.2)),
            ride=0.2,
            perc=(37, 75, 70, 62, 63, 64, 60, 61, 56),
            perc_layers=(2, 3),
            triplet_perc=0.4,
            ghost=0.6,
            fills=(("perc_break", 3), ("open_hats", 2), ("clap_roll", 1)),
            phrase_bars=16,
            bass_kinds=(("offbeat", 3), ("house", 2), ("sub", 1), ("rolling", 1)),
            chord_kinds=(("stab", 3), ("dub", 2)),
            chord_shapes=(("m7", 2), ("dub", 2), ("sus", 2), ("m9", 1)),
            progressions=((0,), (0, 0, 0, 3), (0, 3)),
            lead_kinds=(("hook", 3), ("sequence", 2), ("arp", 1)),
            arp_rates=((3, 2), (4, 2)),
            template=HYPNOTIC_TEMPLATE,
        ),
        StyleParams(
            name="acid",
            bpm=132.0,
            tonics=(9, 4, 7, 2, 5, 0),
            major_share=0.0,
            density={"drums": 0.7, "bass": 0.75, "chords": 0.3, "lead": 0.4},
            kick_extra=0.3,
            bass_kinds=(("acid", 1),),
            chord_kinds=(("stab", 3), ("dub", 1)),
            chord_shapes=(("m7", 2), ("triad", 2), ("quartal", 1)),
            progressions=((0,), (0, 0, 0, 5), (0, 6), (0, 3)),
            lead_kinds=(("arp", 2), ("sequence", 2), ("hook", 1)),
        ),
        StyleParams(
            name="dub",
            bpm=120.0,
            tonics=(9, 2, 5, 7, 0, 3),
            major_share=0.0,
            density={"drums": 0.55, "bass": 0.5, "chords": 0.6, "lead": 0.25},
            kick_extra=0.15,
            shuffle=0.1,
            open_hat=0.7,
            backbeat=((39, 0.5), (37, 0.3), (38, 0.2)),
            ride=0.3,
            perc=(37, 70, 75, 62, 64),
            perc_layers=(1, 2),
            triplet_perc=0.15,
            ghost=0.4,
            fills=(("open_hats", 2), ("perc_break", 2), ("clap_roll", 1)),
            phrase_bars=16,
            bass_kinds=(("sub", 1),),
            chord_kinds=(("dub", 1),),
            chord_shapes=(("dub", 3), ("m9", 2), ("m7", 2)),
            progressions=((0,), (0, 3), (0, 0, 3, 3), (0, 4)),
            chord_bars=(2, 4),
            lead_kinds=(("hook", 2), ("arp", 1)),
            arp_rates=((4, 1), (3, 1)),
            template=HYPNOTIC_TEMPLATE,
        ),
        StyleParams(
            name="peak",
            bpm=140.0,
            tonics=(9, 5, 7, 2, 4, 11),
            major_share=0.0,
            density={"drums": 0.9, "bass": 0.8, "chords": 0.5, "lead": 0.6},
            kick_extra=0.5,
            shuffle=0.0,
            open_hat=0.9,
            backbeat=((39, 0.5), (38, 0.3), (40, 0.2)),
            ride=0.8,
            fills=(("snare_roll", 3), ("triplet_roll", 2), ("clap_roll", 2), ("tom_run", 1)),
            bass_kinds=(("rolling", 3), ("gallop", 2)),
            chord_kinds=(("stab", 1),),
            chord_shapes=(("quartal", 2), ("triad", 2), ("sus", 2), ("m7", 1)),
            progressions=((0,), (0, 6, 5, 6), (0, 0, 5, 6), (0, 5)),
            lead_kinds=(("arp", 3), ("sequence", 2), ("hook", 1)),
            arp_rates=((3, 2), (2, 2), (4, 1)),
            template=PEAK_TEMPLATE,
        ),
        StyleParams(
            name="house",
            bpm=122.0,
            tonics=(0, 2, 5, 7, 9, 10, 3),
            major_share=0.3,
            density={"drums": 0.65, "bass": 0.55, "chords": 0.55, "lead": 0.35},
            kick_extra=0.1,
            shuffle=0.5,
            swing=(0.55, 0.62),
            timing_beats=0.01,
            open_hat=0.9,
            backbeat=((39, 0.6), (38, 0.25), (40, 0.15)),
            ride=0.3,
            perc=(54, 56, 62, 63, 64, 70, 75),
            triplet_perc=0.2,
            fills=(("tom_run", 2), ("snare_roll", 2), ("clap_roll", 1), ("open_hats", 1)),
            bass_kinds=(("house", 3), ("offbeat", 2)),
            chord_kinds=(("offbeat", 3), ("stab", 2)),
            chord_shapes=(("m7", 3), ("m9", 2), ("triad", 1)),
            progressions=((0, 3), (0, 5, 3, 4), (0, 0, 3, 3), (5, 3, 0, 4), (0, 4, 5, 3)),
            lead_kinds=(("hook", 3), ("arp", 1)),
            arp_rates=((3, 1), (4, 1)),
        ),
        StyleParams(
            name="electro",
            bpm=130.0,
            tonics=(9, 4, 2, 7, 0, 5),
            major_share=0.0,
            density={"drums": 0.7, "bass": 0.7, "chords": 0.35, "lead": 0.5},
            kick_patterns=(
                "x.....x...x.....",
                "x.........x..x..",
                "x..x......x.....",
                "x.....x.x.....x.",
                "x.....xx..x....x",
            ),
            kick_extra=0.0,
            shuffle=0.1,
            open_hat=0.15,
            backbeat=((38, 0.5), (40, 0.3), (39, 0.2)),
            ride=0.1,
            perc=(56, 75, 37, 70, 62),
            ghost=0.4,
            fills=(("snare_roll", 2), ("tom_run", 2), ("triplet_roll", 1)),
            bass_kinds=(("electro", 1),),
            chord_kinds=(("stab", 1),),
            chord_shapes=(("triad", 2), ("m7", 2), ("sus", 1)),
            progressions=((0,), (0, 0, 5, 6), (0, 3), (0, 6)),
            lead_kinds=(("sequence", 2), ("arp", 2), ("hook", 1)),
            arp_rates=((3, 2), (2, 1)),
        ),
    )
}


def style_params(style: str) -> StyleParams:
    """The parameters of ``style``.

    Raises:
        DataError: ``style`` is not one of STYLES.
    """
    return lookup(STYLE_TABLE, style, "style")
