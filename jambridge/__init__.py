"""JamBridge: dreams up techno parts with a small music transformer and plays them into a DAW.

Map of the library (no Qt, no torch on this side):

- ``jambridge.music``       Note, Track, Bar, Song, Key: immutable values, times in beats
- ``jambridge.roles``       the role table (drums, bass, chords, lead): channels, programs, ranges
- ``jambridge.midi_io``     read any MIDI file / write type-1 files (mido)
- ``jambridge.midi_scan``   size, track and event limits checked on a MIDI file's bytes first
- ``jambridge.files``       reading a user's file safely: regular files only, size-capped
- ``jambridge.safe_json``   the one JSON reader for outside files (presets, CC maps, takes, models)
- ``jambridge.tokenizer``   bar-major multi-track tokens, vocabulary, grammar (sampling mask)
- ``jambridge.procedural``  seeded rule-based techno generator (training data, baseline)
- ``jambridge.keyfinder``   key finding (a key signature the notes agree with, else an estimate)
- ``jambridge.preset``      presets (JSON): style, tempo, key, per-track settings, validation
- ``jambridge.dataset``     MIDI folders -> memory-mapped token arrays (+ dataset_docs, _report)
- ``jambridge.prompt``      a riff file as bars of its roles, its key and tempo, report, warnings
- ``jambridge.generation``  offline generation: preset (+ prompt riff) -> Song, model or procedural
- ``jambridge.onnx_contract``  the ONNX input/output contract shared by export and engine
- ``jambridge.engine``      ONNX inference with a KV cache, sampler, bar-by-bar generation
- ``jambridge.bridge``      ports, clock follower, scheduler, streaming, capture (real time)
- ``jambridge.evaluation``  objective metrics, baselines and reports (``jambridge eval``)
- ``jambridge.cli``         the ``jambridge`` command
- ``jambridge.models.default``  the shipped model (model.onnx, model_card.md)

``jambridge.training`` (torch) and ``jambridge.export`` (torch -> ONNX) are the training side.
``jambridge.ui`` is the PyQt6 app.
"""

__version__ = "0.1.0"
