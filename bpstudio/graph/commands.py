"""Undoable edits of a Graph: plain command objects, wrapped by the GUI's undo stack.

Each command checks its edit in ``do`` and raises GraphError (one line a learner can
act on) instead of making the graph worse; ``undo`` restores the graph exactly, node
order and edge order included, so undoing everything gives back the same document.
``do`` may be called again after ``undo`` (redo).
"""

from __future__ import annotations

import copy

from bpstudio.errors import GraphError
from bpstudio.graph.catalogue import OPS, check_param
from bpstudio.graph.document import Graph, Node


class Command:
    """Base: ``text`` names the edit for the undo menu ("Add Dense")."""

    text = ""

    def do(self, graph: Graph) -> None:
        raise NotImplementedError

    def undo(self, graph: Graph) -> None:
        raise NotImplementedError

    def mergeable_with(self, other: Command) -> bool:
        """Whether ``other``, done right after this, can fold into this one undo step."""
        return False

    def merge(self, other: Command) -> None:
        raise NotImplementedError


def _node(graph: Graph, node_id: str) -> Node:
    node = graph.nodes.get(node_id)
    if node is None:
        raise GraphError(f"node '{node_id}' does not exist", node_id)
    return node


class AddNode(Command):
    """Add a node (a copy of ``node``); its id must be new, e.g. from ``graph.new_id``."""

    def __init__(self, node: Node):
        self.node = node.copy()
        self.text = f"Add {node.op}"

    def do(self, graph: Graph) -> None:
        graph.add_node(self.node.copy())

    def undo(self, graph: Graph) -> None:
        graph.remove_node(self.node.id)


class RemoveNode(Command):
    """Remove a node with its edges; undo puts both back in their original positions."""

    def __init__(self, node_id: str):
        self.node_id = node_id
        self.text = f"Delete {node_id}"
        self._saved = None

    def do(self, graph: Graph) -> None:
        self._saved = graph.remove_node(self.node_id)

    def undo(self, graph: Graph) -> None:
        node, index, edges = self._saved
        graph.add_node(node, index)
        for i, edge in edges:  # ascending indices: each lands where it was
            graph.edges.insert(i, edge)


class Connect(Command):
    """Add the edge ``src -> dst`` as ``dst``'s last input."""

    def __init__(self, src: str, dst: str):
        self.src, self.dst = src, dst
        self.text = f"Connect {src} to {dst}"

    def do(self, graph: Graph) -> None:
        check_connect(graph, self.src, self.dst)
        graph.edges.append((self.src, self.dst))

    def undo(self, graph: Graph) -> None:
        i = len(graph.edges) - 1 - graph.edges[::-1].index((self.src, self.dst))
        del graph.edges[i]


def check_connect(graph: Graph, src: str, dst: str) -> None:
    """Raise GraphError saying why ``src -> dst`` cannot be added (the GUI asks first)."""
    src_op, dst_op = _node(graph, src).op, _node(graph, dst).op
    if src == dst:
        raise GraphError(f"node '{src}': cannot connect a node to itself", src)
    if (src, dst) in graph.edges:
        raise GraphError(f"node '{dst}': already takes input from '{src}'", dst)
    _check_ops(graph, src, src_op, dst, dst_op)
    if src in graph.descendants(dst):
        raise GraphError(
            f"node '{dst}': connecting '{src}' to it would make a cycle "
            f"('{dst}' already feeds '{src}')",
            dst,
        )


def _check_ops(graph: Graph, src: str, src_op: str, dst: str, dst_op: str) -> None:
    """What the two ops allow: a loss feeds nothing, an Input takes nothing, and a
    one-input op takes one. Unknown ops (from a broken file) are not judged here."""
    src_spec, dst_spec = OPS.get(src_op), OPS.get(dst_op)
    if src_spec is not None and src_spec.is_loss:
        raise GraphError(
            f"node '{src}': a loss is the end of the network; nothing takes its output", src
        )
    if dst_spec is None or dst_spec.n_inputs is None:
        return
    if dst_spec.n_inputs == 0:
        raise GraphError(f"node '{dst}': {dst_op} takes no inputs", dst)
    if len(graph.inputs_of(dst)) >= dst_spec.n_inputs:
        raise GraphError(
            f"node '{dst}': {dst_op} takes 1 input and already has one; disconnect it first",
            dst,
        )


