"""A complete listwatch source plugin: one entry per non-blank line of a text file.

This folder is the template for your own source: copy it, rename the package, the
module and the source, and implement ``fetch`` (docs/plugins.md in listwatch's
repository is the guide). Install it next to listwatch (``pip install -e .``) and it
shows in ``listwatch sources``; try it with ``listwatch fetch example-lines names.txt``.
"""

from __future__ import annotations

import listwatch


class Lines(listwatch.Source):
    # A lowercase slug, unique among installed sources: name yours after your list.
    name = "example-lines"
    title = "One entry per non-blank line of a text file (the example plugin)"
    # The snapshot depends only on the file's bytes and the options, so `check` may skip
    # parsing a document identical to last time's.
    deterministic = True
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "list_id": {"type": "string", "minLength": 1, "default": "example-lines",
                        "description": "the list's id"},
            "comment": {"type": "string", "minLength": 1, "maxLength": 1, "default": "#",
                        "description": "lines starting with this are skipped"},
        },
    }

    def fetch(self, location, options, ctx):
        # ctx.get reads a local path or an http(s) URL with a timeout and a size cap.
        # listwatch validated the options and filled in the schema's defaults.
        text = ctx.get(location).text()
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            name = line.strip()
            if not name or name.startswith(options["comment"]):
                continue
            # The id must be the same for the same line in every run and every edition.
            entries.append({"id": listwatch.slug(name), "name": name,
                            "provenance": {"line": number}})
        if not entries:
            # One clear line; listwatch adds the watch name and exits 3.
            raise listwatch.SourceError(f"{location}: no entries (is it the right file?)")
        return listwatch.Draft(list={"id": options["list_id"]}, entries=entries)


@listwatch.hookimpl
def register_sources(register):
    register(Lines())
