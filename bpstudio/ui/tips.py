"""Tooltips and status-bar tips for the main window's actions.

``apply_tips(window)`` gives every action in ``window.actions`` that has no tooltip of
its own (Qt's default is the bare menu text) a sentence saying what it does, with its
shortcut, and shows the same sentence in the status bar while the menu entry is
hovered. Actions that already carry a tooltip keep it.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

TIPS = {
    "new": "Start a new project: a small network on the spiral data",
    "open": "Open a .bpstudio project file",
    "open_example": "Open one of the built-in example projects",
    "save": "Save the project (graph, data and training settings)",
    "save_as": "Save the project under a new name",
    "export_safetensors": "Save the trained weights as .safetensors (PyTorch names and layouts)",
    "export_npz": "Save the trained weights as a NumPy .npz archive",
    "export_onnx": "Export the trained model to ONNX (normalisation included)",
    "export_torch": "Write a PyTorch module (.py) and its weights that load the trained model",
    "quit": "Quit bpstudio (a running training is stopped first)",
    "undo": "Undo the last edit of the graph",
    "redo": "Redo the edit just undone",
    "cut": "Cut the selected nodes",
    "copy": "Copy the selected nodes",
    "paste": "Paste the copied nodes",
    "delete": "Delete the selected nodes and edges",
    "select_all": "Select every node",
    "add_node": "Add a layer where the mouse is (the same menu as double-clicking the canvas)",
    "auto_layout": "Arrange the nodes top to bottom in the order data flows",
    "zoom_in": "Zoom in on the graph",
    "zoom_out": "Zoom out of the graph",
    "fit": "Zoom so the whole graph fits the canvas",
    "reset_layout": "Put every panel back where it was at first start",
    "load_data": "Load the dataset again from its file (after you changed the file)",
    "check": "Compile the network and report its problems and parameter count",
    "shortcuts": "List every keyboard shortcut and mouse gesture",
    "about": "bpstudio's version and what it is for",
}


def describe(action, tip: str) -> str:
    """``tip`` followed by the action's shortcuts, e.g. 'Save the project (Ctrl+S)'."""
    keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
    return f"{tip} ({keys})" if keys else tip


def has_own_tooltip(action) -> bool:
    """False when the tooltip is Qt's default: the menu text without '&' and '…'."""
    default = action.text().replace("&", "").replace("…", "").replace("...", "").strip()
    own = action.toolTip().replace("&", "").replace("…", "").replace("...", "").strip()
    return bool(own) and own != default


def apply_tips(window) -> None:
    """Tooltips and status tips for the window's actions that lack them."""
    for name, action in window.actions.items():
        tip = TIPS.get(name) or action.statusTip()
        if not tip or has_own_tooltip(action):
            continue
        action.setToolTip(describe(action, tip))
        if not action.statusTip():
            action.setStatusTip(tip)
    for dock in getattr(window, "docks", {}).values():  # View > Panels entries
        toggle = dock.toggleViewAction()
        if not has_own_tooltip(toggle):
            toggle.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
    for menu in window.menuBar().findChildren(QMenu):  # menus hide tooltips by default
        menu.setToolTipsVisible(True)
