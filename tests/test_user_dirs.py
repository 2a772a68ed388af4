"""The user's folders: the same places the app used before platformdirs named them."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs.macos
import pytest

from jambridge import user_dirs
from jambridge.bridge.capture import captures_dir
from jambridge.preset import user_preset_dir
from jambridge.ui.take_store import default_takes_dir


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return tmp_path


def test_linux_defaults_are_the_xdg_folders_under_home(home):
    assert captures_dir() == home / ".local/share/jambridge/captures"
    assert default_takes_dir() == home / ".local/share/jambridge/takes"
    assert user_preset_dir() == home / ".config/jambridge/presets"


def test_the_xdg_variables_move_them(home, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    assert captures_dir() == home / "data/jambridge/captures"
    assert default_takes_dir() == home / "data/jambridge/takes"
    assert user_preset_dir() == home / "config/jambridge/presets"


def test_asking_for_a_folder_creates_nothing(home):
    captures_dir(), default_takes_dir(), user_preset_dir()
    assert list(home.iterdir()) == []


def test_macos_keeps_both_in_application_support(home):
    mac = platformdirs.macos.MacOS("JamBridge", appauthor=False, roaming=True)
    folder = home / "Library/Application Support/JamBridge"
    assert Path(mac.user_data_dir) == folder == Path(mac.user_config_dir)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux folder name")
def test_the_app_name_is_lower_case_on_linux():
    assert user_dirs.APP_NAME == "jambridge"
