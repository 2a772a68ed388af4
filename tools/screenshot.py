"""Screenshot of the running app for the README: ``docs/screenshot.png``.

Runs the real app on an X server (Xvfb, so no screen is needed) and a private JACK server
(dummy driver), generates an 8-bar take (the take list and the lanes fill), then starts the
bridge on the internal clock and lets it stream a few bars so the lanes move under the
playhead and the transport shows locked / BPM / bar:beat. When the live bar source cannot
start (no model, procedural source not wired), the shot shows the generated take instead and
says so. The picture is taken from the X server with ImageMagick's ``import``.

With ``--riff`` it shows offline work instead of the bridge: a 2-bar bass riff as the prompt in
develop mode, an 8-bar take the model made with it, and bars 3-4 of the bass picked for
"Regenerate bars" (``docs/screenshot-1024x640.png`` is this at 1024x640).

Usage: ``python tools/screenshot.py [--out docs/screenshot.png] [--engine auto] [--preset acid]
[--size 1024x640] [--riff]`` (``tools/screenshot.sh`` runs it with the project's venv).
``--size`` is the screen and the window (default 1280x760; 1024x640 is the smallest the app is
laid out for). Needs Xvfb and ImageMagick; JACK is optional (without it the shot shows the
generated take).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZE = "1280x760"  # default screen and window size: the shot is the window
LIVE_BARS = 4  # bars streamed before the shot
# --riff: the prompt, a 2-bar A-minor bass riff, (pitch, start beat) per bar
RIFF = (
    ((45, 0.0), (45, 0.75), (48, 1.5), (52, 2.0), (45, 3.0), (43, 3.5)),
    ((45, 0.0), (57, 0.5), (45, 1.25), (55, 2.0), (52, 2.75), (48, 3.5)),
)


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise SystemExit("no free X display number in :90..:139")


def _riff_file(folder: str) -> str:
    """RIFF as a MIDI file at 128 BPM in ``folder``."""
    from jambridge.midi_io import write_midi
    from jambridge.music import Note, Song, Track

    notes = tuple(Note(p, i * 4 + s, 0.25, 100) for i, bar in enumerate(RIFF) for p, s in bar)
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = str(Path(folder) / "bass-riff.mid")
    write_midi(Song((Track("bass", notes, program=38, channel=1, name="Bass"),), 128.0), path)
    return path


def _riff_step(window, state: dict, finish) -> bool:
    """One step of the --riff shot; True when the shot is ready."""
    from jambridge.ui.bar_selection import BarSpan

    if state["phase"] == "preset" and window.studio.preset is not None:
        window.generator.choose_prompt(_riff_file(os.environ["XDG_DATA_HOME"]))
        state["phase"] = "prompt"
    elif state["phase"] == "prompt" and window.studio.prompt is not None:
        window.generator.riff.set_mode("develop")
        window.generator.set_engine("auto")
        window.generate()
        state["phase"] = "generating"
    elif state["phase"] == "generating" and window.studio.shown_take is not None:
        window.lanes["bass"].roll.select(BarSpan(2, 3))
        window.messages.info(window.generator.prompt_button.toolTip())  # the prompt's report
        finish("riff")
        return True
    return False


def _child(engine: str, preset: str, size: str, riff: bool = False) -> int:
    """In the app's process: generate, stream, print "ready", wait for a line on stdin."""
    from PyQt6.QtCore import QTimer

    from jambridge.live_options import LiveOptions
    from jambridge.ui.app import application, build_window

    app = application()
    live_ok = os.environ.get("JACK_DEFAULT_SERVER") is not None
    window = build_window(
        LiveOptions(preset=preset, midi_api="jack", engine=engine), preset=preset,
        list_ports=False,
    )  # fmt: skip
    window.move(0, 0)
    width, height = (int(n) for n in size.split("x"))
    window.resize(width, height)
    window.show()
    state = {"phase": "preset", "mode": "take"}

    def step() -> None:
        if riff:
            if not _riff_step(window, state, finish):
                QTimer.singleShot(50, step)
            return
        if state["phase"] == "preset" and window.studio.preset is not None:
            window.generator.set_engine("procedural")
            window.generate()
            state["phase"] = "generating"
        elif state["phase"] == "generating" and window.studio.shown_take is not None:
            if not live_ok:
                return finish("take (no JACK server)")
            window.transport.set_clock("internal")
            window.start_bridge()
            state["phase"] = "starting"
        elif state["phase"] == "starting":
            if window.live.running and window.live.bars_played >= LIVE_BARS:
                return finish("live")
            if (
                window.messages.errors()
                and not window.live.running
                and not window.live.adapter.busy
            ):
                window.studio.show_take(window.studio.shown_take)
                return finish(f"take (bridge did not start: {window.messages.errors()[-1]})")
        QTimer.singleShot(50, step)

    def finish(mode: str) -> None:
        state["mode"] = mode
        if mode != "live":  # the reason is printed by the tool; the picture shows the take
            window.messages.clear_error()
        QTimer.singleShot(400, lambda: print(f"ready {mode}", flush=True))
        QTimer.singleShot(450, wait_for_parent)

    def wait_for_parent() -> None:
        sys.stdin.readline()
        window.live.stop()
        window.live.adapter.wait(10_000)
        app.exit(0)

    QTimer.singleShot(100, step)
    return app.exec()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/screenshot.png", help="PNG to write")
    p.add_argument("--engine", default="auto", help="live bar source (auto, procedural, ...)")
    p.add_argument("--preset", default="acid", help="preset to show (default acid)")
    p.add_argument("--size", default=SIZE, help=f"screen and window, WxH (default {SIZE})")
    p.add_argument("--riff", action="store_true", help="offline: a prompt riff and picked bars")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args.engine, args.preset, args.size, args.riff)
    from jambridge.bench.jack import JackServer, missing_tools
    from jambridge.bench.processes import private_env

    for tool in ("Xvfb", "import"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt install xvfb imagemagick)")
    display = f":{_free_display()}"
    screen = f"{args.size}x24"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", screen, "-nolisten", "tcp"])
    server = None
    tmp = tempfile.TemporaryDirectory()
    env = {**private_env(tmp.name), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    try:
        if not missing_tools():
            server = JackServer().start()
            env.update({"JACK_DEFAULT_SERVER": server.name, "JACK_NO_START_SERVER": "1"})
        time.sleep(0.5)  # Xvfb up
        child = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--child",
                "--engine",
                args.engine,
                "--preset",
                args.preset,
                "--size",
                args.size,
                *(["--riff"] if args.riff else []),
            ],  # fmt: skip
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = child.stdout.readline().strip()
        if not line.startswith("ready"):
            raise SystemExit(f"the app did not come up (exit code {child.poll()})")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-display", display, "-window", "root", args.out], check=True)
        child.stdin.write("done\n")
        child.stdin.flush()
        child.wait(timeout=30)
        print(f"wrote {args.out}: {line.removeprefix('ready ')}")
    finally:
        if server is not None:
            server.stop()
        xvfb.terminate()
        xvfb.wait(timeout=10)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
