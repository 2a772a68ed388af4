"""The user's folders, named once (platformdirs finds the platform's place for them).

On Linux ``$XDG_DATA_HOME/jambridge`` (``~/.local/share/jambridge``) holds captures and takes,
``$XDG_CONFIG_HOME/jambridge`` (``~/.config/jambridge``) the user's presets; on macOS both are
``~/Library/Application Support/JamBridge``, on Windows ``%APPDATA%\\JamBridge`` (roaming).
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

# The folder's name: lower case where folders are (XDG), capitalised where apps show theirs.
APP_NAME = "JamBridge" if sys.platform in ("darwin", "win32") else "jambridge"


def data_dir() -> Path:
    """The app's data folder (captures, takes); read anew each call, so the environment counts."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False, roaming=True)


def config_dir() -> Path:
    """The app's config folder (user presets)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False, roaming=True)


def captures_dir() -> Path:
    """Where the bridge writes captured riffs."""
    return data_dir() / "captures"


def takes_dir() -> Path:
    """Where the app keeps its take history (next to ``captures/``)."""
    return data_dir() / "takes"


def presets_dir() -> Path:
    """Where the user's own presets live (created on save)."""
    return config_dir() / "presets"
