"""LiveOptions: what the live bridge is started with, one definition and one default per setting
for ``jambridge bridge``, ``jambridge app`` and the app's window.

Each field carries its command-line face (an :class:`Option`: flag, help, choices or range, the
commands that show it); :mod:`jambridge.commands.live_args` builds the argparse options from it,
and :meth:`LiveOptions.__post_init__` checks values against the same table. Engine ``auto`` plays
the model when it loads, else the procedural generator, with a note saying why:
:func:`resolve_engine` is the one place that decides. :meth:`LiveOptions.to_bridge_config` gives
the bridge's :class:`~jambridge.bridge.session.BridgeConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jambridge.bridge.controls import LATENCY_RANGE_MS, check_channels
from jambridge.bridge.timing.transport import BPM_RANGE
from jambridge.errors import JamBridgeError
from jambridge.music import ROLES

if TYPE_CHECKING:
    from jambridge.bridge.session import BridgeConfig
    from jambridge.preset import Preset

AUTO = "auto"  # engine: the model when it loads, else FALLBACK_ENGINE
FALLBACK_ENGINE = "procedural"  # the rule-based generator: needs no model, always there
ENGINES = (AUTO, "model", FALLBACK_ENGINE, "pattern")  # "pattern": a fixed click, for routing
MIDI_APIS = (AUTO, "alsa", "jack", "coremidi", "winmm")  # bridge.io.ports.APIS (a test checks)
CLOCK_MODES = ("external", "internal", "link")  # the DAW's MIDI clock, our own, Ableton Link
TEMPO_CLOCKS = ("internal", "link")  # clocks whose tempo JamBridge sets (Link: for the session)
BOTH = ("bridge", "app")  # the commands that start the bridge
BRIDGE = ("bridge",)


@dataclass(frozen=True)
class Option:
    """A setting's command-line face, and the checks its values get."""

    help: str  # argparse help; "%(default)s" is replaced by the default
    flag: str = ""  # "": --the-field-name
    metavar: str | None = None
    type: Callable[[str], Any] | None = None  # one command-line value -> the field's (item) value
    choices: tuple[str, ...] | None = None
    value_range: tuple[float, float] | None = None  # inclusive; None (unset) is always allowed
    label: str = ""  # what error messages call it; "": the field's name
    commands: tuple[str, ...] = BOTH  # the commands whose command line has it
    repeat: bool = False  # the flag may be given again: each one adds an item


def parse_channel(text: str) -> tuple[str, int]:
    """``ROLE=N`` (N 1..16) -> (role, 0-based channel).

    Raises:
        JamBridgeError: not of that form.
    """
    role, _, number = text.partition("=")
    if role not in ROLES or not number.isdigit() or not 1 <= int(number) <= 16:
        raise JamBridgeError(
            f"--channel takes ROLE=N with ROLE one of {', '.join(ROLES)} and N in 1..16, "
            f"got {text!r}"
        )
    return role, int(number) - 1


def _range_text(r: tuple[float, float]) -> str:
    return f"{r[0]:g}..{r[1]:g}"


# field of LiveOptions -> its command-line face and checks, in the order of --help (a test
# checks that every field has one)
OPTIONS: dict[str, Option] = {
    "in_port": Option(
        "connect to this existing input port (clock and keyboard) instead of opening the "
        "virtual 'JamBridge In'",
        flag="--in",
        metavar="NAME",
    ),
    "out_port": Option(
        "connect to this existing output port instead of opening the virtual 'JamBridge Out' "
        "(Windows has no virtual ports: name a loopMIDI port)",
        flag="--out",
        metavar="NAME",
    ),
    "midi_api": Option(
        "MIDI API (default auto: JACK if a server runs, else ALSA; CoreMIDI; Windows MM)",
        choices=MIDI_APIS,
        label="MIDI API",
    ),
    "engine": Option(
        "what plays: auto (the shipped model when it loads, else the rule-based generator, "
        "saying why; default), model, procedural (the rule-based generator), or pattern (a "
        "fixed test pattern for checking routing and latency)",
        choices=ENGINES,
    ),
    "preset": Option("preset name or JSON file (default %(default)s)"),
    "seed": Option("generation seed (default %(default)s)", type=int),
    "latency_ms": Option(
        "send notes this many ms early to cancel output latency (negative: late), "
        + _range_text(LATENCY_RANGE_MS),
        type=float,
        value_range=LATENCY_RANGE_MS,
        label="latency offset (ms)",
    ),
    "clock": Option(
        "follow the DAW's MIDI clock (default), be the master (internal), or join the "
        "Ableton Link session on the local network (link: tempo, bar phase, start/stop)",
        choices=CLOCK_MODES,
        commands=BRIDGE,
    ),
    "bpm": Option(
        "tempo with --clock internal, and the tempo proposed to a new Link session "
        "(default: preset's)",
        type=float,
        value_range=BPM_RANGE,
        commands=BRIDGE,
    ),
    "model": Option("use this model instead of the default", metavar="MODEL.onnx", commands=BRIDGE),
    "channels": Option(
        "MIDI channel 1..16 of a role (repeatable; default: the preset's, drums 10, bass 2, "
        "chords 3, lead 4)",
        flag="--channel",
        metavar="ROLE=N",
        type=parse_channel,
        repeat=True,
        commands=BRIDGE,
    ),
    "ccmap": Option(
        "controller map (default: CC 20 arm capture, 21 retro capture, 22-25 regenerate, "
        "26-29 mute, 102-105 temperature, 106-109 density)",
        metavar="FILE.json",
        commands=BRIDGE,
    ),
    "capture_dir": Option(
        "where captured riffs go (default: the platform data folder)",
        metavar="DIR",
        commands=BRIDGE,
    ),
    "realtime": Option(
        "do not ask for real-time scheduling of the timing thread",
        flag="--no-realtime",
        commands=BRIDGE,
    ),
}


