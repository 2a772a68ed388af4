"""int8 dynamic quantization for CPU: MatMul weights stored as int8 (4x smaller), activations
quantized on the fly (onnxruntime ``quantize_dynamic``). The embedding, the norms, the attention
operator and the KV cache stay float32. Whether it is faster depends on the CPU (VNNI helps);
``jambridge bench --model`` measures it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import onnx


def quantize_int8(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with its MatMul weights quantized to int8 (per output channel)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    props = {p.key: p.value for p in model.metadata_props}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, src)
        quantize_dynamic(
            src,
            dst,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        out = onnx.load(dst)
    onnx.helper.set_model_props(out, props)
    return out
