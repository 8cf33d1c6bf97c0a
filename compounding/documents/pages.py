"""A canvas that numbers pages "page x of y" and repeats a footer on every page."""

from __future__ import annotations

from typing import Any

from reportlab.pdfgen import canvas

from .fallback import font_for
from .fonts import register


def numbered_canvas(footer: str, margin: float) -> type[canvas.Canvas]:
    """A canvas class whose pages end with ``footer`` and "page x of y" (text, not markup)."""
    regular, _ = register()

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = regular
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.setFont(font_for(footer, regular), 7.5)
                self.drawString(margin, margin / 2, footer)
                self.drawRightString(width - margin, margin / 2, f"page {number} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas
