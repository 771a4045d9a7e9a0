"""A complete listwatch source plugin: one entry per non-blank line of a text file.

Copy this folder, rename the module and the source, and implement ``fetch``.
Install it next to listwatch (``pip install -e .``) and it shows in
``listwatch sources``; try it with ``listwatch fetch lines names.txt``.
"""

from __future__ import annotations

import listwatch


class Lines(listwatch.Source):
    name = "lines"
    title = "One entry per non-blank line of a text file (an example plugin)"
    # The snapshot depends only on the file's bytes and the options.
    deterministic = True
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "list_id": {"type": "string", "minLength": 1, "default": "lines",
                        "description": "the list's id"},
            "comment": {"type": "string", "maxLength": 1, "default": "#",
                        "description": "lines starting with this are skipped"},
        },
    }

    def fetch(self, location, options, ctx):
        # ctx.get reads a local path or an http(s) URL with a timeout and a size cap.
        text = ctx.get(location).text()
        comment = options.get("comment", "#")
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            name = line.strip()
            if not name or name.startswith(comment):
                continue
            entries.append({"id": listwatch.slug(name), "name": name,
                            "provenance": {"line": number}})
        if not entries:
            # One clear line; listwatch adds the watch name and exits 3.
            raise listwatch.SourceError(f"{location}: no entries (is it the right file?)")
        return listwatch.Draft(list={"id": options.get("list_id", "lines")}, entries=entries)


@listwatch.hookimpl
def register_sources(register):
    register(Lines())
