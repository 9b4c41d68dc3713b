"""Errors in slots: a BpError is its one line; anything else an internal-error dialog."""

from __future__ import annotations

import sys

from bpstudio.errors import DataError
from bpstudio.ui import errors


def test_guarded_slots_show_errors_and_return(monkeypatch, qtbot):
    shown = []
    monkeypatch.setattr(errors, "show_error", lambda m, d="", parent=None: shown.append((m, d)))

    @errors.guarded
    def bad_input():
        raise DataError("iris.csv: column 'x3' holds infinite values")

    @errors.guarded
    def bug():
        return {}["missing"]

    assert bad_input() is None and bug() is None
    assert shown[0] == ("iris.csv: column 'x3' holds infinite values", "")
    assert shown[1][0] == "Internal error: KeyError: 'missing'"
    assert "Traceback" in shown[1][1]


def test_excepthook_reports_instead_of_printing(monkeypatch, qtbot):
    shown = []
    monkeypatch.setattr(errors, "show_error", lambda m, d="", parent=None: shown.append(m))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook()
    try:
        raise DataError("x.npz: no array named 'y'")
    except DataError as e:
        sys.excepthook(type(e), e, e.__traceback__)
    assert shown == ["x.npz: no array named 'y'"]
