"""A problem found in a graph: which node, what is wrong, how bad."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """``node_id`` is None for problems of the whole graph ("no loss node").

    ``severity`` is "error" (the graph cannot compile) or "warning" (it compiles, but
    probably not as the learner meant, e.g. a node that does not reach the loss).
    """

    node_id: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"node '{self.node_id}': {self.message}" if self.node_id else self.message

    @property
    def is_error(self) -> bool:
        return self.severity == "error"
