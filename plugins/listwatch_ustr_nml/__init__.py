"""Built-in source ``ustr-nml``: the USTR *Review of Notorious Markets for Counterfeiting and
Piracy* (and its 2016–2018 title, *Out-of-Cycle Review of Notorious Markets*) as a snapshot.

LOCATION is a report PDF (local path, ``file://`` or http(s) URL) or an HTML page linking to
reports (USTR's notorious-markets page, a mirror, a local file). From a page, links whose text
or URL mention "Notorious Markets" or "Out-of-Cycle Review" are report links (comment
requests, fact sheets and press releases are not); each one's edition is the year written
before the title words, not a folder year (``…/Releases/2026/2025 Notorious Markets
List.pdf`` is the 2025 edition). The newest is taken, or ``-O edition=YYYY``.

Entry ids are stable across editions:

- ``online/<slug(heading without parenthesised parts)>``: ``1337x`` and ``1337X`` →
  ``online/1337x``; ``AMAZON’S``/``AMAZON'S`` → ``online/amazons-foreign-domains``;
  ``VKONTAKTE (VK.COM)`` → ``online/vkontakte``. Digits are never stripped (``TORRENTZ2``).
- ``physical/<slug(country)>/<slug(market name)>`` where the market name is the heading
  before its first comma, without parentheses: ``Anfu Market, Putian, Fujian Province`` under
  CHINA → ``physical/china/anfu-market``, so a changed city or province wording keeps the id.
  Two markets of one name in one country both fall back to the whole heading's slug.

``name`` is the heading as printed (wrapped lines joined, footnote markers removed);
``aliases`` come from ``D/B/A …`` and parenthesised names; ``urls`` are the domains the
heading and the entry's prose name (lowercase, no scheme, no ``www.``, footnote digits glued
to a TLD removed; footnotes excluded; a domain named in several entries' prose belongs to
none). A re-headed market that keeps its domain (``PRIVATE LAYER-HOSTED SITES`` →
``PRIVATE LAYER``) therefore diffs as *renamed*. Physical entries carry ``country`` (the
country heading, title-cased) and no urls. ``attributes`` stay empty.

``provenance.page`` is the 1-based PDF page index of the heading (what a viewer opens with
``#page=N``), not the printed page number; ``provenance.section`` is ``online`` or
``physical``.

Where the table of contents lists markets (2019 on: every online heading and the physical
countries), it is cross-checked with the body: a TOC row without a body heading is still
listed, but that and a body heading missing from the TOC are *doubts* (``Draft.doubts``: the
snapshot is held back unless the watch sets ``strict = false``); a TOC page number that
disagrees with the printed page the heading is on is a warning. Counts stated in the report
("… 39 online markets and 33 physical markets") that differ from what was found, headings
that are not words and damaged compressed streams are doubts too (checks.py says which).

Documents are parsed in a child process with memory and CPU limits (isolate.py): a hostile
PDF fails its own watch with one line.
"""

from __future__ import annotations

import listwatch

from .source import NotoriousMarkets

__all__ = ["NotoriousMarkets"]


@listwatch.hookimpl
def register_sources(register):
    register(NotoriousMarkets())
