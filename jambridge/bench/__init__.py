"""Measurement commands a user may run and the tooling they share; the product never imports
this package (``jambridge bench`` loads :mod:`.engine` when it runs). docs/bench/README.md
lists the commands and their results.

Run as ``python -m jambridge.bench.NAME [--json]``:

- ``engine``   inference speed (also ``jambridge bench``); ``compare``: torch and HF next to it
- ``timing``   note onsets against ``jack_midi_clock`` and a clock scattering around a grid
- ``timing_app`` the same under load: the app's window streaming, the model generating
- ``soak``     a long run: underruns, stuck notes, memory
- ``attack``   ``jambridge bridge`` under hostile input
- ``startup``  the app's start-up time; ``stream``: the Qt thread's stalls while streaming
- ``link``     the Link clock following a second Link session, in a private network (as root);
  ``link_notes``: the bridge on ``--clock link`` on JACK, its notes against the session's beats
- ``master``   our own MIDI clock (``--clock internal``) as a DAW hears it on JACK
- ``jam``      a riff played in, captured and kept: recurrence, key, ducking (issue 12)
- ``peer``     a scripted MIDI peer (the DAW stand-in of the JACK tests)

Shared, not run on their own: ``jack`` (a private JACK server), ``jack_clients`` (transport,
clock, recorder), ``scatter_clock`` (a clock whose pulses scatter around a known grid),
``onset_errors`` (a run's onset errors against the clock), ``processes`` (a peer or
``jambridge bridge`` as a child process, private user folders), ``cli`` (the JACK benchmarks'
command line), ``busy`` (a slow bar source: a generator kept busy, for the timing benchmark
and the pipe tests).
"""