class Disconnect(Command):
    """Remove the edge ``src -> dst``; undo puts it back at the same input position."""

    def __init__(self, src: str, dst: str):
        self.src, self.dst = src, dst
        self.text = f"Disconnect {src} from {dst}"
        self._index = None

    def do(self, graph: Graph) -> None:
        try:
            self._index = graph.edges.index((self.src, self.dst))
        except ValueError:
            raise GraphError(
                f"node '{self.dst}': there is no edge from '{self.src}'", self.dst
            ) from None
        del graph.edges[self._index]

    def undo(self, graph: Graph) -> None:
        graph.edges.insert(self._index, (self.src, self.dst))


class SetParam(Command):
    """Set ``node.params[name] = value``; ``value=None`` removes it (back to the default).

    Refuses a value the catalogue does not allow, with the catalogue's explanation.
    """

    def __init__(self, node_id: str, name: str, value):
        # Tuples become lists: the document holds params in their JSON form.
        value = list(value) if isinstance(value, tuple) else copy.deepcopy(value)
        self.node_id, self.name, self.value = node_id, name, value
        self.text = f"Set {node_id}.{name}"
        self._old: dict | None = None

    def do(self, graph: Graph) -> None:
        node = _node(graph, self.node_id)
        problem = check_param(node.op, self.name, self.value)
        if problem:
            raise GraphError(f"node '{self.node_id}': {problem}", self.node_id)
        # The whole dict is kept so undo restores the key order of the file as well.
        self._old = copy.deepcopy(node.params)
        new = dict(node.params)
        if self.value is None:
            new.pop(self.name, None)
        else:
            new[self.name] = copy.deepcopy(self.value)
        node.params = new

    def undo(self, graph: Graph) -> None:
        _node(graph, self.node_id).params = copy.deepcopy(self._old)


class MoveNode(Command):
    """Move a node on the canvas. Consecutive moves of one node merge into one step."""

    def __init__(self, node_id: str, new_pos, old_pos=None):
        self.node_id = node_id
        self.new_pos = (float(new_pos[0]), float(new_pos[1]))
        self.old_pos = None if old_pos is None else (float(old_pos[0]), float(old_pos[1]))
        self.text = f"Move {node_id}"

    def do(self, graph: Graph) -> None:
        node = _node(graph, self.node_id)
        if self.old_pos is None:
            self.old_pos = tuple(node.pos)
        node.pos = self.new_pos

    def undo(self, graph: Graph) -> None:
        _node(graph, self.node_id).pos = self.old_pos

    def mergeable_with(self, other: Command) -> bool:
        return isinstance(other, MoveNode) and other.node_id == self.node_id

    def merge(self, other: Command) -> None:
        self.new_pos = other.new_pos


class Macro(Command):
    """Several commands as one undo step (paste, delete selection). All or nothing."""

    def __init__(self, commands: list[Command], text: str = ""):
        self.commands = list(commands)
        self.text = text or "; ".join(c.text for c in self.commands)

    def do(self, graph: Graph) -> None:
        done = []
        try:
            for c in self.commands:
                c.do(graph)
                done.append(c)
        except Exception:
            for c in reversed(done):
                c.undo(graph)
            raise

    def undo(self, graph: Graph) -> None:
        for c in reversed(self.commands):
            c.undo(graph)


def delete_selection(graph: Graph, node_ids, edges=()) -> Macro:
    """A Macro removing the given edges and nodes (each node takes its edges with it)."""
    nodes = [i for i in graph.nodes if i in set(node_ids)]
    gone = set(nodes)
    cmds: list[Command] = [Disconnect(s, d) for s, d in edges if s not in gone and d not in gone]
    cmds += [RemoveNode(i) for i in nodes]
    return Macro(cmds, f"Delete {len(nodes)} nodes" if len(nodes) > 1 else "")


def paste(graph: Graph, nodes: list[Node], edges, offset=(40.0, 40.0)) -> Macro:
    """A Macro adding copies of ``nodes`` (fresh ids, shifted by ``offset``) and the
    ``edges`` among them."""
    scratch = Graph(list(graph.nodes.values()))
    rename, cmds = {}, []
    for n in nodes:
        new = Node(scratch.new_id(n.op), n.op, copy.deepcopy(n.params))
        new.pos = (n.pos[0] + offset[0], n.pos[1] + offset[1])
        scratch.add_node(new)
        rename[n.id] = new.id
        cmds.append(AddNode(new))
    cmds += [Connect(rename[s], rename[d]) for s, d in edges if s in rename and d in rename]
    return Macro(cmds, f"Paste {len(nodes)} nodes")
