"""A small HTML reader for the report tests: elements by tag, their text and attributes."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag = tag
        self.attrs = attrs
        self.text = ""

    @property
    def alpha(self) -> float:
        """The alpha of the element's rgba background (the highlight strength)."""
        m = re.search(r"rgba\(\d+,\d+,\d+,([0-9.]+)\)", self.attrs.get("style") or "")
        return float(m.group(1)) if m else 0.0


class Page(HTMLParser):
    """Collects every element with the text inside it (including nested text)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in ("meta", "br", "link", "img", "input"):
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(attrs[k] in (e.attrs.get(k) or "").split() for k in attrs)
        ]
