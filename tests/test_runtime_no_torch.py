"""The runtime never imports torch: generation runs in a fresh interpreter where importing torch
(or the training / export packages) fails, and torch is not in ``sys.modules`` afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.support.model_factory import random_onnx

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = ("torch", "jambridge.training", "jambridge.export", "transformers")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "torch" or name.startswith(BLOCKED):
                raise ImportError(f"the runtime imported {name}")
            return None

    sys.meta_path.insert(0, Block())

    from jambridge.bench import engine as bench  # noqa: F401  (imports must be clean)
    from jambridge.engine import live, offline
    from jambridge.engine.generator import BarGenerator, SamplingSettings
    from jambridge.engine.session import ModelSession
    from jambridge.generation import Prompt
    from jambridge.music import Bar, Key, Note
    from jambridge.preset import load_preset
    from jambridge.tokenizer import Header
    from jambridge.tokenizer.codec import default_track

    model = ModelSession(sys.argv[1])
    gen = BarGenerator(model, seed=1)
    gen.start(Header("techno", 130, Key(9, "minor"), {"drums": 4, "bass": 3, "chords": 2,
                                                      "lead": 3}))
    bars = [gen.next_bar(SamplingSettings(scale=Key(9, "minor"))) for _ in range(4)]
    gen.regenerate(["bass"])
    riff = Bar((default_track("bass").with_notes([Note(33, 0.0, 0.5, 96)]),))
    song = offline.generate_with_model(load_preset("techno"), 3, 7, ("drums", "bass"),
                                       Prompt("bass", (riff,)), sys.argv[1])
    print(json.dumps({
        "bars": len(bars), "song_bars": song.length_bars,
        "riff_kept": song.bars()[0].track("bass").notes == riff.tracks[0].notes,
        "torch": "torch" in sys.modules,
        "training": [m for m in sys.modules if m.startswith(BLOCKED)],
    }))
    """
)


def test_generation_imports_no_torch(tmp_path):
    path = random_onnx(tmp_path / "tiny.onnx")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"bars": 4, "song_bars": 3, "riff_kept": True, "torch": False,
                      "training": []}  # fmt: skip


RUNTIME_MODULES = ["jambridge.engine.generator", "jambridge.engine.live", "jambridge.bench.engine",
                   "jambridge.onnx_contract"]  # fmt: skip


@pytest.mark.parametrize("module", RUNTIME_MODULES)
def test_runtime_modules_import_without_torch(module):
    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
