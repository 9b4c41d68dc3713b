"""The menus, toolbar and their shortcuts, built onto a MainWindow.

Sets ``window.actions`` (name -> QAction) and the menus other code extends:
``window.view_docks_menu`` (one entry per dock), ``window.train_menu`` and
``window._train_separator`` (train actions go above it), ``window.recent_menu``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from bpstudio.ui.errors import guarded

Key = QKeySequence.StandardKey


def _action(window, name: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(guarded(lambda checked=False: slot()))
    window.actions[name] = action
    return action


CANVAS_ONLY = ("add_node", "fit", "delete")  # single keys: only while the canvas has focus


def build(window) -> None:
    window.actions = {}
    bar = window.menuBar()
    _file_menu(window, bar.addMenu("&File"))
    _edit_menu(window, bar.addMenu("&Edit"))
    _view_menu(window, bar.addMenu("&View"))
    window.train_menu = bar.addMenu("&Train")
    _train_menu(window)
    _help_menu(window, bar.addMenu("&Help"))
    _toolbar(window)
    for name in CANVAS_ONLY:  # so typing "a", "f" or Backspace in a panel stays typing
        window.actions[name].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    _canvas_menu(window)


def _canvas_menu(w) -> None:
    """The canvas's right-click menu: its actions (the canvas-only keys live there)."""
    w.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    for name in ("add_node", None, "cut", "copy", "paste", "delete", None, "auto_layout", "fit"):
        if name is None:
            sep = QAction(w.view)
            sep.setSeparator(True)
            w.view.addAction(sep)
        else:
            w.view.addAction(w.actions[name])


def _file_menu(w, menu) -> None:
    menu.addAction(_action(w, "new", "&New", w.new_project, Key.New))
    menu.addAction(_action(w, "open", "&Open…", w.open_dialog, Key.Open))
    menu.addAction(_action(w, "open_example", "Open &Example…", w.open_example_dialog))
    w.recent_menu = menu.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(w.fill_recent_menu)
    menu.addSeparator()
    menu.addAction(_action(w, "save", "&Save", w.save, Key.Save))
    menu.addAction(_action(w, "save_as", "Save &As…", w.save_as, Key.SaveAs))
    w.export_menu = menu.addMenu("E&xport")
    for fmt, text in (
        ("safetensors", "Weights (.safetensors)…"),
        ("npz", "Weights (NumPy .npz)…"),
        ("onnx", "ONNX model…"),
        ("torch", "PyTorch module (.py)…"),
    ):
        w.export_menu.addAction(_action(w, f"export_{fmt}", text, lambda f=fmt: w.export(f)))
    menu.addSeparator()
    menu.addAction(_action(w, "quit", "&Quit", w.close, "Ctrl+Q"))


def _unique(keys: list[QKeySequence]) -> list[QKeySequence]:
    """Platform keys may repeat an explicit one (Redo is Ctrl+Shift+Z on Linux)."""
    out = []
    for k in keys:
        if not k.isEmpty() and k not in out:
            out.append(k)
    return out


def _edit_menu(w, menu) -> None:
    undo = w.model.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(Key.Undo)
    redo = w.model.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts(
        _unique([QKeySequence(Key.Redo), QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    )
    w.actions["undo"], w.actions["redo"] = undo, redo
    menu.addActions([undo, redo])
    menu.addSeparator()
    menu.addAction(_action(w, "cut", "Cu&t", w.cut, Key.Cut))
    menu.addAction(_action(w, "copy", "&Copy", w.copy, Key.Copy))
    menu.addAction(_action(w, "paste", "&Paste", w.paste, Key.Paste))
    menu.addAction(
        _action(w, "delete", "&Delete", w.scene.delete_selection, [Key.Delete, "Backspace"])
    )
    menu.addSeparator()
    menu.addAction(_action(w, "select_all", "Select &All", w.scene.select_all, Key.SelectAll))


def _view_menu(w, menu) -> None:
    menu.addAction(_action(w, "add_node", "&Add Layer…", w.show_add_menu, "A"))
    menu.addAction(_action(w, "auto_layout", "Auto-&Layout", w.scene.auto_layout, "Ctrl+L"))
    menu.addSeparator()
    menu.addAction(_action(w, "zoom_in", "Zoom &In", w.view.zoom_in, ["Ctrl++", "Ctrl+="]))
    menu.addAction(_action(w, "zoom_out", "Zoom &Out", w.view.zoom_out, "Ctrl+-"))
    menu.addAction(_action(w, "fit", "&Fit to View", w.view.fit, "F"))
    menu.addSeparator()
    w.view_docks_menu = menu.addMenu("&Panels")
    menu.addAction(_action(w, "reset_layout", "&Reset Panel Layout", w.reset_layout))


def _train_menu(w) -> None:
    menu = w.train_menu
    w._train_separator = menu.addSeparator()
    menu.addAction(_action(w, "load_data", "Re&load Data", w.model.load_data))
    menu.addAction(_action(w, "check", "&Check Network", w.check_network, "Ctrl+B"))


def _help_menu(w, menu) -> None:
    menu.addAction(_action(w, "shortcuts", "&Keyboard Shortcuts", w.show_shortcuts, "F1"))
    menu.addAction(_action(w, "about", "&About bpstudio", w.show_about))


def _toolbar(w) -> None:
    bar = QToolBar("Main toolbar", w)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    for name in ("new", "open", "save", None, "undo", "redo", None, "auto_layout", "fit", None):
        if name is None:
            bar.addSeparator()
        elif name in ("undo", "redo"):
            bar.addAction(_stack_button(w, name))
        else:
            bar.addAction(w.actions[name])
    w.addToolBar(bar)
    w.toolbar = bar


def _stack_button(w, name: str) -> QAction:
    """A toolbar Undo/Redo with a fixed label (the menu's says what it undoes)."""
    stack = w.model.undo_stack
    action = QAction(name.capitalize(), w)
    action.setToolTip(f"{name.capitalize()} ({w.actions[name].shortcut().toString()})")
    action.triggered.connect(stack.undo if name == "undo" else stack.redo)
    signal = stack.canUndoChanged if name == "undo" else stack.canRedoChanged
    signal.connect(action.setEnabled)
    action.setEnabled(False)
    return action


def shortcuts_table(window) -> list[tuple[str, str]]:
    """(action, keys) for the Help -> Keyboard Shortcuts dialog, plus the mouse gestures."""
    rows = []
    every = {**window.actions, **{f"train_{k}": a for k, a in window.train_actions.items()}}
    for name, action in every.items():
        native = QKeySequence.SequenceFormat.NativeText
        keys = ", ".join(s.toString(native) for s in _unique(action.shortcuts()))
        text = name.capitalize() if name in ("undo", "redo") else action.text()
        if keys:
            rows.append((text.replace("&", "").rstrip("…"), keys))
    rows += [
        ("Zoom", "mouse wheel"),
        ("Pan", "middle drag, or Space + drag"),
        ("Connect", "drag from a node's bottom port to another's top port"),
        ("Add a layer", "drag from the Layers panel, or double-click the canvas"),
    ]
    return rows
