"""The README's DAW guide says what a new user needs and names what the app shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text under the heading ``title`` up to the next heading of any level, on one line."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#)", README, re.S | re.M)
    assert match, f"no section {title!r}"
    return " ".join(match.group(1).split())


def test_live_12_says_settings():
    live = section("Ableton Live")
    assert "Settings → Link, Tempo & MIDI" in live
    assert "Preferences → Link" not in README


def test_macos_iac_ports_are_explained():
    iac = section("macOS: ports that are always there (IAC Driver)")
    for words in ("Audio MIDI Setup", "IAC Driver", "Device is online", "--in", "--out"):
        assert words in iac


def test_logics_capture_track_trap_is_explained():
    logic = section("Logic Pro")
    assert "not *All*" in logic
    assert "passes JamBridge's own parts back into **JamBridge In**" in logic


def test_the_daws_clock_delay_is_the_first_latency_knob():
    knobs = section("Late or early parts")
    assert knobs.startswith("First knob: the DAW's own **MIDI clock delay**")
    assert "Sync Delay" in knobs and "Delay [ms]" in knobs
    assert knobs.index("Delay [ms]") < knobs.index("**Latency**")


@pytest.mark.parametrize(
    ("label", "module"),
    [("Latency", "transport_bar"), ("Keep", "takes"), ("● Arm", "capture_panel"),
     ("⟲ Retro", "capture_panel"), ("▶ Start", "transport_bar")],
)  # fmt: skip
def test_the_labels_it_names_are_in_the_app(label, module):
    assert f"**{label}" in " ".join(README.split())
    assert label in (ROOT / "ui" / f"{module}.py").read_text(encoding="utf-8")


def test_the_old_early_box_is_not_mentioned():
    assert "**early**" not in README
