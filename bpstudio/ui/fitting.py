"""Fitting the network to newly loaded data: the editor's spacing on top of
``bpstudio.graph.fit`` (Qt-free, shared with ``bpstudio train --data``)."""

from __future__ import annotations

from bpstudio.graph.fit import fit_commands as _fit_commands
from bpstudio.ui.editor.layout import ROW_GAP


def fit_commands(graph, dataset) -> list:
    return _fit_commands(graph, dataset, ROW_GAP)
