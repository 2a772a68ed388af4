"""Training rows drop control tokens by (kind, role), keeping every other token in order."""

import numpy as np

from jambridge.tokenizer import Tokenizer
from jambridge.training.data import ControlDropout, _ControlIds
from tests.support.model_factory import synthetic_song

TOK = Tokenizer()
IDS = _ControlIds(TOK.to_json())
SEQ = np.array(TOK.encode(synthetic_song(3, bars=4)), dtype=np.int64)
CTRL = TOK.vocab.ranges["ctrl"]


def _is_ctrl(seq):
    return (seq >= CTRL.start) & (seq < CTRL.stop)


def test_all_off_removes_every_control_and_nothing_else():
    out = IDS.drop(SEQ, ControlDropout(all_off=1.0), np.random.default_rng(0))
    assert not _is_ctrl(out).any()
    assert out.tolist() == SEQ[~_is_ctrl(SEQ)].tolist()
    assert TOK.grammar.accepts(out.tolist())


def test_keep_all_keeps_the_row():
    out = IDS.drop(SEQ, ControlDropout(all_off=0.0, keep=1.0), np.random.default_rng(0))
    assert out.tolist() == SEQ.tolist()


def _counts(seq) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    role = None
    for n in (TOK.vocab.name(i) for i in seq):
        if n.startswith("TRACK_"):
            role = n[6:]
        elif n.startswith("CTRL_"):
            key = (n.split("_")[1], role)
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_a_kind_and_role_is_kept_or_dropped_as_a_whole():
    full = _counts(SEQ)
    seen_partial = False
    for seed in range(20):
        out = IDS.drop(SEQ, ControlDropout(all_off=0.0, keep=0.5), np.random.default_rng(seed))
        assert TOK.grammar.accepts(out.tolist())
        kept = _counts(out)
        for key, count in kept.items():
            assert count == full[key], key  # every bar's token of that pair, or none
        seen_partial |= 0 < len(kept) < len(full)
    assert seen_partial


def test_dropping_is_a_pure_function_of_the_generator():
    a = IDS.drop(SEQ, ControlDropout(), np.random.default_rng(7))
    b = IDS.drop(SEQ, ControlDropout(), np.random.default_rng(7))
    assert a.tolist() == b.tolist()
