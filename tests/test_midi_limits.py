"""MIDI input is bounded before it is parsed (issue 15, item 11, and the track count of item 12):
a FIFO is refused instead of hanging, a size cap and a streaming event count hold memory, and a
header that promises more tracks than the file holds is an error."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jambridge.errors import DataError
from jambridge.midi_io import midi_bytes_to_song, read_midi
from jambridge.midi_scan import MAX_EVENTS, MAX_MIDI_BYTES, MAX_TRACKS, count_events
from tests.support.midi_factory import header_chunk, track_chunk, var_len, write_raw

ROOT = Path(__file__).resolve().parents[1]
NOTE = [(0, 3, bytes([0x90, 60, 100])), (96, 2, bytes([0x80, 60, 0]))]


def dense(n_pairs: int) -> bytes:
    """One track of ``n_pairs`` note on/off pairs, 4 bytes an event (running status)."""
    body = bytes([0, 0x90, 60, 100]) + bytes([1, 60, 0, 1, 60, 100]) * n_pairs
    body += bytes([0, 0xFF, 0x2F, 0])
    return header_chunk(1, 1, 96) + b"MTrk" + struct.pack(">L", len(body)) + body


def sysex_bomb(n_messages: int, size: int = 999_000) -> bytes:
    """A note, then ``n_messages`` sysex messages of ``size`` bytes each."""
    sysex = bytes([0, 0xF0]) + var_len(size) + bytes(size)
    body = bytes([0, 0x90, 60, 100, 10, 0x80, 60, 0]) + sysex * n_messages
    body += bytes([0, 0xFF, 0x2F, 0])
    return header_chunk(1, 1, 96) + b"MTrk" + struct.pack(">L", len(body)) + body


def peak_rss_mb(code: str, *args: str) -> tuple[float, str]:
    """(peak RSS in MB of the largest process, its stdout + stderr) of ``python -c code args``
    run as a child of a fresh probe process (so the peak is that run's alone)."""
    probe = (
        "import json, resource, subprocess, sys\n"
        "out = subprocess.run([sys.executable, '-c', sys.argv[1], *sys.argv[2:]],"
        " capture_output=True, text=True, timeout=60)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'peak': peak, 'said': out.stdout + out.stderr}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, code, *args],
        capture_output=True, text=True, timeout=90, cwd=ROOT,
    )  # fmt: skip
    result = json.loads(done.stdout)
    return result["peak"], result["said"]


READ = (
    "import sys\nfrom jambridge.midi_io import read_midi\n"
    "try:\n    read_midi(sys.argv[1]); print('read')\n"
    "except Exception as err:\n    print(type(err).__name__, err)\n"
)


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "riff.mid"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            read_midi(fifo)
            outcome.append(None)
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome.append(err)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # blocked in open(): a writer end lets it go, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
        pytest.fail("read_midi blocked on a FIFO")
    assert isinstance(outcome[0], DataError) and "FIFO" in str(outcome[0])


@pytest.mark.parametrize("command", [["tokenize"], ["generate", "-o", "x.mid", "--prompt"]])
def test_the_cli_refuses_a_fifo_in_one_line(tmp_path, command):
    fifo = tmp_path / "riff.mid"
    os.mkfifo(fifo)
    args = [*command, str(fifo)] if command[0] == "tokenize" else [*command, str(fifo)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jambridge.cli", *args],
            capture_output=True, text=True, timeout=30, cwd=tmp_path,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"jambridge {command[0]} hung on a FIFO")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "it is a FIFO" in done.stderr


def test_a_file_over_the_size_cap_is_refused_without_reading_it(tmp_path):
    path = write_raw(tmp_path / "big.mid", dense((MAX_MIDI_BYTES + 4_000_000) // 6))
    peak, said = peak_rss_mb(READ, str(path))
    assert "DataError" in said and "is more than the 16 MB a MIDI file may have" in said
    assert peak < 150


def test_memory_is_bounded_by_the_event_count_not_the_file(tmp_path):
    path = write_raw(tmp_path / "dense.mid", dense(500_000))  # 1M events in 3 MB
    peak, said = peak_rss_mb(READ, str(path))
    assert f"more than {MAX_EVENTS:,} MIDI events" in said
    assert peak < 150  # the unchecked reader took ~500 MB here


def test_a_sysex_bomb_is_refused_before_mido_reads_it_byte_by_byte(tmp_path):
    with pytest.raises(DataError, match="more than 1 MB of sysex and meta data"):
        midi_bytes_to_song(sysex_bomb(3), "bomb.mid")


def test_the_event_count_matches_what_mido_reads():
    import io

    import mido

    data = dense(1000) + b"junk after the last track"
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert count_events(data, 1, 10**9) == (sum(len(t) for t in midi.tracks), 0)
    assert count_events(sysex_bomb(2, 10), 1, 10**9) == (2 + 2 + 1, 20)


def test_a_header_promising_more_tracks_than_the_file_holds_is_an_error(tmp_path):
    data = header_chunk(1, 65535, 96) + track_chunk(NOTE)
    with pytest.raises(DataError, match=r"declares 65535 track\(s\), the file holds 1"):
        read_midi(write_raw(tmp_path / "liar.mid", data))


def test_more_tracks_than_the_cap_is_an_error():
    data = header_chunk(1, MAX_TRACKS + 1, 96) + track_chunk(NOTE) * (MAX_TRACKS + 1)
    with pytest.raises(DataError, match=f"{MAX_TRACKS + 1} tracks; at most {MAX_TRACKS}"):
        midi_bytes_to_song(data, "many.mid")


def test_a_busy_real_size_file_still_reads():
    song, report = midi_bytes_to_song(dense(50_000), "busy.mid")  # 100,000 events, 300 kB
    assert song.note_count() == 50_000 and report.track_count == 1


def test_data_build_with_two_workers_stays_bounded(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        write_raw(src / f"bomb{i}.mid", dense(500_000))
    out = tmp_path / "out"
    code = "import sys\nfrom jambridge.cli import main\nprint(main(sys.argv[1:]))"
    args = ["data", "build", str(src), "--out", str(out), "--procedural", "1", "--workers", "2"]
    peak, said = peak_rss_mb(code, *args)
    assert "skipped 2" in said and f"more than {MAX_EVENTS:,} MIDI events" in said
    assert peak < 300  # the largest single process (the pool's workers included)
