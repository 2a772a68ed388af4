"""Measurement commands a user may run (``python -m jambridge.bench.NAME``) and the JACK
tooling they share; none of it is imported by the product.

- ``engine``   inference speed (``jambridge bench``)
- ``timing``   note onsets against ``jack_midi_clock``; ``soak``: long runs; ``attack``: bad input
- ``startup``, ``stream``  the app's start-up time and streaming load
- ``jack``     JACK server and tool helpers; ``peer``: a scripted MIDI peer
"""
