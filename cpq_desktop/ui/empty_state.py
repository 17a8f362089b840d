"""A tab's honest empty state: what the tab is for and what it will hold, without pretend controls."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

CONTENT_WIDTH = 640


def _wrapped(text: str, *, object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if object_name:
        label.setObjectName(object_name)
    return label


class EmptyState(QWidget):
    """Title, one-line purpose, a "not built yet" badge, the planned features and optional facts."""

    def __init__(
        self,
        title: str,
        purpose: str,
        planned: Sequence[str],
        *,
        note: str = "",
        facts: Sequence[tuple[str, str]] = (),
        facts_title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        column = QWidget()
        column.setMaximumWidth(CONTENT_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        heading = QLabel(title)
        heading.setObjectName("emptyStateTitle")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)

        lead = _wrapped(purpose, object_name="emptyStatePurpose")
        lead_font = QFont(lead.font())
        lead_font.setPointSizeF(lead_font.pointSizeF() * 1.15)
        lead.setFont(lead_font)
        layout.addWidget(lead)

        badge = QLabel("Not built yet in this version")
        badge.setObjectName("emptyStateBadge")
        badge.setStyleSheet(
            "#emptyStateBadge { border: 1px solid palette(mid); border-radius: 9px; padding: 2px 10px;"
            " color: palette(placeholder-text); }"
        )
        badge_row = QHBoxLayout()
        badge_row.addWidget(badge)
        badge_row.addStretch(1)
        layout.addLayout(badge_row)
        layout.addSpacing(6)

        layout.addWidget(_wrapped("This tab will let you:"))
        for item in planned:
            row = QHBoxLayout()
            row.setSpacing(8)
            bullet = QLabel("•")
            bullet.setAlignment(Qt.AlignmentFlag.AlignTop)
            row.addWidget(bullet)
            row.addWidget(_wrapped(item, object_name="emptyStateItem"), 1)
            layout.addLayout(row)

        if note:
            layout.addSpacing(6)
            note_label = _wrapped(note, object_name="emptyStateNote")
            note_label.setStyleSheet("color: palette(placeholder-text);")
            layout.addWidget(note_label)

        if facts:
            layout.addSpacing(12)
            layout.addWidget(self._facts_box(facts_title, facts))

        outer = QVBoxLayout(self)
        # Anchored at a fixed height (not centred vertically) so headings line up when switching tabs.
        outer.setContentsMargins(32, 72, 32, 24)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(column, 100)
        centred.addStretch(1)
        outer.addLayout(centred)
        outer.addStretch(1)

    @staticmethod
    def _facts_box(title: str, facts: Sequence[tuple[str, str]]) -> QFrame:
        box = QFrame()
        box.setObjectName("emptyStateFacts")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        form = QFormLayout(box)
        form.setContentsMargins(14, 12, 14, 12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        if title:
            heading = QLabel(title)
            bold = QFont(heading.font())
            bold.setBold(True)
            heading.setFont(bold)
            form.addRow(heading)
        for name, value in facts:
            value_label = QLabel(value)
            value_label.setTextFormat(Qt.TextFormat.PlainText)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", value_label)
        return box
