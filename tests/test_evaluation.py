"""Evaluation: metrics with known answers, OA, features, baselines, n-gram, sampling, ONNX NLL,
and ``jambridge eval`` end to end on a small built dataset."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from jambridge.errors import DataError
from jambridge.evaluation import metrics as m
from jambridge.evaluation.baselines import shuffled_songs, templates_from
from jambridge.evaluation.comparison import evaluate_system
from jambridge.evaluation.features import FeatureConfig, extract
from jambridge.evaluation.ngram import NGramModel, max_order
from jambridge.evaluation.overlap import distance_overlap, kl_divergence, overlap_area
from jambridge.evaluation.sampling import NGramTokens, SampleConfig, sample_documents
from jambridge.music import Key, Note, Song, Track
from jambridge.tokenizer import Tokenizer
from tests.support.midi_factory import Part, write_midi_file, write_raw

C_MAJOR = [60, 62, 64, 65, 67, 69, 71]


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


# -- metrics: known answers ------------------------------------------------------------------


def test_pitch_class_entropy_known_values():
    assert m.pitch_class_entropy(np.arange(48, 60)) == pytest.approx(math.log2(12))
    assert m.pitch_class_entropy(np.array([60, 72, 48])) == 0.0
    assert m.pitch_class_entropy(np.array([60, 61])) == pytest.approx(1.0)
    assert math.isnan(m.pitch_class_entropy(np.array([], dtype=int)))


def test_scale_consistency_known_values():
    assert m.scale_consistency(np.array(C_MAJOR)) == 1.0
    assert m.scale_consistency(np.array(C_MAJOR) + 6) == 1.0  # F# major: another scale, still 1
    assert m.scale_consistency(np.arange(60, 72)) == pytest.approx(7 / 12)
    assert m.in_scale_share(np.array(C_MAJOR), Key(0, "major").pitch_classes) == 1.0
    assert m.in_scale_share(np.array(C_MAJOR), Key(9, "minor").pitch_classes) == 1.0
    assert m.in_scale_share(np.array([60, 61]), Key(0, "major").pitch_classes) == 0.5


def test_groove_consistency_known_values():
    beats = [0, 12, 24, 36]
    same = np.array([b + 48 * bar for bar in range(4) for b in beats])
    assert m.groove_consistency(same, 4) == 1.0
    # bar 2 drops beats 2 and 4: 2 positions differ from bar 1
    ticks = np.array([0, 12, 24, 36, 48, 72])
    assert m.groove_consistency(ticks, 2) == pytest.approx(1 - 2 / 48)
    assert math.isnan(m.groove_consistency(ticks[:2], 1))


def test_four_on_the_floor_needs_a_kick_on_every_beat_of_the_grid():
    assert m.four_on_the_floor(np.array([0, 12, 24, 36]))
    assert m.four_on_the_floor(np.array([0, 6, 12, 24, 30, 36]))
    assert not m.four_on_the_floor(np.array([0, 12, 36]))
    assert not m.four_on_the_floor(np.array([0, 13, 24, 36]))  # a 48th late is off the beat


def test_polyphony_histograms_range_and_ioi():
    assert m.polyphony(np.array([0, 0, 0]), np.array([12, 12, 12])) == 3.0
    # 0-12 and 6-18 overlap for 6 of 18 sounding ticks: (12 + 12) / 18
    assert m.polyphony(np.array([0, 6]), np.array([12, 12])) == pytest.approx(24 / 18)
    hist = m.onset_position_histogram(np.array([0, 0, 48, 12]))  # distinct onsets: 0, 48, 12
    assert hist[0] == pytest.approx(2 / 3) and hist[12] == pytest.approx(1 / 3)
    kit = m.drum_class_histogram(np.array([36, 35, 38, 42, 81]))
    assert kit[0] == pytest.approx(0.4) and kit[-1] == pytest.approx(0.2)  # kick, other
    assert m.pitch_range(np.array([40, 52, 47])) == 12
    assert m.mean_inter_onset_beats(np.array([0, 6, 6, 24])) == pytest.approx(1.0)


# -- overlap ---------------------------------------------------------------------------------


def test_overlap_area_identical_disjoint_and_gaussian():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 5000)
    assert overlap_area(a, a) == pytest.approx(1.0, abs=1e-9)
    assert kl_divergence(a, a) == pytest.approx(0.0, abs=1e-9)
    assert overlap_area(np.array([0.0, 1.0]), np.array([100.0, 101.0])) == 0.0
    # N(0,1) vs N(1,1): overlap 2 * Phi(-1/2) = 0.617
    b = rng.normal(1, 1, 5000)
    assert overlap_area(a, b) == pytest.approx(0.617, abs=0.03)
    assert overlap_area(np.full(10, 3.0), np.full(10, 3.0)) == pytest.approx(1.0)


def test_distance_overlap_ranks_sets_by_closeness():
    rng = np.random.default_rng(1)
    real = rng.normal(0, 1, (300, 3))
    assert distance_overlap(real, real).oa > 0.95
    near = distance_overlap(real, rng.normal(0, 1, (300, 3))).oa
    off = distance_overlap(real, rng.normal(1.5, 1, (300, 3))).oa
    far = distance_overlap(real, rng.normal(50, 1, (300, 3))).oa
    assert near > 0.9 > off > far and far < 0.01
    assert math.isnan(distance_overlap(real[:1], real).oa)  # one real sample: no intra distances


# -- features on hand-built songs ------------------------------------------------------------


def _song(
    bars: int = 8,
    kickless: tuple[int, ...] = (),
    bass_rest: tuple[int, ...] = (),
    chord_shift: int = 0,
) -> Song:
    drums, bass, chords = [], [], []
    for b in range(bars):
        t0 = 4.0 * b
        beats = [1, 2, 3] if b in kickless else [0, 1, 2, 3]
        drums += [Note(36, t0 + k, 0.25, 110) for k in beats]
        drums += [Note(42, t0 + k + 0.5, 0.25, 80) for k in range(4)]
        if b not in bass_rest:
            bass += [Note(36 + C_MAJOR[k % 7] - 60, t0 + k + 0.5, 0.5, 100) for k in range(4)]
        chords += [Note(p + chord_shift, t0, 2.0, 90) for p in (60, 64, 67)]
    tracks = (
        Track("drums", tuple(drums), channel=9),
        Track("bass", tuple(bass)),
        Track("chords", tuple(chords)),
    )
    return Song(tracks, tempo_bpm=128.0, key=Key(0, "major"), length_bars=bars)


def test_features_count_bars_segments_and_mix():
    song = _song(bars=9, kickless=(2, 5), bass_rest=(3, 4))
    sf = extract("hand", [song], config=FeatureConfig(segment_bars=4))
    drums, bass, mix = sf.roles["drums"], sf.roles["bass"], sf.roles["mix"]
    assert drums.bars == 9 and drums.four_on_floor_bars == 7
    assert bass.empty_bars == 2 and drums.empty_bars == 0
    assert drums.segments == 2  # 9 bars -> two 4-bar segments, the last bar left out
    assert np.allclose(drums.array("notes_per_bar"), [7.75, 7.75])
    assert np.allclose(sf.roles["chords"].array("polyphony"), 3.0)
    assert np.allclose(mix.array("scale_consistency"), 1.0)
    assert "pitch_range" not in drums.values and "onset_position" not in mix.values
    assert drums.array("pitch_class").shape == (2, len(m.DRUM_CLASSES))


def test_mix_scale_consistency_sees_roles_in_different_keys():
    sf = extract("clash", [_song(chord_shift=6)])  # C major bass under F# major chords
    assert np.allclose(sf.roles["bass"].array("scale_consistency"), 1.0)
    assert np.allclose(sf.roles["chords"].array("scale_consistency"), 1.0)
    assert sf.roles["mix"].array("scale_consistency").max() < 0.8


# -- baselines and comparison ----------------------------------------------------------------


def test_shuffled_songs_keep_every_bar_and_each_song_shape():
    songs = [_song(bars=4, kickless=(1,)), _song(bars=6, chord_shift=2), _song(bars=3)]
    shuffled = shuffled_songs(songs, seed=3)
    assert [s.length_bars for s in shuffled] == [4, 6, 3]
    assert [s.roles for s in shuffled] == [s.roles for s in songs]
    for role in ("drums", "bass", "chords"):

        def bars_of(ss, r=role):
            return sorted(repr(b.track(r).notes) for s in ss for b in s.bars())

        assert bars_of(shuffled) == bars_of(songs)
    assert [b.track("chords") for b in shuffled[0].bars()] != [
        b.track("chords") for b in songs[0].bars()
    ]


def test_evaluate_system_scores_copies_high_strangers_low_and_missing_roles_zero(tok):
    real = [_song(bars=8, kickless=(i % 8,), chord_shift=i % 5) for i in range(12)]
    real_f = extract("real", real, tokenizer=tok)
    copy = evaluate_system(real_f, extract("copy", real, tokenizer=tok), "generated")
    odd = [_song(bars=8, kickless=(0, 1, 2, 3, 4, 5)) for _ in range(12)]
    strange = evaluate_system(real_f, extract("odd", odd, tokenizer=tok), "baseline")
    assert copy.mean_oa > 0.9 and strange.mean_oa < copy.mean_oa
    no_bass = [Song(tuple(t for t in s.tracks if t.role != "bass"), length_bars=8) for s in real]
    partial = evaluate_system(real_f, extract("nb", no_bass, tokenizer=tok), "generated")
    assert partial.roles["bass"].missing and partial.roles["bass"].mean_oa == 0.0
    assert partial.mean_oa < copy.mean_oa
    assert copy.roles["drums"].values["four_on_floor"] == pytest.approx(7 / 8)


def test_procedural_baseline_follows_the_templates(tok):
    from jambridge.evaluation.baselines import procedural_songs

    templates = templates_from([_song(bars=4), _song(bars=8)], tok)
    songs = procedural_songs(templates, seed=1)
    assert [s.length_bars for s in songs] == [4, 8]
    assert all(set(s.roles) == {"drums", "bass", "chords"} for s in songs)


# -- n-gram ----------------------------------------------------------------------------------


def _docs(lengths):
    offsets = np.cumsum([0, *lengths[:-1]])
    return np.stack([offsets, lengths, np.zeros(len(lengths), int)], axis=1)


def test_ngram_distributions_sum_to_one_and_match_the_vectorized_scores():
    rng = np.random.default_rng(2)
    v = 7
    tokens = rng.integers(0, v, 600) % np.array([7, 3, 5])[np.arange(600) % 3]  # some structure
    model = NGramModel.fit(tokens, _docs([200, 150, 250]), v, order=3)
    for _ in range(5):
        hist = rng.integers(0, v, rng.integers(0, 5)).tolist()
        assert model.next_probs(hist).sum() == pytest.approx(1.0)
    chunk = tokens[:40]
    fast = model.token_probs(chunk)
    slow = [model.next_probs(chunk[:i].tolist())[chunk[i]] for i in range(1, 40)]
    assert np.allclose(fast, slow)


def test_ngram_learns_a_pattern_and_stays_uniform_on_noise():
    pattern = np.tile([1, 4, 2, 8, 5, 7], 200)
    model = NGramModel.fit(pattern, _docs([600, 600]), vocab_size=10, order=3)
    loss, n = model.nll([pattern[:120]])
    assert loss / n < 0.1
    noise = np.random.default_rng(3).integers(0, 10, 20000)
    model = NGramModel.fit(noise, _docs([20000]), vocab_size=10, order=2)
    loss, n = model.nll([np.random.default_rng(4).integers(0, 10, 2000)])
    assert loss / n == pytest.approx(math.log(10), rel=0.03)


def test_ngram_counts_stay_inside_documents():
    model = NGramModel.fit(np.array([1, 2, 3, 4, 5, 6]), _docs([3, 3]), vocab_size=8, order=2)
    bigrams = model.tables[0].keys
    assert 3 * 8 + 4 not in set(bigrams.tolist())  # (3, 4) spans the two documents
    assert 1 * 8 + 2 in set(bigrams.tolist())
    with pytest.raises(DataError, match="order"):
        NGramModel.fit(np.array([1, 2]), _docs([2]), vocab_size=8, order=0)
    assert max_order(606) == 6 and max_order(10) == 8  # 606**7 does not pack into int64


def test_ngram_samples_decode_with_the_prompted_roles(tok):
    songs = [_song(bars=8, kickless=(i,), chord_shift=i % 3) for i in range(6)]
    docs = [np.array(tok.encode(s)) for s in songs]
    model = NGramModel.fit(np.concatenate(docs), _docs([len(d) for d in docs]), tok.vocab_size, 4)
    templates = templates_from(songs[:3], tok)
    out = sample_documents(
        NGramTokens(model),
        tok,
        [t.header for t in templates],
        [3, 5, 2],
        seed=0,
        config=SampleConfig(batch_size=2),
    )
    assert all(1 <= s.length_bars <= n for s, n in zip(out, [3, 5, 2]))
    assert all(s.roles == ("drums", "bass", "chords") for s in out)
    assert sum(s.note_count() for s in out) > 0


class _BarHungry:
    """A model that always wants a new bar (and otherwise to stop): only the bar limit ends it."""

    def __init__(self, tok, capacity=4096):
        self.vocab_size, self.capacity = tok.vocab_size, capacity
        self.logits = np.zeros(tok.vocab_size)
        self.logits[tok.bar_id], self.logits[tok.eos_id] = 10.0, 5.0
        track = tok.vocab.ranges["track"]
        self.logits[track.start : track.stop] = 8.0  # empty tracks: a bar is BAR + 3 TRACKs
        self.fed = 0

    def begin(self, prompts):
        return np.tile(self.logits, (len(prompts), 1))

    def step(self, tokens, active):
        self.fed += int(np.count_nonzero(active))
        return np.tile(self.logits, (len(tokens), 1))


def test_sampling_stops_each_row_at_its_bar_count_or_capacity(tok):
    header = templates_from([_song(bars=1)], tok)[0].header
    songs = sample_documents(
        _BarHungry(tok), tok, [header] * 3, [1, 4, 2], seed=1, config=SampleConfig(batch_size=2)
    )
    assert [s.length_bars for s in songs] == [1, 4, 2]
    cut = sample_documents(_BarHungry(tok, capacity=len(header) + 14), tok, [header], [50])
    assert cut[0].length_bars == 3  # 3 bars of 4 tokens, then BAR TRACK: cut, and dropped


# -- song sets -------------------------------------------------------------------------------


def test_midi_set_names_sources_and_skips_broken_files(tmp_path):
    from jambridge.evaluation.sets import SetLimits, load_midi_set

    root = tmp_path / "held_out"
    (root / "groove").mkdir(parents=True)
    kicks = [(36, float(b), 0.25, 100) for b in range(16)]
    for i in range(3):
        write_midi_file(root / "groove" / f"g{i}.mid", [Part(9, None, "Drums", kicks)])
    write_midi_file(
        root / "tune.mid", [Part(0, 0, "Piano", [(60 + i, float(i), 1.0, 90) for i in range(8)])]
    )
    write_raw(root / "broken.mid", b"MThd\x00\x00\x00\x06\x00\x01")
    s = load_midi_set(root, limits=SetLimits(max_song_bars=2))
    assert sorted(s.sources) == ["groove", "groove", "groove", "held_out"]
    assert sum(s.skipped.values()) == 1
    assert all(song.length_bars <= 2 for song in s.songs)
    assert {song.style for song, src in zip(s.songs, s.sources) if src == "groove"} == {"groove"}


# -- ONNX NLL --------------------------------------------------------------------------------


def _onnx_model(path, tok, zero: bool, seed: int = 0, vocab_hash: str | None = None):
    import onnx

    from jambridge import onnx_contract as oc
    from jambridge.export.graph import build_model

    cfg = {
        "vocab_size": tok.vocab_size,
        "n_layer": 1,
        "n_head": 2,
        "n_kv_head": 1,
        "head_size": 16,
        "n_embd": 32,
        "block_size": 128,
        "rope_theta": 10000.0,
        "norm_eps": 1e-5,
        "mlp_ratio": 2,
        "dropout": 0.0,
    }
    rng = np.random.default_rng(seed)
    c, a, k = 32, 32, 16
    shapes = {
        "wte.weight": (tok.vocab_size, c),
        "blocks.0.ln1.weight": (c,),
        "blocks.0.attn.qkv.weight": (a + 2 * k, c),
        "blocks.0.attn.proj.weight": (c, a),
        "blocks.0.ln2.weight": (c,),
        "blocks.0.mlp.fc.weight": (2 * c, c),
        "blocks.0.mlp.out.weight": (c, 2 * c),
        "ln_f.weight": (c,),
    }
    weights = {
        n: (np.zeros(s) if zero and n == "wte.weight" else rng.normal(0, 0.3, s)).astype(np.float32)
        for n, s in shapes.items()
    }
    proto = build_model(cfg, weights)
    onnx.helper.set_model_props(
        proto, oc.metadata_props(cfg, vocab_hash or tok.vocab_hash, "", "float32")
    )
    onnx.save(proto, str(path))
    return path


def test_model_nll_is_ln_vocab_for_a_model_that_knows_nothing(tmp_path, tok):
    from jambridge.evaluation.nll import Chunk, model_nll, open_model

    session = open_model(_onnx_model(tmp_path / "zero.onnx", tok, zero=True), tok.vocab_hash, 1)
    ids = np.array(tok.encode(_song(bars=2)), dtype=np.int64)
    r = model_nll(session, [Chunk(ids, "a"), Chunk(ids[:50], "b")])
    assert r.nll == pytest.approx(math.log(tok.vocab_size), abs=1e-5)
    assert r.tokens == len(ids) - 1 + 49 and set(r.per_source) == {"a", "b"}


def test_model_nll_equals_cached_step_by_step_decoding(tmp_path, tok):
    from jambridge.engine.decoder import Decoder
    from jambridge.evaluation.nll import Chunk, log_softmax_nll, model_nll, open_model

    session = open_model(_onnx_model(tmp_path / "rand.onnx", tok, zero=False), tok.vocab_hash, 1)
    ids = np.array(tok.encode(_song(bars=1)), dtype=np.int64)[:60]
    full = model_nll(session, [Chunk(ids, "x")])
    dec = Decoder(session, batch_size=1, capacity=len(ids))
    rows = [dec.prefill([int(ids[0])])]
    for t in ids[1:-1]:
        rows.append(dec.step(np.array([t]))[0].copy())
    stepwise = log_softmax_nll(np.stack(rows), ids[1:]) / (len(ids) - 1)
    assert full.nll == pytest.approx(stepwise, rel=1e-4)
    assert full.nll > 0.1


def test_model_samples_through_the_engine_decode(tmp_path, tok):
    from jambridge.evaluation.nll import open_model
    from jambridge.evaluation.sampling import OnnxTokens

    session = open_model(_onnx_model(tmp_path / "rand.onnx", tok, zero=False), tok.vocab_hash, 1)
    header = templates_from([_song(bars=2)], tok)[0].header
    songs = sample_documents(
        OnnxTokens(session, 2),
        tok,
        [header, header],
        [1, 2],
        seed=5,
        config=SampleConfig(batch_size=2),
    )
    assert all(s.roles == ("drums", "bass", "chords") for s in songs)
    assert all(s.length_bars <= b for s, b in zip(songs, [1, 2]))  # capacity 128 may cut bars


# -- jambridge eval end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from jambridge.dataset import BuildConfig, build

    root = tmp_path_factory.mktemp("evalds")
    src = root / "groove"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(10):
        hits = [(36, float(b), 0.25, 100) for b in range(16)]
        hits += [(42, b + 0.5, 0.1, 70) for b in range(16) if rng.random() < 0.8]
        hits += [(38, b + 1.0, 0.2, 90) for b in range(0, 16, 2) if rng.random() < 0.9]
        write_midi_file(src / f"beat{i}.mid", [Part(9, None, "Drums", hits)], tempo_bpm=120)
    out = root / "ds"
    cfg = BuildConfig(
        sources=((str(src), "groove"),),
        out=str(out),
        procedural=3,
        procedural_bars=(8, 8),
        val_fraction=0.5,
        workers=1,
    )
    build(cfg, show_progress=False)
    return out


def test_dataset_set_takes_real_documents_only(dataset):
    from jambridge.evaluation.sets import load_dataset_set

    s = load_dataset_set(dataset)
    assert s.songs and set(s.sources) == {"groove"}
    assert all(song.roles == ("drums",) for song in s.songs)


def test_eval_command_end_to_end(dataset, tmp_path, tok, capsys):
    from jambridge.cli import main
    from jambridge.midi_io import write_midi

    gen = tmp_path / "gen"
    gen.mkdir()
    for i in range(3):
        write_midi(_song(bars=8, kickless=(i,)), gen / f"s{i}.mid")
    model = _onnx_model(tmp_path / "m.onnx", Tokenizer.load(dataset / "tokenizer.json"), False)
    out = tmp_path / "report"
    code = main(
        [
            "eval",
            "--real",
            str(dataset),
            "--generated",
            f"mine={gen}",
            "--model",
            str(model),
            "--sample-model",
            "--out",
            str(out),
            "--ngram-order",
            "3",
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    names = [s["name"] for s in summary["systems"]]
    assert names == [
        "real", "mine", "model (sampled)", "procedural", "3-gram", "shuffled real",
        "real (train split)",
    ]  # fmt: skip
    assert summary["real"]["compared_with"]["drums"].startswith("groove")
    assert set(summary["nll"]) == {"model", "3-gram"}
    assert summary["nll"]["3-gram"]["nll"] < summary["nll"]["model"]["nll"]  # random weights
    for s in summary["systems"][1:]:
        assert 0.0 <= s["mean_oa"] <= 1.0
    text = (out / "report.md").read_text()
    assert "| mine | generated |" in text and "groove" in text
    assert (out / "oa.png").stat().st_size > 1000 and (out / "pianorolls.png").exists()


def test_eval_without_real_reports_the_value_metrics_of_generated_music(tmp_path, capsys):
    from jambridge.cli import main
    from jambridge.midi_io import write_midi

    gen = tmp_path / "gen"
    gen.mkdir()
    write_midi(_song(bars=8, kickless=(0, 1), bass_rest=(7,)), gen / "a.mid")
    out = tmp_path / "r"
    assert main(["eval", "--generated", str(gen), "--out", str(out), "--no-figures", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (system,) = summary["systems"]
    assert system["roles"]["drums"]["values"]["four_on_floor"] == pytest.approx(6 / 8)
    assert system["roles"]["bass"]["values"]["empty_bar_ratio"] == pytest.approx(1 / 8)
    assert system["mean_oa"] is None and "No real reference" in (out / "report.md").read_text()


def test_eval_command_says_what_is_wrong(dataset, tmp_path, capsys):
    from jambridge.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["eval", "--real", str(tmp_path / "empty"), "--no-figures"]) == 1
    assert "no MIDI files" in capsys.readouterr().err
    model = _onnx_model(tmp_path / "m.onnx", Tokenizer.load(dataset / "tokenizer.json"), False,
                        vocab_hash="0123456789abcdef")  # fmt: skip
    args = ["eval", "--real", str(dataset), "--model", str(model), "--no-figures"]
    assert main([*args, "--out", str(tmp_path / "r")]) == 1
    assert "trained with vocabulary 0123456789abcdef" in capsys.readouterr().err
