"""torch -> ONNX export and validation, installed as jambridge.export."""
