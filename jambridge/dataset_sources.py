"""The dataset builder's sources: ``PATH[:STYLE]`` specs and the song files under a path."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from jambridge.errors import DataError
from jambridge.song_files import is_song_file
from jambridge.tokenizer import TokenizerConfig

# Folder names of well-known corpora -> the style token their songs get.
STYLE_BY_FOLDER = {"groove": "groove", "pop909": "pop"}


def parse_source(spec: str) -> tuple[str, str]:
    """``PATH[:STYLE]`` -> (path, style); the style defaults from the folder name.

    A suffix is a style only when it is a plain word and the whole text is not an existing
    path, so ``C:\\midi`` and a folder named ``a:b`` stay paths.

    Raises:
        DataError: the style is not one the tokenizer knows.
    """
    path, style = spec, ""
    head, _, tail = spec.rpartition(":")
    if head and re.fullmatch(r"[A-Za-z0-9_-]+", tail) and not Path(spec).exists():
        path, style = head, tail.lower()
    if not style:
        style = STYLE_BY_FOLDER.get(Path(path).resolve().name.lower(), "other")
    styles = TokenizerConfig().styles
    if style not in styles:
        raise DataError(f"source {spec}: style must be one of {', '.join(styles)}, got {style!r}")
    return path, style


def find_midi_files(path: str | Path) -> list[Path]:
    """``path`` itself when it is a file, else the song files (MIDI files and LMMS projects,
    :data:`jambridge.song_files.SONG_SUFFIXES`) under the folder, sorted.

    Raises:
        DataError: ``path`` does not exist.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise DataError(f"source {path} is neither a folder nor a file")
    return sorted(f for f in p.rglob("*") if is_song_file(f) and f.is_file())


def parse_sources(specs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """:func:`parse_source` of each ``PATH[:STYLE]``."""
    return tuple(parse_source(s) for s in specs)
