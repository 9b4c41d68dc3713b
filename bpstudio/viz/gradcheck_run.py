"""The engine's gradient check on a float64 copy of the session's network, for the app.

``engine.gradcheck.gradcheck_network`` compares backward's gradients with central
differences; this runs it on a copy (the live network may be training), on the first
``samples`` training rows, with progress, cancel and a per-tensor report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.engine.gradcheck import gradcheck_network
from bpstudio.errors import BpError
from bpstudio.viz.netcopy import network_copy, targets_for

THRESHOLD = 1e-6  # a correct float64 layer scores around 1e-9 (engine/gradcheck.py)
# The step of the central differences. Not the engine's 1e-6: rounding leaves each
# numerical entry ~1e-16 * loss / eps off, which swamps the tiny gradients of a
# vanishing-gradient network (deep_sigmoid: 1.7e-6 at 1e-6, 1.7e-7 at 1e-5), while a
# larger step straddles ReLU kinks (deep_relu: 5e-10 at 1e-5, 6.5e-3 at 1e-4).
EPS = 1e-5


class GradcheckCancelled(BpError):
    """The person cancelled the gradient check."""


@dataclass(frozen=True)
class TensorCheck:
    name: str  # "<node>.<param>"
    shape: tuple[int, ...]
    checked: int  # entries compared by finite differences
    grad_norm: float  # L2 norm of the analytic gradient (all entries)
    error: float  # relative error ||a - n|| / max(||a||, ||n||, floor)

    @property
    def passed(self) -> bool:
        return self.error < THRESHOLD


@dataclass(frozen=True)
class GradcheckReport:
    rows: tuple[TensorCheck, ...]
    samples: int
    eps: float = EPS

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def checked(self) -> int:
        return sum(r.checked for r in self.rows)

    @property
    def total(self) -> int:
        return sum(int(np.prod(r.shape)) for r in self.rows)

    @property
    def verdict(self) -> str:
        """One line: PASSED or FAILED, the worst tensor, what was checked."""
        if not self.rows:
            return "Nothing to check: the network has no trainable parameters."
        worst = max(self.rows, key=lambda r: r.error)
        what = (f"{self.checked} of {self.total} entries in {len(self.rows)} tensors, "
                f"{self.samples} samples, eps {self.eps:g}, float64")  # fmt: skip
        if self.passed:
            return f"PASSED: worst relative error {worst.error:.2e} ({worst.name}); {what}"
        bad = sum(not r.passed for r in self.rows)
        return (f"FAILED: {bad} tensor(s) above {THRESHOLD:g}, worst {worst.name} "
                f"{worst.error:.2e}; {what}")  # fmt: skip


def run_gradcheck(
    session,
    samples: int = 8,
    max_entries: int | None = 64,
    eps: float = EPS,
    progress=None,
    cancel=None,
) -> GradcheckReport:
    """Check every parameter tensor of a float64 copy of ``session``'s network.

    ``max_entries`` samples that many entries per tensor (None: all of them);
    ``progress(done, total)`` counts loss evaluations; ``cancel()`` returning true
    raises GradcheckCancelled at the next one.
    """
    ds = session.dataset
    if ds is None or len(ds.x_train) == 0:
        raise BpError("the gradient check needs training data: load the data first")
    net = network_copy(session, np, np.float64)
    n = max(1, min(int(samples), len(ds.x_train)))
    x = np.asarray(ds.x_train[:n], dtype=np.float64)
    y = targets_for(session, ds.y_train[:n], np.float64)
    params = net.named_params()
    counts = {k: p.size if max_entries is None else min(p.size, max_entries)
              for k, p in params.items()}  # fmt: skip
    norms = _grad_norms(net, x, y)
    _watch(net, 1 + 2 * sum(counts.values()), progress, cancel)
    errors = gradcheck_network(net, x, y, eps=eps, max_entries=max_entries)
    rows = tuple(TensorCheck(k, tuple(params[k].shape), counts[k], norms[k], float(e))
                 for k, e in errors.items())  # fmt: skip
    return GradcheckReport(rows, n, eps)


def _grad_norms(net, x, y) -> dict[str, float]:
    """{param: ||d loss / d param||} on (x, y): tiny ones explain noisy checks."""
    net.loss(x, y)
    net.backward()
    return {k: float(np.linalg.norm(g)) for k, g in net.named_grads().items()}


def _watch(net, total: int, progress, cancel) -> None:
    """Wrap ``net.loss`` (gradcheck evaluates it 1 + 2 per entry times) to report
    progress and honour cancel; gradcheck_network restores the network's state on the
    way out, and this copy is thrown away afterwards."""
    loss = net.loss
    done = [0]

    def counted(x, y):
        if cancel is not None and cancel():
            raise GradcheckCancelled("gradient check cancelled")
        done[0] += 1
        if progress is not None and (done[0] % 16 == 0 or done[0] == total):
            progress(done[0], total)
        return loss(x, y)

    net.loss = counted
