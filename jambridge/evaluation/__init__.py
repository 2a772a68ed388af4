"""Objective evaluation of generated music (``jambridge eval``). No torch, no Qt.

- ``metrics``     musical metrics on arrays: pitch-class entropy, scale consistency, groove
                  consistency (MMT / muspy definitions), polyphony, four-on-the-floor, histograms
- ``overlap``     KDE overlapping area and KL divergence; Yang & Lerch intra/inter-set OA
- ``features``    Songs -> per-role segment features (the FEATURES table)
- ``sets``        SongSet: real or generated songs from MIDI folders or a dataset's val split
- ``ngram``       NGramModel: interpolated Kneser-Ney on the model's tokens
- ``sampling``    grammar-masked document sampling for the n-gram and the ONNX model
- ``baselines``   procedural, n-gram and shuffled-real baselines shaped like the real set
- ``nll``         validation NLL of an ONNX model (onnxruntime) and of the n-gram
- ``comparison``  per-system, per-role OA and metric values against the real set
- ``report``      report.md, report.json and PNGs
- ``runner``      EvalConfig and run_evaluation(): the whole ``jambridge eval``
"""
