"""The process's GIL while a bridge session runs: handed over sooner, and not held by the
garbage collector for long.

The real-time thread and the JACK process callbacks are Python: each cycle waits for the GIL.
Two things in the same process hold it for milliseconds:

* another thread running Python (Qt, the dispatcher): it gives the GIL up only after the switch
  interval, 5 ms by default; :class:`GilTuning` lowers it (``switch_interval_s``), so the
  real-time thread gets it back within half a millisecond;
* a full (generation 2) garbage collection, which walks every object the process holds. In the
  app (Qt, onnxruntime, the takes) one took 11.2-12.6 ms, and our JACK output's callback
  waited 13-17 ms at the same moment, 3 periods at 256 frames: JACK dropped the cycles, the DAW
  lost 4 of ~1,660 events in 2 of 3 runs of ``python -m jambridge.bench.timing_app``. So the
  session collects once as it starts and then freezes what is there (``gc.freeze``): the
  process's modules, the window and the model are moved out of the collector's reach, and
  later collections walk only what was made since.

Both are process-wide, so they are applied by the first session that starts and undone by
the last that stops (sessions may overlap, in tests).
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_active = 0
_old_switch: float | None = None


class GilTuning:
    """Apply with :meth:`enter` as a session starts; :meth:`leave` (once) as it stops."""

    def __init__(self, switch_interval_s: float) -> None:
        self.switch_interval_s = switch_interval_s
        self._entered = False

    def enter(self) -> None:
        global _active, _old_switch
        if self._entered:
            return
        self._entered = True
        with _lock:
            _active += 1
            if _active == 1:
                _old_switch = sys.getswitchinterval()
                gc.collect()  # what is garbage now is not frozen with the rest
                gc.freeze()
            sys.setswitchinterval(self.switch_interval_s)

    def leave(self) -> None:
        global _active, _old_switch
        if not self._entered:
            return
        self._entered = False
        with _lock:
            _active -= 1
            if _active == 0:
                gc.unfreeze()  # back into the oldest generation: collected as usual from now
                if _old_switch is not None:
                    sys.setswitchinterval(_old_switch)
                    _old_switch = None
