"""The ``ustr-nml`` source: fetch a report (directly or through an index page) and parse it."""

from __future__ import annotations

import urllib.parse

import listwatch
from listwatch import SourceError

ACCEPT_ANY = "application/pdf, text/html;q=0.9, */*;q=0.5"


class NotoriousMarkets(listwatch.Source):
    name = "ustr-nml"
    #: the snapshot depends only on the bytes read and the options: an unchanged report is
    #: not parsed again (an unchanged index page is not followed either, as with a 304)
    deterministic = True
    title = ("USTR Review of Notorious Markets for Counterfeiting and Piracy: the report PDF, "
             "or a page linking to the reports")
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "edition": {
                "type": "string", "pattern": r"^\d{4}$",
                "description": "the report year to take from an index page (default: the "
                               "newest linked); with a PDF location, the year it must be",
            },
            "parser_memory": {
                "type": "integer", "minimum": 128, "default": 1024,
                "description": "MiB of memory the PDF parser (a child process) may use "
                               "before it is stopped",
            },
            "parser_seconds": {
                "type": "number", "exclusiveMinimum": 0, "default": 60,
                "description": "seconds of CPU time the PDF parser may use (it is stopped "
                               "at twice this plus 10 s of wall time)",
            },
        },
    }

    def fetch(self, location, options, ctx):
        from listwatch.fetching import display

        from . import isolate
        from .pdf import is_pdf, looks_like_html, not_pdf_reason
        from .text import BadDocument

        edition = options.get("edition")
        doc = ctx.get(location, accept=ACCEPT_ANY)
        link = None
        if (not is_pdf(doc.content) and looks_like_html(doc.content)
                and not _pdf_expected(location, doc)):
            from . import index

            html = doc.content.decode(_charset(doc.content_type), "replace")
            try:
                link = index.choose(index.report_links(html, doc.location), edition)
            except BadDocument as exc:
                raise SourceError(f"{display(doc.location)}: {exc}") from None
            doc = ctx.get(link.url, accept="application/pdf", found_in=doc)
        where = display(doc.location)
        try:
            if not is_pdf(doc.content):     # one clear line, without starting the parser
                raise BadDocument(not_pdf_reason(doc.content))
            report = isolate.read_report(
                doc.content, options.get("parser_memory", isolate.DEFAULT_MEMORY_MIB),
                options.get("parser_seconds", isolate.DEFAULT_SECONDS))
        except BadDocument as exc:
            raise SourceError(f"{where}: {exc}") from None
        if edition and report.edition != edition:
            raise SourceError(f"{where}: this is the {report.edition} report, not the "
                              f"{edition} edition asked for")
        warnings = []
        if link is not None and link.year and link.year != report.edition:
            warnings.append(f"the index page links this report as {link.year}, but its title "
                            f"says {report.edition}")
        meta = {"id": "ustr-nml", "title": report.title, "edition": report.edition}
        if report.published:
            meta["published"] = report.published
        return listwatch.Draft(list=meta, entries=report.entries,
                               warnings=warnings + report.warnings, doubts=report.doubts)


    def editions(self, location, options, ctx):
        """Every report the index page at ``location`` links to: ``(year, url)`` pairs."""
        from listwatch.fetching import display

        from . import index
        from .pdf import is_pdf, looks_like_html
        from .text import BadDocument

        doc = ctx.get(location, accept="text/html, */*;q=0.5")
        if is_pdf(doc.content) or not looks_like_html(doc.content):
            raise SourceError(f"{display(doc.location)}: a report, not a page that links to "
                              "reports (name each report instead of --all-editions)")
        html = doc.content.decode(_charset(doc.content_type), "replace")
        links = index.report_links(html, doc.location)
        try:
            index.choose(links, None)  # no report links, or none says its year: why
        except BadDocument as exc:
            raise SourceError(f"{display(doc.location)}: {exc}") from None
        years = sorted({link.year for link in links if link.year})
        return [(year, index.choose(links, year).url) for year in years]


def _pdf_expected(location: str, doc) -> bool:
    paths = (urllib.parse.urlsplit(location).path, urllib.parse.urlsplit(doc.location).path)
    return (any(p.lower().endswith(".pdf") for p in paths)
            or "pdf" in doc.content_type.lower())


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                "".encode(value.strip('"'))
                return value.strip('"')
            except LookupError:
                break
    return "utf-8"
