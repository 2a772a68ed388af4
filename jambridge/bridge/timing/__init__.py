"""Where the music is in time: the MIDI clock follower and its tempo model, the internal clock,
transport values, and the injected time source."""
