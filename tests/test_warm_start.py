"""A run can start from an exported model: the transformer is copied, old tokens keep their
embeddings (fine velocity levels take their bucket's), new tokens stay freshly initialised."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from jambridge.errors import ModelError  # noqa: E402
from jambridge.export.onnx_export import export_random  # noqa: E402
from jambridge.tokenizer import Tokenizer, TokenizerConfig  # noqa: E402
from jambridge.training.model import GPT  # noqa: E402
from jambridge.training.warm_start import load_into, old_ids  # noqa: E402
from tests.support.model_factory import tiny_config  # noqa: E402

V1, V2 = Tokenizer(TokenizerConfig.legacy()), Tokenizer()


@pytest.fixture(scope="module")
def v1_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("v1") / "v1.onnx"
    return export_random(tiny_config(vocab_size=V1.vocab_size), path, V1.vocab_hash,
                         V1.to_json(), seed=3)  # fmt: skip


def test_old_tokens_map_to_their_v1_ids():
    ids = old_ids(V1, V2)
    v = V2.vocab
    assert ids[v.id("pitch", 60)] == V1.vocab.id("pitch", 60)
    assert ids[v.id("drum", (36, 5))] == V1.vocab.id("drum", (36, 1))  # level 5 is bucket 1
    assert ids[v.id("fill", "FILL")] == -1 and ids[v.id("shift", 2)] == -1


def test_weights_and_embeddings_carry_over(v1_model):
    import onnx
    from onnx import numpy_helper

    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(v1_model)).graph.initializer}
    model = GPT(tiny_config(vocab_size=V2.vocab_size))
    fresh = model.state_dict()["wte.weight"].clone()
    report = load_into(model, v1_model, V2)
    state = model.state_dict()
    assert report["new_rows"] == int((old_ids(V1, V2) < 0).sum())
    np.testing.assert_array_equal(state["blocks.0.attn.qkv.weight"].numpy(),
                                  weights["blocks.0.attn.qkv.weight_t"].T)  # fmt: skip
    drum = V2.vocab.id("drum", (36, 5))
    np.testing.assert_array_equal(state["wte.weight"][drum].numpy(),
                                  weights["wte.weight"][V1.vocab.id("drum", (36, 1))])  # fmt: skip
    fill = V2.vocab.id("fill", "FILL")
    assert torch.equal(state["wte.weight"][fill], fresh[fill])


def test_a_model_of_another_size_is_refused(v1_model):
    model = GPT(tiny_config(vocab_size=V2.vocab_size, n_layer=3))
    with pytest.raises(ModelError, match="n_layer"):
        load_into(model, v1_model, V2)
