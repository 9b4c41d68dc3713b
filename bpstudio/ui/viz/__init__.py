"""Backprop made visible in the GUI: the graph overlay, step-through, diagnosis,
decision boundary and evaluation views (the numbers come from ``bpstudio.viz``)."""