@dataclass(frozen=True)
class LiveOptions:
    """How to start the live bridge: every setting with its one default (see the module).

    Raises:
        JamBridgeError: a value outside its choices or range (the message names the setting).
    """

    in_port: str | None = None  # existing input port to connect to; None: virtual "JamBridge In"
    out_port: str | None = None  # existing output port; None: virtual "JamBridge Out"
    midi_api: str = AUTO  # one of MIDI_APIS; auto: the first that works here
    engine: str = AUTO  # one of ENGINES; auto: the model when it loads, else procedural
    preset: str = "techno"  # preset name or JSON file
    seed: int = 0  # generation seed
    latency_ms: float = 0.0  # send notes this much early (negative: late), LATENCY_RANGE_MS
    clock: str = "external"  # one of CLOCK_MODES
    bpm: float | None = None  # internal clock tempo, BPM_RANGE; None: the preset's
    model: str | None = None  # model file or folder for the model engine; None: the shipped one
    channels: tuple[tuple[str, int], ...] = ()  # (role, 0-based channel); (): the preset's
    ccmap: str | None = None  # CC map JSON file; None: the defaults (bridge/ccmap.py)
    capture_dir: str | None = None  # where captures go; None: the platform data folder
    realtime: bool = True  # ask for real-time (SCHED_FIFO) scheduling of the timing thread

    def __post_init__(self) -> None:
        for name, option in OPTIONS.items():
            _check(name, option, getattr(self, name))
        unknown = [role for role, _ in self.channels if role not in ROLES]
        if unknown:
            raise JamBridgeError(
                f"channels: role must be one of {', '.join(ROLES)}, got {unknown[0]!r}"
            )
        check_channels(dict(self.channels))

    def resolved(self) -> tuple[LiveOptions, str]:
        """These options with engine ``auto`` made concrete, and a note for the user ("" when
        there is nothing to say): see :func:`resolve_engine` (loads the model: slow-ish)."""
        engine, note = resolve_engine(self.engine, self.model)
        return replace(self, engine=engine), note

    def with_preset_channels(self, preset: Preset) -> LiveOptions:
        """Every role's channel: those set here over ``preset``'s (unchanged when none is set).

        Raises:
            JamBridgeError: two roles end up on one channel.
        """
        if not self.channels:
            return self
        merged = {r: preset.tracks[r].channel - 1 for r in ROLES} | dict(self.channels)
        return replace(self, channels=tuple(merged.items()))

    def to_bridge_config(self) -> BridgeConfig:
        """The bridge's config. Channels that name only some roles are completed from the preset
        (read here).

        Raises:
            JamBridgeError: engine still ``auto`` (call :meth:`resolved` first), the preset
                cannot be read, or two roles end up on one channel.
        """
        from jambridge.bridge.session import BridgeConfig

        if self.engine == AUTO:
            raise JamBridgeError("engine auto must be resolved first: LiveOptions.resolved()")
        options = self
        if self.channels and len(dict(self.channels)) < len(ROLES):
            from jambridge.preset import load_preset

            options = self.with_preset_channels(load_preset(self.preset))
        extra = {} if self.realtime else {"rt_priority": 0}
        return BridgeConfig(
            midi_api=self.midi_api,
            in_port=self.in_port,
            out_port=self.out_port,
            clock=self.clock,
            bpm=self.bpm,
            preset=self.preset,
            engine=self.engine,
            model=self.model,
            seed=self.seed,
            latency_ms=self.latency_ms,
            channels=dict(options.channels) or None,
            ccmap=self.ccmap,
            capture_dir=self.capture_dir,
            **extra,
        )


def _check(name: str, option: Option, value: Any) -> None:
    label = option.label or name
    if option.choices is not None and value not in option.choices:
        raise JamBridgeError(f"{label} must be one of {', '.join(option.choices)}, got {value!r}")
    r = option.value_range
    if r is not None and value is not None and not r[0] <= value <= r[1]:
        raise JamBridgeError(f"{label} must be in range {_range_text(r)}, got {value!r}")


DEFAULTS = LiveOptions()  # the one default of each setting (BridgeConfig's come from here)


def model_problem(model: str | None = None) -> str | None:
    """Why the model cannot play here, or None when it can: the live engine's modules are
    imported (onnxruntime) and the model file (``model``; None: the shipped one) is opened and
    checked as the generator process will open it. Takes about as long as loading the model."""
    try:
        import jambridge.engine.live  # noqa: F401 (the generator process's bar source)
        from jambridge.engine.offline import open_model

        open_model(model).tokenizer()
    except ImportError as err:
        return f"{type(err).__name__}: {err}"
    except (JamBridgeError, OSError) as err:
        return str(err)
    return None


def resolve_engine(engine: str, model: str | None = None) -> tuple[str, str]:
    """The engine that plays for ``engine``, and a note for the user ("" when none): ``auto`` is
    ``model`` when the model loads (:func:`model_problem`), else ``procedural``, with the reason;
    any other engine is itself (a model that fails then fails when the bridge opens it)."""
    if engine != AUTO:
        return engine, ""
    problem = model_problem(model)
    if problem is None:
        return "model", ""
    return FALLBACK_ENGINE, f"model not available ({problem}); using the procedural generator"
