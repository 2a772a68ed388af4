"""Shared fixtures.

``jack_server``: a private JACK server (``jackd -d dummy -r 48000 -p 128``) for the whole test
session, under a unique name set in ``JACK_DEFAULT_SERVER`` (so rtmidi clients in this process
and JACK tools started with ``server.env`` use it, and a JACK server someone else runs is never
touched). Skips, saying why, when the JACK tools are not installed.

Robust on a loaded machine: JACK drops the MIDI events of a client that misses its cycle
(an xrun), and a lost clock pulse moves a slave by a tick. Measured on this project's 2-core
machine under a load of 4-5 (4 bars at 240 BPM, four JACK clients, ``--no-realtime``): ``-p 64``
ran 600-860 xruns and lost 4-7 of 408 pulses; ``-p 128`` ran 19-38 xruns and ``-p 256`` 8-16,
and neither lost any. Real-time jackd (``-R``) was worse on this VM: its SCHED_FIFO cycle thread
shares two cores with the bridge's own real-time thread and the generator (thousands of xruns
a minute). Hence the defaults:

* ``JAMBRIDGE_JACK_PERIOD`` (default 128 = 2.67 ms): frames per period; the timing benchmark
  measures at 64 on its own server.
* ``JAMBRIDGE_JACK_REALTIME``: ``off`` (default), ``on`` (``-R`` or fail) or ``auto`` (``-R``
  where the OS allows it).
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def jack_server():
    from jambridge.bench.jack import missing_tools, start_server

    missing = missing_tools()
    if missing:
        pytest.skip(f"JACK tools not installed: {', '.join(missing)} (Debian: apt install jackd2)")
    mode = os.environ.get("JAMBRIDGE_JACK_REALTIME", "off")
    server = start_server(int(os.environ.get("JAMBRIDGE_JACK_PERIOD", "128")), mode)
    try:
        with server.selected():
            yield server
    finally:
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses ``qtbot`` as ``qt`` (tools/check.sh runs those after the fast
    tests)."""
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.qt)
