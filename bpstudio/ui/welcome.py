"""First run: Welcome panel, Help > Welcome, View > Theme, tooltips, status messages.

``install_first_run(window)`` adds a "Welcome" dock in the bottom row, tabbed with the
Backprop steps and raised on top of them, so it covers neither the network nor the
plots. It stays until the person presses "Got it" (remembered in QSettings under
``welcome/dismissed``); Help > Welcome brings it back. It names the four steps of
backprop and where each shows in the window, and opens the example gallery.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout

from bpstudio.ui.status import install_status_messages
from bpstudio.ui.theme import add_theme_menu, keep_light
from bpstudio.ui.tips import apply_tips

SETTING = "welcome/dismissed"
DOCK = "welcomeDock"

INTRO = """<h3 style="margin:0 0 4px 0">Welcome to bpstudio</h3>
<p>{what}
Press <b>{train}</b> and watch backpropagation repeat four steps on every batch.</p>
<p>To take one batch slowly, open <b>Backprop steps</b> and press <i>New batch</i>,
then <i>Next ▶</i>: it stops after each step and shows its numbers.<br>
To try another network, open the <b>example gallery</b> (File &gt; Open Example).</p>"""

STEPS = """<ol style="margin:0">
<li><b>Forward</b>: each layer computes its output from its inputs, first to last.</li>
<li><b>Loss</b>: the loss node compares the prediction with the targets.</li>
<li><b>Backward</b>: gradients flow back along every edge, last layer to first; the
edges of the graph show their size while training.</li>
<li><b>Update</b>: the optimiser moves each weight a little against its gradient.</li>
</ol>"""


class WelcomePanel(QFrame):
    """What bpstudio shows, the four steps, and buttons to the gallery and the steps."""

    def __init__(self, window):
        super().__init__()
        self.main = window  # not self.window: that would hide QWidget.window()
        self.setObjectName("welcomePanel")
        self.intro, self.steps = _label(), _label()
        self.steps.setText(STEPS)
        text = QHBoxLayout()
        text.addWidget(self.intro, 1)
        text.addWidget(self.steps, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(text)
        layout.addLayout(self._buttons())
        layout.addStretch(1)
        self.refresh()

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for label, tip, slot in (
            (
                "Example gallery…",
                "Open a built-in example: XOR, circles, iris, digits…",
                self._open_gallery,
            ),
            (
                "Backprop steps",
                "Show the panel that walks one batch through the four steps",
                self._show_steps,
            ),
            ("Got it", "Hide this panel for good; Help > Welcome brings it back", self.dismiss),
        ):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            if label == "Backprop steps":
                row.addStretch(1)
        return row

    def refresh(self) -> None:
        """Fill in the project's name and the key that starts training."""
        start = getattr(self.main, "train_actions", {}).get("start")
        keys = start.shortcut().toString() if start is not None else ""
        train = f"Start ({keys})" if keys else "Start in the Training panel"
        self.intro.setText(INTRO.format(what=self._what_is_open(), train=train))

    def _what_is_open(self) -> str:
        """One sentence on the project shown: an example, a file, or File > New's."""
        project, name = self.main.model.project, self.main.project_display_name()
        if project.path:
            return f"<b>{name}</b> is open."
        if getattr(project, "source", None):
            return (
                f"The <b>{name}</b> example is open: a dataset and a small network, ready to train."
            )
        return (
            "A new project is open: a spiral dataset and a small network, ready to train. "
            "Drag layers from the <b>Layers</b> panel to change it."
        )

    def dismiss(self) -> None:
        QSettings().setValue(SETTING, True)
        dock = self.main.docks.get(DOCK)
        if dock is not None:
            dock.hide()
        self.main.statusBar().showMessage("Welcome hidden: Help > Welcome shows it again", 5000)

    def _open_gallery(self) -> None:
        action = self.main.actions.get("open_example")
        if action is not None:
            action.trigger()

    def _show_steps(self) -> None:
        dock = self.main.docks.get("backpropStepsDock")
        if dock is not None:
            dock.show()
            dock.raise_()


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def show_welcome(window) -> None:
    window.welcome.refresh()
    dock = window.docks[DOCK]
    dock.show()
    dock.raise_()


class _FirstShow(QObject):
    """After the window restored its saved layout, show or hide the panel by the setting."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        window.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Show:
            self.window.removeEventFilter(self)
            # the window restores its layout in a zero-delay timer: run after it
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, self.apply))
        return False

    def apply(self) -> None:
        if QSettings().value(SETTING, False, type=bool):
            self.window.docks[DOCK].hide()
        else:
            show_welcome(self.window)


def install_first_run(window) -> WelcomePanel:
    """What a person meets first: the Welcome panel (shown unless dismissed), Help >
    Welcome, View > Theme, tooltips on every menu and toolbar action, and status-bar
    messages for what just happened."""
    panel = WelcomePanel(window)
    window.welcome = panel
    dock = window.add_dock("Welcome", panel, Qt.DockWidgetArea.BottomDockWidgetArea, DOCK)
    steps = window.docks.get("backpropStepsDock")
    if steps is not None and not steps.isFloating():
        window.tabifyDockWidget(steps, dock)
    _FirstShow(window)
    window.model.projectReplaced.connect(panel.refresh)
    action = QAction("&Welcome", window)
    action.setToolTip("Show the Welcome panel: the four steps of backprop and the examples")
    action.setStatusTip(action.toolTip())
    action.triggered.connect(lambda _=False: show_welcome(window))
    window.actions["welcome"] = action
    help_menu, view_menu = _menu(window, "Help"), _menu(window, "View")
    if help_menu is not None:
        first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertAction(first, action)
    if view_menu is not None:
        add_theme_menu(window, view_menu)
    apply_tips(window)
    install_status_messages(window)
    keep_light(window.view)  # the canvas is light paper in either theme
    return panel


def _menu(window, title: str) -> QMenu | None:
    """The menu bar's menu whose text (without '&') is ``title``."""
    for act in window.menuBar().actions():
        if act.menu() is not None and act.text().replace("&", "") == title:
            return act.menu()
    return None
