"""The real-time bridge: generated bars played into the DAW over MIDI, locked to its clock.

Map (one noun per module):

- ``session``        :class:`BridgeSession`, :class:`BridgeConfig`: the facade the CLI and the
                     app drive (start/stop, steering, captures, status, events)
- ``scheduler``      the one real-time thread: clock in, bars out, every note ended
- ``output``         the thread's output: the note timeline sent on the clock's times
- ``steering``       the thread's command handlers (what each command changes)
- ``clock``          MIDI clock follower (pure state machine); ``tempo``: the tempo model
- ``internal_clock`` JamBridge as the clock master (``--clock internal``)
- ``transport``      ticks, positions, transport state and events
- ``timeline``       note events on the tick axis, the open-note book, plain bars
- ``lookahead``      the bar feed: one bar ahead, underrun repeats, steering at bar lines
- ``streaming``      the generator process and the :class:`BarSource` seam; ``pending``: the
                     requests waiting for its window, coalesced
- ``sources``        test pattern, procedural adapter, riff looping, busy wrapper
- ``capture``        armed and retro capture, quantized, written as .mid
- ``ccmap``          controller map (table + JSON)
- ``controls``       steering values and the commands that change them
- ``events``         what the real-time thread reports; :class:`BridgeStatus`
- ``ports``          rtmidi APIs and ports (virtual "JamBridge Out"/"JamBridge In")
- ``arrivals``       arrival times of polled input, each inside its poll's window
- ``messages``       input message table and checks; ``timebase``: the injected clock
- ``jack_guards``    guards around python-rtmidi's JACK code (stuck sysex, dead server)
- ``jack``, ``peer`` JACK tooling and a scripted peer for tests, benchmark and soak
- ``bench_timing``, ``soak``, ``attack``  ``python -m`` measurement commands
"""
