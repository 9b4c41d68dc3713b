"""bpstudio: a desktop playground for backpropagation."""

__version__ = "0.1.0"
