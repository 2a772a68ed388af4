"""MIDI in and out: rtmidi ports, arrival stamps of polled input, the input message table, and the
guards and reconnection around JACK."""
