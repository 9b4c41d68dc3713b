"""ui/tables.filling: columns fit their contents once the block ends, other modes kept."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from bpstudio.ui.tables import FIT, filling


def test_columns_fit_after_the_block_and_a_stretched_column_stays(qtbot):
    t = QTableWidget(0, 3)
    qtbot.addWidget(t)
    head = t.horizontalHeader()
    head.setSectionResizeMode(FIT)
    head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    t.resize(600, 200)
    t.show()
    with filling(t):
        t.setColumnCount(4)  # a column added inside the block fits too
        t.setRowCount(2)
        for r in range(2):
            for c in range(4):
                t.setItem(r, c, QTableWidgetItem("x" * (5 + 10 * c * r)))
    assert head.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    assert [head.sectionResizeMode(c) for c in (1, 2, 3)] == [FIT] * 3
    qtbot.wait(10)
    assert head.sectionSize(3) >= t.sizeHintForColumn(3)  # the widest text is shown whole
    assert head.sectionSize(3) > head.sectionSize(1)
    assert t.updatesEnabled()


def test_the_table_is_restored_when_the_fill_fails(qtbot):
    t = QTableWidget(1, 1)
    qtbot.addWidget(t)
    t.horizontalHeader().setSectionResizeMode(FIT)
    try:
        with filling(t):
            raise ValueError("bad row")
    except ValueError:
        pass
    assert t.horizontalHeader().sectionResizeMode(0) == FIT and t.updatesEnabled()
