"""The real-time bridge: generated bars played into the DAW over MIDI, locked to its clock.

The path, MIDI in -> clock -> scheduler -> MIDI out, one folder a stage:

- ``io/``        ``ports`` (rtmidi APIs, virtual "JamBridge Out"/"JamBridge In"), ``jack_ports``
                 (JACK-Client ports), ``arrivals`` (arrival times of polled input), ``messages``
                 (input table and checks), ``jack_guards`` and ``reconnect`` (rtmidi's JACK
                 traps, a server that returns)
- ``timing/``    ``protocol`` (:class:`Timing`, what every clock speaks), ``clock`` (MIDI clock
                 follower) with ``tempo`` and ``phase`` (its tempo model), ``internal_clock``
                 (``--clock internal``), ``link_clock`` (Ableton Link), ``transport`` (ticks,
                 positions, state), ``timebase`` (the injected time source)
- ``playback/``  ``scheduler`` (the one real-time thread) with ``thread_state``, ``barline`` and
                 ``steering`` (its parts), ``status`` (the snapshot it publishes), ``ownership``
                 (the debug check of its boundary), ``output``, ``timeline`` (notes on the tick
                 axis, every note ended), ``lookahead`` (the bar feed), ``bar_source``,
                 ``sources``, ``streaming``, ``pipe`` and ``pending`` (the generator process),
                 ``priority``
- top level      ``session`` (:class:`BridgeSession`, the facade the CLI and app drive) with
                 ``dispatch`` (its events out), ``capture``, ``ccmap``, ``controls`` (steering
                 values and the commands in), ``events`` (what comes out)

The real-time thread's boundary is one-way: commands in, events out, a frozen snapshot read by
everyone else (``playback/scheduler``). Measurement tooling (timing benchmark, soak, attack,
JACK helpers, a busy bar source) lives in :mod:`jambridge.bench`.
"""
