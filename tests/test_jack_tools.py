"""JACK tooling of the benchmark and the soak: the transport presses Play again when a Start
was lost, the benchmark reads the start that took, and neither changes this process's JACK
server or the user's folders outside its own block or child."""

from __future__ import annotations

import io
import os

import pytest

from jambridge.bench import jack, jack_clients
from jambridge.bench.onset_errors import started as _started
from jambridge.bench.processes import private_env
from jambridge.errors import PortError


class FakeProc:
    def __init__(self):
        self.stdin = io.StringIO()
        self.waited = False
        self.returncode = None

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        self.waited = True
        return 0


class FakeTime:
    """The JACK clients' clock: each look at it is a second later; sleeping takes no time."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        self.now += 1.0
        return self.now

    def sleep(self, s):
        pass


@pytest.fixture
def transport(monkeypatch):
    proc = FakeProc()
    monkeypatch.setattr(jack_clients, "popen", lambda cmd, **kw: proc)
    monkeypatch.setattr(jack_clients, "time", FakeTime())
    t = jack_clients.Transport(server=type("S", (), {"env": {}})())
    return t, proc


def test_play_is_pressed_again_until_the_bridge_starts(transport):
    t, proc = transport
    answers = iter([False] * 3)
    assert t.play_from_start(lambda: next(answers, True), wait_s=2.5, tries=3) == 2
    sent = proc.stdin.getvalue().splitlines()
    assert sent == ["stop", "locate 0", "play"] * 2


def test_a_bridge_that_never_starts_is_an_error(transport):
    t, proc = transport
    with pytest.raises(PortError, match="did not start after 2 presses of Play"):
        t.play_from_start(lambda: False, wait_s=3, tries=2)
    assert proc.stdin.getvalue().count("play") == 2
    t.close()
    assert proc.waited and proc.stdin.closed


def test_a_dead_jack_transport_is_a_port_error_and_closes_quietly(transport):
    t, proc = transport
    proc.returncode = 1
    proc.stdin.close()  # what a dead child's pipe does: writes fail
    with pytest.raises(PortError, match="jack_transport is gone"):
        t.play_from_start(lambda: True)
    t.close()  # no error, nothing to wait for
    assert not proc.waited


def test_an_unknown_real_time_mode_is_refused():
    with pytest.raises(ValueError, match="auto, on or off, not '1'"):
        jack.start_server(64, "1")


def test_the_benchmark_measures_from_the_start_that_took():
    events = [(0.0, (0xFA,)), (1.0, (0xF8,)), (2.0, (0xFC,)),
              (3.0, (0xFA,)), (4.0, (0xF8,)), (5.0, (0x99, 36, 100)), (6.0, (0xFC,)),
              (7.0, (0xF8,))]  # fmt: skip
    assert _started(events) == events[3:6]
    assert _started([(0.0, (0xF8,))]) == []


def test_stale_jack_registry_is_cleared_only_when_no_jackd_runs(tmp_path, monkeypatch):
    for name in ("jack-shm-registry", "jack_old_0_0", "jack_sem.0_old_x", "other"):
        (tmp_path / name).write_text("")
    monkeypatch.setattr(jack, "SHM", tmp_path)
    monkeypatch.setattr(jack, "_jackd_running", lambda: True)
    assert jack.clear_stale_registry() == 0
    monkeypatch.setattr(jack, "_jackd_running", lambda: False)
    assert jack.clear_stale_registry() == 3
    assert [p.name for p in tmp_path.iterdir()] == ["other"]


def test_a_selected_server_is_the_default_only_inside_the_block(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "the-users")
    monkeypatch.delenv("JACK_NO_START_SERVER", raising=False)
    server = jack.JackServer(name="bench-x")
    with server.selected():
        assert os.environ["JACK_DEFAULT_SERVER"] == "bench-x"
        assert os.environ["JACK_NO_START_SERVER"] == "1"
    assert os.environ["JACK_DEFAULT_SERVER"] == "the-users"
    assert "JACK_NO_START_SERVER" not in os.environ


def test_a_childs_user_folders_are_private_and_ours_are_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "/home/user/.local/share")
    env = private_env(tmp_path)
    assert env["XDG_DATA_HOME"] == str(tmp_path / "data")
    assert env["XDG_CONFIG_HOME"] == str(tmp_path / "config")
    assert os.environ["XDG_DATA_HOME"] == "/home/user/.local/share"


def test_a_server_that_stops_answering_is_one_line_from_the_benchmark(monkeypatch, capsys):
    """A stuck jackd (``jack_lsp`` times out) is a PortError, and a benchmark that meets one
    exits 1 with its message on one line, not a traceback."""
    from jambridge.bench import cli

    def stuck(*cmd, **kw):
        raise jack.subprocess.TimeoutExpired(cmd, kw.get("timeout", 10.0))

    server = jack.JackServer()  # never started: jack_lsp is the stuck one below
    monkeypatch.setattr(jack.subprocess, "run", stuck)
    with pytest.raises(PortError, match="did not answer in 10 s"):
        server.ports()
    monkeypatch.setattr(cli, "bench_tools_missing", lambda: None)
    p = cli.parser("timing_app", "a benchmark", period=256)

    def bench(_args):
        server.wait_for_port("JamBridge Out:JamBridge Out", timeout_s=0.1)
        return 0

    assert cli.run(p, [], bench) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did not answer in 10 s (stuck)" in err
