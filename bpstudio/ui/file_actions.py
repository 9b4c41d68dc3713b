"""The File, Edit and Help actions of the main window (a mixin of MainWindow).

Opening replaces the Session shown by the window's ProjectModel; saving writes the
project atomically (graph.project) and marks the undo stack clean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox

from bpstudio.errors import BpError
from bpstudio.graph.compile import compile_graph
from bpstudio.graph.document import Graph, Node
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.ui import dialogs, projects

NEW_DATA = {
    "source": "synthetic",
    "name": "spiral",
    "samples": 300,
    "noise": 0.1,
    "seed": 0,
    "validation": 0.2,
}


def new_project() -> Project:
    """A small working network on the spiral set: Input -> Dense -> ReLU -> Dense -> loss."""
    nodes = [
        Node("x", "Input", {}, (0.0, 0.0)),
        Node("fc1", "Dense", {"units": 16}, (0.0, 110.0)),
        Node("act1", "ReLU", {}, (0.0, 220.0)),
        Node("fc2", "Dense", {"units": 2}, (0.0, 330.0)),  # the spiral's 2 classes
        Node("loss", "CrossEntropyLoss", {}, (0.0, 440.0)),
    ]
    edges = [("x", "fc1"), ("fc1", "act1"), ("act1", "fc2"), ("fc2", "loss")]
    return Project(Graph(nodes, edges), dict(NEW_DATA))


# Export before any training wrote the random initial weights with no word of it.
UNTRAINED_NOTE = ": untrained, the initial weights the seed draws (train first)"


def untrained(session) -> bool:
    """Whether the session's network still holds the weights its seed draws: nothing
    (a run, a step-through update) has trained it. Compares with a fresh numpy build."""
    live = session.network
    if live is None or session.dataset is None:
        return False
    shape = session.input_shape()
    fresh = compile_graph(session.project.graph, shape, xp=np, dtype=np.float32)
    fresh.build(shape, np.random.default_rng(int(session.project.training.get("seed", 0))))
    now, first = live.state_dict(), fresh.state_dict()
    return now.keys() == first.keys() and all(np.array_equal(now[k], first[k]) for k in now)


class FileActions:
    # ------------------------------------------------------------- opening
    def new_project(self) -> None:
        if self.maybe_save():
            self.show_session(Session(new_project()))

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path = dialogs.open_file(self, "Open project", str(self.start_folder()))
        if path:
            self.open_project(path, ask=False)

    def open_project(self, path, ask: bool = True) -> None:
        """Open a project file; a BpError leaves the current project as it was."""
        if ask and not self.maybe_save():
            return
        try:
            session = Session.open(path)
        except BpError:
            projects.forget_recent(path)
            raise
        projects.add_recent(path)
        self.show_session(session)

    def open_example_dialog(self) -> None:
        from bpstudio.ui.examples_dialog import ExampleGallery

        gallery = ExampleGallery(self)
        if gallery.exec() == QDialog.DialogCode.Accepted and gallery.chosen():
            self.open_example(gallery.chosen())

    def open_example(self, name: str, ask: bool = True) -> None:
        if ask and not self.maybe_save():
            return
        self.show_session(Session.open_example(name))

    def show_session(self, session: Session, restored: bool = False) -> None:
        self.model.replace_session(session, restored)
        self.model.load_data()

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = projects.recent_files()
        for path in files:
            act = menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda checked=False, p=path: self._open_guarded(p))
        if not files:
            menu.addAction("No recent projects").setEnabled(False)

    def _open_guarded(self, path: str) -> None:
        from bpstudio.ui.errors import guarded

        guarded(self.open_project)(path)

    # -------------------------------------------------------------- saving
    def start_folder(self) -> Path:
        """Where file dialogs start: the project's folder, else the last one used (an
        example or a new project has no folder of its own)."""
        path = self.model.project.path
        return Path(path).parent if path else projects.last_folder()

    def save(self) -> bool:
        if self.model.project.path is None:
            return self.save_as()
        self.model.session.save()
        self._saved()
        return True

    def save_as(self) -> bool:
        name = f"{self.project_display_name()}.bpstudio"
        start = self.model.project.path or self.start_folder() / name
        path = dialogs.save_file(self, "Save project as", str(start))
        if not path:
            return False
        if not path.endswith(".bpstudio"):
            path += ".bpstudio"
        self._pin_data_path()
        self.model.session.save(path)
        self._saved()
        return True

    def _pin_data_path(self) -> None:
        """An example (never saved) finds its data beside its own file; make that path
        absolute so the copy saved elsewhere still finds it (saving rebases relative
        paths from the project's own folder, which an example does not have yet)."""
        project, data = self.model.project, self.model.project.data
        rel = data.get("path") if isinstance(data, dict) else None
        if project.path is None and isinstance(rel, str) and not Path(rel).is_absolute():
            data["path"] = str((self.model.session.base_dir / rel).resolve())

    def _saved(self) -> None:
        self.model.mark_saved()
        projects.add_recent(self.model.project.path)
        self.recovery.clear()
        self.statusBar().showMessage(f"Saved {self.model.project.path}", 4000)

    def maybe_save(self) -> bool:
        """True when the current project may be closed (saved, discarded or untouched)."""
        if not self.model.is_modified():
            return True
        answer = dialogs.ask_save_changes(self, self.project_display_name())
        if answer == "save":
            try:
                return self.save()
            except BpError as e:
                from bpstudio.ui.errors import show_error

                show_error(str(e))
                return False
        return answer == "discard"

    def offer_recovery(self) -> None:
        """After a crash: offer the autosaved project (kept until a clean close)."""
        if not self.recovery.pending():
            return
        if dialogs.ask_yes_no(
            self,
            "Restore unsaved work?",
            "bpstudio did not close properly last time. Restore the project as it was "
            "at the last autosave?",
        ):
            self.show_session(Session(self.recovery.restore()), restored=True)
        else:
            self.recovery.discard_orphans()

    def export(self, fmt: str) -> None:
        from bpstudio.io.export import FORMATS, export_session

        session = self.model.session
        if session.network is None or session.network_stale:
            if session.dataset is None:
                raise BpError("load the data first: export needs a network built for it")
            session.build_network()
        start = self.start_folder() / f"{self.project_display_name()}{FORMATS[fmt]}"
        path = dialogs.save_file(self, f"Export {fmt}", str(start), f"*{FORMATS[fmt]}")
        if path:
            projects.remember_folder(path)
            written = export_session(session, fmt, path)
            note = UNTRAINED_NOTE if untrained(session) else ""
            self.statusBar().showMessage("Wrote " + ", ".join(map(str, written)) + note, 8000)

    # ---------------------------------------------------------------- edit
    def copy(self) -> None:
        if self.scene.selected_node_ids():
            QGuiApplication.clipboard().setText(self.scene.copy_selection())

    def cut(self) -> None:
        self.copy()
        self.scene.delete_selection()

    def paste(self) -> None:
        self.scene.paste(QGuiApplication.clipboard().text())

    # --------------------------------------------------------------- train
    def check_network(self) -> None:
        """Compile the graph for the loaded data: a BpError names what does not fit."""
        session = self.model.session
        if session.dataset is None:
            raise BpError("no data loaded yet: choose a dataset in the Dataset panel")
        net = session.build_network()
        n = sum(int(p.size) for p in net.named_params().values())
        self.statusBar().showMessage(f"The network compiles: {n:,} trainable parameters", 6000)

    # ---------------------------------------------------------------- help
    def show_shortcuts(self) -> None:
        from bpstudio.ui.menus import shortcuts_table

        rows = "".join(
            f"<tr><td>{a}</td><td><b>{k}</b></td></tr>" for a, k in shortcuts_table(self)
        )
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table cellspacing=4>{rows}</table>")
        box.exec()

    def show_about(self) -> None:
        from bpstudio import __version__

        QMessageBox.about(
            self,
            "About bpstudio",
            f"<b>bpstudio {__version__}</b><p>A desktop playground for backpropagation: "
            "draw a network, load data, and watch the forward pass, the loss, the "
            "backward pass and the weight update happen.</p>",
        )
