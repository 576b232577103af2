"""Helpers for the tests of pages in Traditional Chinese (returns, evidence, exits)."""

from __future__ import annotations

import re

ZH = "?lang=zh-Hant"
# Every area is translated now: no English of another area is allowed.
ELSEWHERE: tuple[str, ...] = ()


def main(html: str) -> str:
    """The page's own content: what is inside ``<main>``, without the navigation bar and the
    use case's breadcrumb (templates/usecases/_header.html)."""
    body = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return re.sub(r'<nav aria-label="[^"]*">.*?</nav>', "", body, count=1, flags=re.S)


def section(html: str, id_: str) -> str:
    """One ``<section id=…>`` of a page."""
    start = html.index(f'<section id="{id_}"')
    return html[start : html.index("</section>", start)]
