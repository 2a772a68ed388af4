"""Damaged bytes for the song readers' tests, and what every reader must do with them: read a
song whose notes its report counts, or raise a DataError that names the file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

from jambridge.errors import DataError


def flips(size: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Up to six (index, new byte) changes to ``size`` bytes."""
    return st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)), max_size=6)


def mangled(data: bytes, changes: Iterable[tuple[int, int]], cut: int) -> bytes:
    """``data`` with each (index mod its length, new byte) change made, then cut to ``cut`` bytes
    (0: kept whole)."""
    out = bytearray(data)
    for at, value in changes:
        out[at % len(out)] = value
    return bytes(out[:cut] if cut else out)


def reads_or_names_the_file(
    read: Callable[[bytes, str], tuple[Any, Any]], data: bytes, where: str
) -> None:
    """``read(data, where)`` gives a song with notes that its report counts, or a DataError that
    names ``where``."""
    try:
        song, report = read(data, where)
    except DataError as err:
        assert where in str(err)
    else:
        assert song.note_count() == report.notes_kept > 0
