"""From bars to notes on time: the real-time scheduler, its output and steering, the note timeline,
and the look-ahead feed from the generator process."""
