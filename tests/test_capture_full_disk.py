"""A full disk while capturing: the error reaches the user (an error event, and the log the
``jambridge bridge`` command prints), no empty or partial .mid file is left behind, and the
captured notes stay in memory until a later try writes them.

The disk is real: a 64 kB tmpfs mounted for the test and filled up (needs root; skipped with
the reason otherwise). One test injects ENOSPC instead, so the behaviour is checked anywhere.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from jambridge.bridge import capture as capture_module
from jambridge.bridge.capture import CaptureRecorder, CaptureWriter, write_capture
from jambridge.bridge.controls import ArmCapture
from jambridge.bridge.events import CaptureSaved, LogLine
from jambridge.bridge.playback.sources import PatternSource
from jambridge.bridge.playback.streaming import InlineGenerator
from jambridge.bridge.session import BridgeConfig, BridgeSession
from jambridge.errors import DataError
from jambridge.midi_io import read_midi
from tests.support.ports import NullOut

BAR = 96  # ticks


def a_capture(pitches=(36, 43)):
    rec = CaptureRecorder()
    rec.arm(ArmCapture(1, "bass"), 0)
    for i, pitch in enumerate(pitches):
        rec.note_on(i * 24, 0, pitch, 100)
        rec.note_off(i * 24 + 12, 0, pitch)
    return rec.poll(BAR, 127.862)


class FullDisk:
    """A tmpfs that is full until :meth:`free` (the filler file is removed)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "captures"
        self.filler = root / "filler"

    def fill(self) -> None:
        self.folder.mkdir()
        with open(self.filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 1024)
            except OSError as err:
                assert err.errno == errno.ENOSPC
        with pytest.raises(OSError):  # truly full: not even a byte more
            (self.root / "probe").write_bytes(b"x" * 4096)
        (self.root / "probe").unlink(missing_ok=True)

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def full_disk(tmp_path):
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    root = tmp_path / "disk"
    root.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    disk = FullDisk(root)
    try:
        disk.fill()
        yield disk
    finally:
        subprocess.run(["umount", str(root)], check=False)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_full_disk_is_a_clear_error_and_leaves_no_file(full_disk):
    with pytest.raises(DataError, match="No space left on device"):
        write_capture(a_capture(), full_disk.folder)
    assert files_in(full_disk.folder) == []  # no zero-byte or partial .mid


def test_a_failed_write_leaves_no_file_when_the_disk_fills_at_flush(tmp_path, monkeypatch):
    def no_room(fd):  # the data was accepted, the disk refuses it when flushed (delayed alloc)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(capture_module.os, "fsync", no_room)
    with pytest.raises(DataError, match="No space left on device"):
        write_capture(a_capture(), tmp_path)
    monkeypatch.undo()
    assert files_in(tmp_path) == []


def test_unsaved_captures_are_kept_and_written_when_there_is_room(full_disk):
    writer = CaptureWriter(full_disk.folder)
    first, second = a_capture((36,)), a_capture((38, 40))
    writer.add(first)
    saved, error = writer.flush()
    assert saved == [] and "No space left" in str(error)
    writer.add(second)
    assert writer.flush()[0] == [] and writer.unsaved == (first, second)
    full_disk.free()
    saved, error = writer.flush()
    assert error is None and [r for r, _ in saved] == [first, second] and writer.unsaved == ()
    for result, path in saved:
        song, _ = read_midi(path)
        assert [n.pitch for n in song.track("bass").notes] == [
            n.pitch for n in result.bars[0][0].notes
        ]
        assert song.tempo_bpm == 128.0  # the clip tempo, not the measured 127.862


def test_the_bridge_reports_a_full_disk_and_saves_the_capture_later(full_disk, caplog):
    events: list = []
    config = BridgeConfig(clock="internal", bpm=240.0, engine="pattern",
                          capture_dir=str(full_disk.folder))  # fmt: skip
    session = BridgeSession(
        config, on_event=events.append, out_port=NullOut(),
        generator=InlineGenerator(PatternSource()), connect_input=False,
    )  # fmt: skip
    caplog.set_level(logging.WARNING, logger="jambridge.bridge")
    with session:
        session.play()
        time.sleep(0.3)
        session.arm_capture(1, "bass")
        for k in range(8):  # half a second of notes: the capture's bar is in there
            session.scheduler.post_midi(session.clock.now(), [0x90, 36 + k, 100])
            time.sleep(0.15)
            session.scheduler.post_midi(session.clock.now(), [0x80, 36 + k, 0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(_unsaved(e) for e in events):
            time.sleep(0.05)
        assert any(_unsaved(e) for e in events), [e for e in events if isinstance(e, LogLine)]
        assert any("capture not saved" in r.getMessage() for r in caplog.records)  # printed
        assert files_in(full_disk.folder) == []
        full_disk.free()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(isinstance(e, CaptureSaved) for e in events):
            time.sleep(0.05)
    saved = [e for e in events if isinstance(e, CaptureSaved)]
    assert len(saved) == 1 and Path(saved[0].path).stat().st_size > 0
    assert files_in(full_disk.folder) == [Path(saved[0].path).name]


def _unsaved(event) -> bool:
    return isinstance(event, LogLine) and event.level == "error" and "not saved" in event.text
