"""Offline generation controls: bars, seed, engine, the prompt riff and how it plays, and the
Generate button.

The prompt is a file (MIDI or an LMMS project, picked in a file dialog) or the selected take (a
captured riff, say), read as the roles its tracks play or as one role chosen here. Once there
is a prompt, the riff controls (:class:`~jambridge.ui.riff_controls.RiffControls`) show. The
panel only emits what was asked for; the studio reads the file and reports what it became.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
)

from jambridge.music import ROLES
from jambridge.riff import RiffSettings
from jambridge.song_files import LMMS_SUFFIXES, MIDI_SUFFIXES, SONG_SUFFIXES
from jambridge.ui.offline import BARS_RANGE, ENGINE_CHOICES
from jambridge.ui.riff_controls import RiffControls

SEED_MAX = 2**31 - 1
ENGINE_LABELS: dict[str, tuple[str, str]] = {  # engine -> (shown as, tooltip)
    "auto": ("model if installed", "The shipped model; the rule-based generator without it"),
    "model": ("model only", "The shipped model (an error if it is not installed)"),
    "procedural": ("rules (procedural)", "The rule-based generator: no model needed"),
}
NO_PROMPT = "Prompt riff…"  # the file button's text without a prompt
PROMPT_NAME_PX = 96  # a longer file name is cut in the middle with "…"


def _patterns(suffixes: tuple[str, ...]) -> str:
    return " ".join(f"*{s}" for s in suffixes)


PROMPT_FILTER = ";;".join([
    f"Riffs and songs ({_patterns(SONG_SUFFIXES)})",
    f"MIDI files ({_patterns(MIDI_SUFFIXES)})",
    f"LMMS projects ({_patterns(LMMS_SUFFIXES)})",
])  # fmt: skip


class GeneratePanel(QGroupBox):
    """Bars / seed / engine, the prompt riff, and a Generate button that emits
    :attr:`generate_clicked`."""

    generate_clicked = pyqtSignal()
    prompt_chosen = pyqtSignal(str, object)  # a file to read as the prompt, its role or None
    take_prompt_clicked = pyqtSignal(object)  # the selected take becomes it (role or None)
    prompt_cleared = pyqtSignal()

    def __init__(self, parent=None) -> None:
        super().__init__("Generate", parent)
        self.bars_box = QSpinBox()
        self.bars_box.setRange(*BARS_RANGE)
        self.bars_box.setValue(8)
        self.bars_box.setSuffix(" bars")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, SEED_MAX)
        self.seed_box.setPrefix("seed ")
        self.seed_box.setToolTip("Random seed: the same seed and settings give the same clip")
        self.random_box = QCheckBox("new seed")
        self.random_box.setToolTip("Draw a new seed for every Generate (untick to keep the seed)")
        self.random_box.setChecked(True)
        self.engine_box = QComboBox()
        for engine in ENGINE_CHOICES:
            text, tip = ENGINE_LABELS[engine]
            self.engine_box.addItem(text, engine)
            self.engine_box.setItemData(
                self.engine_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.engine_box.setToolTip("What writes the clip: the model or the rules")
        self.button = QPushButton("Generate")
        self.button.setObjectName("generateButton")
        self.button.clicked.connect(self.generate_clicked.emit)
        self.riff = RiffControls()
        self.prompt_path: str | None = None  # the prompt's file (None: no prompt)
        grid = QGridLayout(self)
        grid.addWidget(self.bars_box, 0, 0)
        grid.addWidget(self.engine_box, 0, 1)
        grid.addWidget(self.seed_box, 1, 0)
        grid.addWidget(self.random_box, 1, 1)
        grid.addLayout(self._prompt_row(), 2, 0, 1, 2)
        grid.addWidget(self.riff, 3, 0, 1, 2)
        grid.addWidget(self.button, 4, 0, 1, 2)
        self.show_prompt(None, "")

    def _prompt_row(self) -> QHBoxLayout:
        """The prompt's file button, its role, "from take" and clear."""
        self.prompt_button = QPushButton(NO_PROMPT)
        self.prompt_button.setObjectName("promptButton")
        self.prompt_button.setMinimumWidth(0)
        self.prompt_button.clicked.connect(self._ask_file)
        self.prompt_role_box = QComboBox()
        self.prompt_role_box.addItem("as read", None)
        for role in ROLES:
            self.prompt_role_box.addItem(role, role)
        self.prompt_role_box.setToolTip(
            "The prompt's role: as its tracks read (every track in its role), or one role"
        )
        self.prompt_role_box.currentIndexChanged.connect(self._role_changed)
        self.take_button = QPushButton("take")
        self.take_button.setFixedWidth(44)
        self.take_button.setToolTip("Play with the selected take (a captured riff, say)")
        self.take_button.clicked.connect(lambda: self.take_prompt_clicked.emit(self.prompt_role()))
        self.clear_button = QPushButton("×")
        self.clear_button.setFixedWidth(24)
        self.clear_button.setToolTip("No prompt: generate from the preset alone")
        self.clear_button.clicked.connect(self.prompt_cleared.emit)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.prompt_button, 1)
        row.addWidget(self.prompt_role_box)
        row.addWidget(self.take_button)
        row.addWidget(self.clear_button)
        return row

    def prompt_role(self) -> str | None:
        """The role the prompt is read as (None: each track's own)."""
        return self.prompt_role_box.currentData()

    def choose_prompt(self, path: str) -> None:
        """Ask for ``path`` as the prompt (what the file dialog does)."""
        self.prompt_chosen.emit(path, self.prompt_role())

    def show_prompt(self, name: str | None, report: str, path: str | None = None) -> None:
        """Show the prompt ``name`` (None: no prompt) and its report; the riff controls show
        with a prompt."""
        self.prompt_path = path if name is not None else None
        shown = NO_PROMPT
        if name is not None:
            metrics = self.prompt_button.fontMetrics()
            shown = "♪ " + metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, PROMPT_NAME_PX)
        self.prompt_button.setText(shown)
        self.prompt_button.setToolTip(
            report or "A riff to play with: a MIDI file or an LMMS project (.mmp, .mmpz)"
        )
        self.clear_button.setEnabled(name is not None)
        self.riff.setVisible(name is not None)

    def riff_settings(self) -> RiffSettings | None:
        """How the prompt plays (None without a prompt)."""
        return self.riff.settings() if self.prompt_path is not None else None

    def _ask_file(self) -> None:
        start = str(Path(self.prompt_path).parent) if self.prompt_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Prompt riff", start, PROMPT_FILTER)
        if path:
            self.choose_prompt(path)

    def _role_changed(self) -> None:
        if self.prompt_path is not None:  # read the same file again, as the role now asked
            self.choose_prompt(self.prompt_path)

    def next_seed(self) -> int:
        """The seed for the next generation (a fresh one when asked for, shown in the box)."""
        if self.random_box.isChecked():
            self.seed_box.setValue(secrets.randbelow(SEED_MAX))
        return self.seed_box.value()

    def engine(self) -> str:
        """The engine chosen (one of ENGINE_CHOICES)."""
        return self.engine_box.currentData()

    def set_engine(self, engine: str) -> None:
        """Choose ``engine`` (one of ENGINE_CHOICES)."""
        self.engine_box.setCurrentIndex(self.engine_box.findData(engine))

    def bars(self) -> int:
        return self.bars_box.value()

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText("Generating…" if busy else "Generate")
