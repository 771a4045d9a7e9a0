"""Built-in source ``feed``: RSS 0.9x/1.0/2.0 and Atom feeds, one entry per item.

New items are the news (``report = ["added"]`` by default); ``mentions_of`` links each
item to the entries of another watch it names. The work is in :mod:`.source`, imported
only when sources are registered, so loading this entry point stays cheap.
"""

from __future__ import annotations

import listwatch


@listwatch.hookimpl
def register_sources(register):
    from .source import Feed

    register(Feed())
