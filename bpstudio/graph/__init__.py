"""The network document: what the editor edits, the project file stores, and compile
turns into an engine Network.

``document`` (Node, Graph), ``catalogue`` (ops and parameter rules), ``commands``
(undoable edits), ``validate`` / ``shapes`` (problems and per-edge shapes), ``project``
(the ``*.bpstudio`` file), ``compile`` (Graph -> engine.Network).
"""
