"""User-facing errors: one line that names the file or node and the problem.

The command line turns any ``BpError`` into exit status 2 and prints ``str(err)``;
the GUI shows it in a message box. Any other exception is a bug.
"""


class BpError(Exception):
    """A refusal the user can act on (bad file, invalid graph, unusable device)."""


class DataError(BpError):
    """A dataset file or folder cannot be used."""


class GraphError(BpError):
    """The network graph is invalid; ``node_id`` names the node when there is one."""

    def __init__(self, message: str, node_id: str | None = None):
        super().__init__(message)
        self.node_id = node_id


class ProjectError(BpError):
    """A project file cannot be read or written."""


class WeightsError(BpError):
    """A weights file is corrupt, unsafe or does not fit the network."""


class ShapeError(GraphError):
    """Input shapes that a layer cannot accept."""
