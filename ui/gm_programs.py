"""General MIDI program names (0-based program number -> name), for the lanes' program pickers.

A table, not code: the GM 1 sound set, eight programs per family, in program order.
"""

from __future__ import annotations

_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
     "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet"),
    ("Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone",
     "Tubular Bells", "Dulcimer"),
    ("Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ",
     "Accordion", "Harmonica", "Tango Accordion"),
    ("Nylon Guitar", "Steel Guitar", "Jazz Guitar", "Clean Guitar", "Muted Guitar",
     "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics"),
    ("Acoustic Bass", "Finger Bass", "Pick Bass", "Fretless Bass", "Slap Bass 1", "Slap Bass 2",
     "Synth Bass 1", "Synth Bass 2"),
    ("Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
     "Orchestral Harp", "Timpani"),
    ("String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2",
     "Choir Aahs", "Voice Oohs", "Synth Voice", "Orchestra Hit"),
    ("Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section",
     "Synth Brass 1", "Synth Brass 2"),
    ("Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
     "Clarinet"),
    ("Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle",
     "Ocarina"),
    ("Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)",
     "Lead 5 (charang)", "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)"),
    ("Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)",
     "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)"),
    ("FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)",
     "FX 5 (brightness)", "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)"),
    ("Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai"),
    ("Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom",
     "Synth Drum", "Reverse Cymbal"),
    ("Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring",
     "Helicopter", "Applause", "Gunshot"),
)  # fmt: skip

GM_PROGRAM_NAMES: tuple[str, ...] = tuple(name for family in _FAMILIES for name in family)
assert len(GM_PROGRAM_NAMES) == 128


def program_label(program: int) -> str:
    """``"38 Synth Bass 1"``: the 0-based number and the GM name, as the pickers show it."""
    return f"{program} {GM_PROGRAM_NAMES[program]}"
