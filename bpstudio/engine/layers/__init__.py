"""The engine's layers, by op name (the graph compiles documents through ``LAYERS``)."""

from bpstudio.engine.layers.activations import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from bpstudio.engine.layers.base import Layer
from bpstudio.engine.layers.conv import Conv2D
from bpstudio.engine.layers.dense import Dense
from bpstudio.engine.layers.norm import BatchNorm
from bpstudio.engine.layers.pool import AvgPool2D, MaxPool2D
from bpstudio.engine.layers.shape import Add, Concat, Dropout, Flatten

LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        Dense,
        Conv2D,
        MaxPool2D,
        AvgPool2D,
        Flatten,
        Dropout,
        BatchNorm,
        ReLU,
        LeakyReLU,
        Sigmoid,
        Tanh,
        GELU,
        Softmax,
        Add,
        Concat,
    )
}

__all__ = ["LAYERS", "Layer", *LAYERS]
