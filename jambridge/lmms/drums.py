"""Which LMMS tracks are drums, and which GM drum key each one is.

In LMMS a drum is a sample player (``audiofileprocessor`` with ``drums/kick01.ogg``, or a
DrumSynth preset ``drumsynth/tr808/Handclap.ds``) or a synth named "Kick", "Snare", ...; the
note's key only transposes the sound, so the sample or the name, not the key, says which drum
it is. :data:`DRUM_SOUNDS` maps words to GM percussion keys (first match wins: open hats before
closed hats, rims and claps before snares); :func:`drum_key` applies it to the sample path, then
to the track name. Samples in a drum folder that name no known drum, and tracks whose name
:func:`jambridge.roles.name_hint` calls drums ("Perc", "808"), get
:data:`GENERIC_PERCUSSION_KEY`, so that no LMMS track reaches the drums role with its keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jambridge.roles import name_hint

GENERIC_PERCUSSION_KEY = 75  # GM Claves: a short dry hit for percussion we cannot name

_HAT = r"(?:hi ?h+ ?ats?|hh|hats?|light ?hat)"
_OPEN = r"\b(?:open|opened|o)\b"
_TOM = r"\b(?:syn ?)?toms?\b"

# (pattern searched in the normalized text, GM key, what it is). Text is lower-cased, every run
# of non-alphanumerics is one space, and letters and digits are split ("kick01" -> "kick 01").
DRUM_SOUNDS: tuple[tuple[re.Pattern[str], int, str], ...] = tuple(
    (re.compile(pattern), key, name)
    for pattern, key, name in (
        (rf"{_OPEN}.*\b{_HAT}\b|\b{_HAT}\b.*{_OPEN}", 46, "open hi-hat"),
        (rf"\b{_HAT}\b|\bc ?hi ?hat\b", 42, "closed hi-hat"),
        (r"\b(?:kick\w*|kik|bd|bassdrum|bass ?drum|boom|k 8 ?bit)\b", 36, "kick"),
        (r"\b(?:rim|rims|rimshot|sidestick|side ?stick)\b", 37, "rimshot"),
        (r"clap", 39, "hand clap"),
        (r"snare|snr\b|\bsd\b|snarre|\bs 8 ?bit\b", 38, "snare"),
        (r"\b(?:crash|cymbal|splash|china)\b", 49, "crash cymbal"),
        (r"\bride\b", 51, "ride cymbal"),
        (rf"{_TOM}.*\b(?:h|hi|high)\b", 50, "high tom"),
        (rf"{_TOM}.*\b(?:l|lo|low)\b", 45, "low tom"),
        (_TOM, 47, "mid tom"),
        (r"\btimbale", 65, "timbale"),
        (r"\bsha+k", 82, "shaker"),
        (r"\btamb", 54, "tambourine"),
        (r"\bcowbell", 56, "cowbell"),
        (r"\b(?:conga|cga)", 63, "conga"),
        (r"\bbongo", 60, "bongo"),
        (r"\bclave", 75, "claves"),
        (r"\b(?:wood|block|knock)", 76, "wood block"),
        (r"\btriangle", 81, "triangle"),
        (r"\bcabasa", 69, "cabasa"),
        (r"\bmaraca", 70, "maracas"),
    )
)
# A sample in one of these folders is percussion even when its name says nothing more
# (drumsynth/instrument/ holds pitched presets: an e-piano, a bass).
_DRUM_FOLDER = re.compile(r"(?:^|[/:])(?:drums?|percussion|drumsynth/(?!instrument/)[^/]+)/")


@dataclass(frozen=True, slots=True)
class DrumMatch:
    """Why a track is a drum, and the GM key its notes become."""

    key: int  # GM percussion key 35..81 the track's notes play on
    why: str  # "sample drums/kick01.ogg: kick", for reports


def normalize(text: str) -> str:
    """Lower-cased words and numbers separated by single spaces: ``Kick_01.ogg`` -> ``kick 01
    ogg``."""
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    text = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", text)
    return text.strip()


def sound_key(text: str) -> tuple[int, str] | None:
    """The GM key and drum name that ``text`` (a sample path or track name) names, or None."""
    words = normalize(text)
    return next(((key, name) for pattern, key, name in DRUM_SOUNDS if pattern.search(words)), None)


def drum_key(sample: str, track_name: str) -> DrumMatch | None:
    """The drum an LMMS track plays: by its sample (path words, then a drum folder), then by its
    track name; None when neither says drum."""
    if sample:
        found = sound_key(sample)
        if found:
            return DrumMatch(found[0], f"sample {sample}: {found[1]}")
        if _DRUM_FOLDER.search(sample.lower()):
            return DrumMatch(GENERIC_PERCUSSION_KEY, f"sample {sample}: percussion")
    found = sound_key(track_name)
    if found:
        return DrumMatch(found[0], f"track name {track_name!r}: {found[1]}")
    if name_hint(track_name) == "drums":  # what role assignment would call drums, e.g. "Perc"
        return DrumMatch(GENERIC_PERCUSSION_KEY, f"track name {track_name!r}: percussion")
    return None
