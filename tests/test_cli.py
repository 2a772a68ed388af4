"""The `jambridge` command: help, one-line errors, exit codes."""

from __future__ import annotations

import sys
import types

import pytest

from jambridge import cli
from jambridge.errors import DataError


def _fake_command(monkeypatch, error: BaseException) -> None:
    module = types.ModuleType("jambridge_fake_command")
    module.add_arguments = lambda parser: None

    def run(args):
        raise error

    module.run = run
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(cli.COMMANDS, "fake", (module.__name__, "a command that fails"))


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (DataError("x.mid: empty file"), 1, "jambridge fake: error: x.mid: empty file"),
        (
            PermissionError(13, "Permission denied", "/data/out"),
            1,
            "jambridge fake: error: Permission denied (/data/out)",
        ),
        (KeyboardInterrupt(), 130, "jambridge fake: interrupted"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(monkeypatch, capsys, error, code, line):
    _fake_command(monkeypatch, error)
    assert cli.main(["fake"]) == code
    assert capsys.readouterr().err == line + "\n"


def test_a_bug_still_shows_its_traceback(monkeypatch):
    _fake_command(monkeypatch, ZeroDivisionError("a bug"))
    with pytest.raises(ZeroDivisionError):
        cli.main(["fake"])


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)


def exit_code(argv: list[str]) -> int:
    """What `jambridge ARGV` exits with (argparse's own errors included)."""
    try:
        return cli.main(argv)
    except SystemExit as stop:
        return int(stop.code)


# The convention (cli.py): 2 for a usage error -- an option value out of its range, options that
# do not go together -- found before any work is done, the same whether argparse or the command
# finds it; 1 for what goes wrong at run time (a file missing or unreadable, a bad preset file,
# a model, the disk).
USAGE_ERRORS = [
    (["generate", "--bars", "0"], "must be in range 1..10000"),
    (["generate", "--bars", "10001"], "must be in range 1..10000"),
    (["generate", "--bpm", "900"], "bpm must be in range"),
    (["generate", "--temperature", "5"], "temperature must be in range"),
    (["generate", "--temperature", "nan"], "temperature must be in range"),
    (["generate", "--key", "H minor"], "key must look like"),
    (["generate", "--prompt-role", "bass"], "--prompt-role needs --prompt"),
    (["generate", "--variations", "0"], "must be >= 1"),
    (["bridge", "--clock", "internal", "--bpm", "900"], "bpm must be in range"),
    (["bridge", "--latency-ms", "9000"], "must be in range"),
    (["bridge", "--channel", "drums=2"], "drums and bass are both on MIDI channel 2"),
    (["bridge", "--channel", "lead=3", "--channel", "chords=3"], "both on MIDI channel 3"),
    (["bridge", "--channel", "drum=3"], "--channel takes ROLE=N"),
    (["app", "--latency-ms", "-600"], "must be in range -500..500"),
    (["train", "--data", "d", "--out", "o", "--max-steps", "0"], "must be >= 1"),
    (["export", "ck.pt", "-o", "m.onnx", "--greedy-tokens", "0"], "must be >= 1"),
    (["bench", "--bars", "0"], "must be >= 1"),
    (["tokenize", "x.mid", "--tokens", "-1"], "must be >= 0"),
]
RUNTIME_ERRORS = [
    (["generate", "--preset", "polka"], "no preset named 'polka'"),
    (["generate", "--prompt", "/nonexistent.mid"], "cannot read"),
    (["bridge", "--channel", "lead=9", "--preset", "polka"], "no preset named 'polka'"),
    (["tokenize", "/nonexistent.mid"], "nonexistent.mid"),
    (["eval", "--generated", "/nonexistent-folder"], "does not exist"),
]


def _with_output(argv: list[str], tmp_path) -> list[str]:
    if argv[0] == "generate":
        return [*argv, "--engine", "procedural", "-o", str(tmp_path / "x.mid")]
    return argv


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS)
def test_a_usage_error_exits_2_wherever_it_is_found(argv, message, tmp_path, capsys):
    assert exit_code(_with_output(argv, tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"jambridge {argv[0]}: error: ")


@pytest.mark.parametrize(("argv", "message"), RUNTIME_ERRORS)
def test_a_runtime_error_exits_1(argv, message, tmp_path, capsys):
    assert exit_code(_with_output(argv, tmp_path)) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_usage_error_from_a_command_exits_2(monkeypatch, capsys):
    from jambridge.errors import UsageError

    _fake_command(monkeypatch, UsageError("--a needs --b"))
    assert cli.main(["fake"]) == 2
    assert capsys.readouterr().err == "jambridge fake: error: --a needs --b\n"
