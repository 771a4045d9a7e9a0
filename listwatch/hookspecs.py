"""The hooks a listwatch plugin can implement. These docstrings are the reference;
docs/plugins.md is the guide, kept in step by tests/test_docs.py.

A plugin is a module (or object) with functions marked ``@listwatch.hookimpl``,
made known through the ``listwatch`` entry-point group::

    [project.entry-points.listwatch]
    listwatch_example = "listwatch_example"
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

hookspec = pluggy.HookspecMarker("listwatch")


@hookspec
def register_sources(register: Callable[[object], None]) -> None:
    """Register the list sources this plugin provides.

    Call ``register(source)`` once per source. ``source`` is an instance of
    :class:`listwatch.Source` (or anything with the same attributes):

    - ``name``: lowercase slug, unique across installed plugins (``"ustr-nml"``). A name
      two packages register is ambiguous: the other sources still work, and users pick
      one as ``PACKAGE:NAME``. An invalid name or options schema skips that source.
    - ``title``: one line shown by ``listwatch sources``.
    - ``options_schema``: JSON Schema (a dict) for the watch's ``options``; the core
      validates options against it before calling ``fetch``.
    - ``default_report``: which kinds of change are news by default
      (``("added", "removed", "renamed", "changed")``; a feed uses ``("added",)``).
    - ``deterministic``: ``True`` when the snapshot depends only on the fetched bytes
      and the options, so ``check`` may skip parsing an unchanged document; or a
      method ``deterministic(options) -> bool``. Default ``False``.
    - ``fetch(location, options, ctx) -> Draft``: read ``location`` through
      ``ctx.get(url_or_path)`` (a deadline for the whole download, size cap,
      conditional GET and the document's sha256 come for free) and return a
      :class:`listwatch.Draft` with the list metadata and entries. A link found in a
      fetched document goes through ``ctx.get(link, found_in=doc)``, which follows
      only http(s) links out of a remote document. The core normalises text, fills
      ``source.plugin``/``plugin_version``/``sha256``/``retrieved_at``, validates
      the snapshot and sorts entries.
    - ``reads(options) -> list[str]`` (optional): the names of other watches whose
      snapshots ``fetch`` reads through ``ctx.latest(name)`` (the feed's
      ``mentions_of``). ``check`` settles those first, in the same run, and
      ``ctx.latest`` returns the snapshot they got in it; a name that is not a
      configured watch, or a circle of reads, is a configuration error (exit 2).
    - ``editions(location, options, ctx) -> list[(edition, location)]`` (optional):
      every edition a location offers (an index page's reports), for
      ``listwatch import WATCH --all-editions``.

    Raise :class:`listwatch.SourceError` for bad input, with one line that says
    what is wrong; never let a traceback reach the user. Test a source with
    :mod:`listwatch.testing` (``run_source``, the ``listwatch_http`` fixture).

    When the document parses but the result disagrees with itself (its table of
    contents names markets the body lacks, the counts it states differ from what
    was found, a heading is not words), put one line per failed self-check in
    ``Draft.doubts``: the core holds such a snapshot back like a guard refusal
    (:class:`listwatch.errors.HeldBack`, exit 3, nothing stored or sent) unless the
    watch sets ``strict = false``, when the doubts become warnings. Oddities that do
    not mean "this parse is wrong" go in ``Draft.warnings``.

    Called once per run, the first time a command needs the installed sources
    (never for ``--help``). Added in 0.1.

    Example::

        import listwatch

        class Countries(listwatch.Source):
            name = "countries"
            title = "One country per line of a text file"

            def fetch(self, location, options, ctx):
                text = ctx.get(location).text()
                names = [line.strip() for line in text.splitlines() if line.strip()]
                return listwatch.Draft(
                    list={"id": "countries"},
                    entries=[{"id": listwatch.slug(n), "name": n} for n in names],
                )

        @listwatch.hookimpl
        def register_sources(register):
            register(Countries())
    """
