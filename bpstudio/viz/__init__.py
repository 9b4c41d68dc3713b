"""Seeing backprop without Qt: step-through, diagnosis, decision boundary, evaluation.

Everything here computes small host-side numbers (numpy) from an engine Network or
from the Trainer's events; the widgets in ``bpstudio.ui.viz`` only draw them.
"""
