"""The studio side of the window: presets, the prompt riff, offline generation, regeneration,
bar infill and the takes.

Holds what is on show (the :class:`~jambridge.ui.timeline_model.BarTimeline`, the take in the
lanes) and the prompt, and does every slow thing in a worker: preset and prompt files,
generation, the take store. A
single-thread worker for files keeps the store's operations in order; generation has its own,
which hands each call to the generation process (:mod:`~jambridge.ui.offline_process`): the
bridge's real-time work in this process never waits for the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from jambridge.errors import JamBridgeError
from jambridge.music import ROLES, Song
from jambridge.preset import Preset, list_presets, load_preset, save_preset, user_preset_dir
from jambridge.prompt import Prompt
from jambridge.ui.offline import (
    GenerateRequest,
    GenerateResult,
    generate_song,
    infill_bars,
    prompt_name,
    prompt_notes,
    prompt_report,
    regenerate_track,
)
from jambridge.ui.offline_process import OFFLINE
from jambridge.ui.presets_panel import PresetEntry
from jambridge.ui.take_store import Take, TakeStore, Undone
from jambridge.ui.timeline_model import BarTimeline
from jambridge.ui.worker import Worker

DEFAULT_PRESET = "techno"


class Studio(QObject):
    """Presets, generation and takes (all file and engine work off the Qt thread)."""

    presets_listed = pyqtSignal(list, str)  # PresetEntry list, name to select
    preset_loaded = pyqtSignal(str, object)  # name, Preset
    takes_changed = pyqtSignal(object, object)  # takes (newest first), id to select or None
    song_shown = pyqtSignal(int)  # a whole song of this many bars is now in the lanes
    deleted = pyqtSignal(str)  # "take #7 deleted": the window offers Undo with it
    prompt_changed = pyqtSignal(object, str)  # the Prompt (None: none), its one-line report
    busy_changed = pyqtSignal(bool)  # generation under way
    info = pyqtSignal(str)
    warning = pyqtSignal(str)
    error = pyqtSignal(str)

    def __init__(self, store: TakeStore, timeline: BarTimeline, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.timeline = timeline
        self.preset: Preset | None = None  # the preset last loaded (lanes may differ since)
        self.preset_name = DEFAULT_PRESET
        self.shown_take: Take | None = None  # the take lane grips drag (None: nothing yet)
        self.prompt: Prompt | None = None  # the riff generation plays with (None: no prompt)
        self.follow_live = False  # the lanes follow the bridge: new songs do not replace them
        self.files = Worker(threads=1, parent=self)
        self.engine = Worker(threads=1, parent=self)
        self.generating = False

    # -- presets ---------------------------------------------------------------------------------

    def refresh_presets(self, select: str | None = None) -> None:
        """List the presets; then :attr:`presets_listed`."""

        wanted = select or self.preset_name
        self.files.submit(
            preset_entries, lambda r: self.presets_listed.emit(r, wanted), self.error.emit
        )

    def load_preset(self, name: str) -> None:
        """Load ``name``; then :attr:`preset_loaded` (or :attr:`error`, naming the bad field)."""
        self.files.submit(
            lambda: load_preset(name), lambda p: self._loaded(name, p), self.error.emit
        )

    def _loaded(self, name: str, preset: Preset) -> None:
        self.preset, self.preset_name = preset, name
        self.preset_loaded.emit(name, preset)

    def save_preset(self, preset: Preset) -> None:
        """Save ``preset`` in the user folder; then the list is refreshed with it selected."""

        def save() -> Path:
            return save_preset(preset)

        def saved(path: Path) -> None:
            self.preset, self.preset_name = preset, path.stem
            self.info.emit(f"saved preset {preset.name!r} to {path}")
            self.refresh_presets(select=path.stem)

        self.files.submit(save, saved, self.error.emit)

    # -- the prompt riff --------------------------------------------------------------------------

    def load_prompt(self, path: str, role: str | None = None) -> None:
        """Read ``path`` (MIDI or LMMS; ``role``: play it as this role) as the prompt; then
        :attr:`prompt_changed`, the report on the info line, contradictions as warnings."""
        from jambridge.prompt import load_prompt

        def load():
            prompt = load_prompt(path, role)
            return prompt, prompt_report(prompt), prompt_notes(prompt)

        def loaded(result) -> None:
            self.prompt, report, warnings = result
            self.prompt_changed.emit(self.prompt, report)
            self.info.emit(report)
            for line in warnings:
                self.warning.emit(line)

        self.files.submit(load, loaded, self.error.emit)

    def prompt_from_take(self, take: Take | None, role: str | None = None) -> None:
        """Make ``take`` (a captured riff, say) the prompt."""
        if take is None:
            self.error.emit("no take selected: pick the take to play with in the list")
            return
        self.load_prompt(str(self.store.midi_path(take)), role)

    def clear_prompt(self) -> None:
        self.prompt = None
        self.prompt_changed.emit(None, "")

    # -- generation ------------------------------------------------------------------------------

    def generate(self, request: GenerateRequest) -> None:
        """Generate a song off the Qt thread; it becomes a take and shows in the lanes."""
        if self.generating:
            return
        title = request.preset.name
        if request.prompt is not None:
            mode = request.riff.mode if request.riff is not None else "continue"
            title += f" {mode} {prompt_name(request.prompt).rsplit('.', 1)[0]}"
        self._set_busy(True)
        self.engine.submit(
            lambda: OFFLINE.call(generate_song, request),
            lambda r: self._generated(r, "generated", title),
            self._failed,
            "generate",
        )

    def _song_to_redo(self) -> Song | None:
        """The song on show, to regenerate part of; None (said, where there is none) when
        there is nothing to redo or a generation is running."""
        song = self.timeline.song
        if song is None:
            self.error.emit("nothing to regenerate yet: generate a clip first")
            return None
        if self.generating:
            self.info.emit("a generation is under way: try again when it is done")
            return None
        return song

    def regenerate(self, request: GenerateRequest, role: str) -> None:
        """Draw ``role``'s track of the song on show afresh; the others stay as they are."""
        song = self._song_to_redo()
        if song is None:
            return
        self._set_busy(True)
        self.engine.submit(
            lambda: OFFLINE.call(regenerate_track, song, request, role),
            lambda r: self._generated(r, "regenerated", f"{request.preset.name} new {role}"),
            self._failed,
            f"regenerate {role}",
        )

    def infill(self, request: GenerateRequest, role: str, bars: range) -> None:
        """Write ``bars`` (0-based) of ``role`` in the song on show afresh, the music around
        them as context; the result is a new take (the one it came from stays)."""
        song = self._song_to_redo()
        if song is None:
            return
        span = f"bar {bars.start + 1}" if len(bars) == 1 else f"bars {bars.start + 1}-{bars.stop}"
        self._set_busy(True)
        self.engine.submit(
            lambda: OFFLINE.call(infill_bars, song, request, role, bars),
            lambda r: self._generated(
                r,
                "infilled",
                f"{request.preset.name} {role} {span}",
                f"{span} of the {role} written afresh",
            ),  # fmt: skip
            self._failed,
            f"infill {role}",
        )

    def _generated(
        self, result: GenerateResult, kind: str, title: str, what: str | None = None
    ) -> None:
        self._set_busy(False)
        if result.note:
            self.warning.emit(result.note)
        if not self.follow_live:
            self.timeline.set_song(result.song)
            self.song_shown.emit(result.song.length_bars)
        counts = ", ".join(f"{t.role} {len(t.notes)}" for t in result.song.tracks)
        what = what or f"{kind} {result.song.length_bars} bars"
        self.info.emit(f"{what} ({result.engine}): {counts}")
        self.add_take(result.song, kind, title, result.seed, show=True)

    def _failed(self, text: str) -> None:
        self._set_busy(False)
        self.error.emit(text)

    def _set_busy(self, busy: bool) -> None:
        self.generating = busy
        self.busy_changed.emit(busy)

    # -- takes -----------------------------------------------------------------------------------

    def load_takes(self) -> None:
        """Read the take history (warnings about damaged entries go to :attr:`error`)."""

        def load():
            return self.store.load(), self.store.takes

        def loaded(result) -> None:
            warnings, takes = result
            for w in warnings:
                self.error.emit(w)
            self.takes_changed.emit(takes, None)

        self.files.submit(load, loaded, self.error.emit)

    def add_take(
        self, song: Song, kind: str, title: str, seed: int | None = None, show: bool = False
    ) -> None:
        """Store ``song`` as a take (files written off the Qt thread); ``show``: it becomes the
        take the lane grips drag."""
        preset = self.preset.name if self.preset else ""

        def added(take: Take) -> None:
            if show:
                self.shown_take = take
            self.takes_changed.emit(self.store.takes, take.id)
            self.info.emit(f"take #{take.id} saved: drag it into your DAW")

        self.files.submit(
            lambda: self.store.add(song, kind, title, preset, seed), added, self.error.emit
        )

    def show_take(self, take: Take) -> None:
        """Put ``take`` in the lanes (while live: only make it the take the grips drag)."""

        def shown(song: Song) -> None:
            self.shown_take = take
            if not self.follow_live:
                self.timeline.set_song(song)
                self.song_shown.emit(song.length_bars)

        self.files.submit(lambda: self.store.song(take), shown, self.error.emit)

    def delete_takes(self, takes: Sequence[Take]) -> None:
        """Move ``takes`` to the store's trash; then :attr:`deleted` (:meth:`undo_delete` takes
        it back)."""
        ids = {t.id for t in takes}

        def deleted(_r) -> None:
            if self.shown_take is not None and self.shown_take.id in ids:
                self.shown_take = None
            self.takes_changed.emit(self.store.takes, None)
            names = ", ".join(f"#{t.id}" for t in takes)
            self.deleted.emit(f"take{'s' if len(takes) > 1 else ''} {names} deleted")

        def failed(text: str) -> None:  # some may be gone: the list shows what is left
            self.takes_changed.emit(self.store.takes, None)
            self.error.emit(text)

        self.files.submit(lambda: self.store.delete(*takes), deleted, failed)

    def undo_delete(self) -> None:
        """Bring back the takes deleted last (also in an earlier run: the trash is kept)."""

        def undone(result: Undone) -> None:
            for warning in result.warnings:
                self.error.emit(warning)
            if result.takes:
                self.takes_changed.emit(self.store.takes, result.takes[0].id)
                names = ", ".join(f"#{t.id}" for t in result.takes)
                self.info.emit(f"take{'s' if len(result.takes) > 1 else ''} {names} back")
            elif not result.warnings:
                self.info.emit("nothing to undo: no deleted take is kept")

        self.files.submit(self.store.undo_delete, undone, self.error.emit)

    def export_stems(self, take: Take, folder: str) -> None:
        self.files.submit(
            lambda: self.store.export_stems(take, folder),
            lambda paths: self.info.emit(f"{len(paths)} stems written to {folder}"),
            self.error.emit,
        )

    def clip_path(self, role: str | None = None) -> Path | None:
        """The .mid file of the take on show (or of its ``role`` track); None if there is none."""
        take = self.shown_take
        if take is None or (role is not None and role not in take.roles):
            return None
        return self.store.midi_path(take, role)

    def stop_generation(self) -> None:
        """End a generation under way (the window is closing): its process is killed, and the
        next generation starts a new one."""
        if self.generating:
            OFFLINE.close()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until both workers are idle (shutdown and tests only)."""
        return self.engine.wait(timeout_ms) and self.files.wait(timeout_ms)


def preset_entries() -> list[PresetEntry]:
    """Every preset by display name, shipped ones first; a preset that does not load is
    listed by its file name (choosing it then says what is wrong)."""
    folder = user_preset_dir()
    user = {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
    entries = []
    for name in list_presets():
        try:
            title = load_preset(name).name.strip() or name
        except JamBridgeError:
            title = name
        entries.append(PresetEntry(name, printable(title), name in user))
    return sorted(entries, key=lambda e: (e.user, e.title.lower()))


def printable(text: str) -> str:
    """``text`` with control characters dropped (a name from a file is shown as is)."""
    return "".join(c for c in text if c.isprintable())


def preset_from_lanes(base: Preset, tracks: dict, bpm: float, name: str | None = None) -> Preset:
    """``base`` with the lanes' track settings and the tempo (and a new name)."""
    merged = {r: tracks.get(r, base.tracks[r]) for r in ROLES}
    return replace(base, tracks=merged, bpm=bpm, name=name or base.name)
