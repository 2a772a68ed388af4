"""The real-time bridge: generated bars played into the DAW over MIDI, locked to its clock.

The path, MIDI in -> clock -> scheduler -> MIDI out, one folder a stage:

- ``io/``        ``ports`` (rtmidi APIs, virtual "JamBridge Out"/"JamBridge In"), ``arrivals``
                 (arrival times of polled input), ``messages`` (input table and checks),
                 ``jack_guards`` and ``reconnect`` (rtmidi's JACK traps, a server that returns)
- ``timing/``    ``clock`` (MIDI clock follower) with ``tempo`` (its tempo model),
                 ``internal_clock`` (``--clock internal``), ``transport`` (ticks, positions, state),
                 ``timebase`` (the injected time source)
- ``playback/``  ``scheduler`` (the one real-time thread), ``output``, ``steering``, ``timeline``
                 (notes on the tick axis, every note ended), ``lookahead`` (the bar feed),
                 ``streaming``/``sources``/``pending`` (the generator process), ``priority``
- top level      ``session`` (:class:`BridgeSession`, the facade the CLI and app drive),
                 ``capture``, ``ccmap``, ``controls`` (steering values and commands), ``events``

Measurement tooling (timing benchmark, soak, attack, JACK helpers) lives in :mod:`jambridge.bench`.
"""
