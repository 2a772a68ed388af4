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
