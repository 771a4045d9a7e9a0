"""Built-in source ``feed``: RSS 0.9x/1.0/2.0 and Atom feeds, one entry per item.

New items are the news (``report = ["added"]`` by default); ``mentions_of`` links each
item to the entries of another watch it names. Registering the source costs nothing:
the parsing module (:mod:`.source`, its regexes and imports, ~20 ms) loads on the
first fetch, because plugins are loaded on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import listwatch

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}


class FeedInfo(listwatch.Source):
    """What the feed source is and takes; the work is in :class:`.source.Feed`."""

    name = "feed"
    title = "An RSS (0.9x, 1.0, 2.0) or Atom feed: one entry per item, new items are news"
    default_report = ("added",)
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "keywords": dict(_STRINGS, description=(
                "keep only items whose title or text contains any of these "
                "(case-insensitive)")),
            "exclude": dict(_STRINGS, description=(
                "drop items whose title or text contains any of these (case-insensitive)")),
            "max_age_days": {"type": "number", "exclusiveMinimum": 0, "description": (
                "drop items published longer ago than this (undated items are kept)")},
            "mentions_of": {"type": "string", "minLength": 1, "description": (
                "a watch name: link each item to the entries of that watch's latest "
                "snapshot it names (attributes.mentions: their ids; attributes.mentioned: "
                "their names)")},
        },
    }

    #: The clock, replaceable in tests.
    now = staticmethod(lambda: datetime.now(UTC))

    @staticmethod
    def reads(options) -> list[str]:
        """The watch named by ``mentions_of``: settled first, in the same run."""
        return [options["mentions_of"]] if options.get("mentions_of") else []

    @staticmethod
    def deterministic(options) -> bool:
        """Without an age limit or mentions, the items depend only on the feed's bytes."""
        return options.get("max_age_days") is None and not options.get("mentions_of")


class LazyFeed(FeedInfo):
    """Registered in place of :class:`.source.Feed`; loads it on the first fetch."""

    def fetch(self, location, options, ctx):
        from .source import Feed

        feed = Feed()
        feed.now = self.now
        return feed.fetch(location, options, ctx)


@listwatch.hookimpl
def register_sources(register):
    register(LazyFeed())
