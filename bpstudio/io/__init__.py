"""Weights in and out: safetensors/npz files, ONNX, PyTorch code, predictions (no Qt).

Modules (imported on demand: onnx and pandas are heavy): ``weights`` (save/load,
into a Network), ``onnx_export``, ``torch_export``, ``predict``, ``export`` (one entry
per format), ``model`` (a project's network with trained weights), ``metadata``.
"""
