"""Reading a PDF's text layer with PDFium: lines with the font size, weight and slant of
their first and last characters (a few calls per line, so the font pass costs little over
plain text extraction).

PDFium is called through pypdfium2's raw bindings (``pypdfium2_raw``), not its helper
classes: the document is parsed in a fresh child process (isolate.py), and the helpers'
imports (logging, pathlib, …) cost that process about as much again as the isolation. They
are imported inside the functions: this module is imported on every CLI run.
"""

from __future__ import annotations

import re

from .text import BadDocument, Line

_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|title)\b", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_LINE = re.compile(r"[^\r\n]+")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_ITALIC_NAME = re.compile(r"italic|oblique", re.IGNORECASE)
_FORCE_BOLD, _ITALIC_FLAG = 1 << 18, 1 << 6


def is_pdf(content: bytes) -> bool:
    return b"%PDF-" in content[:1024]


def looks_like_html(content: bytes) -> bool:
    return bool(_HTML.search(content[:4096]))


def not_pdf_reason(content: bytes) -> str:
    """One line saying what the bytes are instead of a PDF."""
    if not content.strip():
        return "empty file, not a PDF"
    if looks_like_html(content):
        title = _HTML_TITLE.search(content[:65536])
        shown = " ".join(title.group(1).decode("utf-8", "replace").split())[:80] if title else ""
        return ("not a PDF but an HTML page" + (f" (\u201c{shown}\u201d)" if shown else "") +
                "; the server may have sent an error or login page")
    head = content[:12].decode("latin-1")
    shown = "".join(c if c.isprintable() else "." for c in head)
    return f"not a PDF (it starts with \u201c{shown}\u201d, not %PDF-)"


_EOL = (b"\r", b"\n")
_FLATE_FIRST = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\b")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")
# images never change the text layer (font programs do: their weight and flags tell a
# heading from prose)
_NOT_TEXT = re.compile(rb"/Subtype\s*/Image\b")
#: Bytes inflated per stream to check it: enough for any page's text, bounded for a bomb.
CHECK_BYTES = 64 << 20


def damaged_streams(content: bytes, limit: int = CHECK_BYTES) -> list[str]:
    """One line for each Flate-compressed stream that does not inflate (a bad code or a
    wrong checksum: bytes changed since it was written). PDFium shows such a stream's
    text up to the damage, silently, so a damaged report would otherwise parse short.
    Images are not checked (the text does not depend on them), nor are encrypted
    documents (their streams are ciphertext)."""
    import zlib

    if b"/Encrypt" in content[-4096:] or b"/Encrypt" in content[:4096]:
        return []
    problems = []
    at = 0
    while (at := content.find(b"stream", at)) >= 0:
        keyword, at = at, at + 6
        if content[keyword - 1:keyword] == b"d" or content[at:at + 1] not in _EOL:
            continue        # "endstream", or the word inside some data
        start = at + 2 if content[at:at + 2] == b"\r\n" else at + 1
        window = content[max(0, keyword - 1024):keyword]
        obj = window.rfind(b" obj")
        header = _OBJ.search(window, max(0, obj - 24)) if obj >= 0 else None
        head = window[header.end():] if header else window[window.rfind(b"endobj") + 1:]
        if not _FLATE_FIRST.search(head) or _NOT_TEXT.search(head):
            continue
        end = content.find(b"endstream", start)
        data = content[start:end if end >= 0 else len(content)]
        inflate = zlib.decompressobj()
        try:
            left = limit
            while data and not inflate.eof and left > 0:
                left -= len(inflate.decompress(data, min(left, 1 << 20)))
                data = inflate.unconsumed_tail
        except zlib.error as exc:
            what = f"object {int(header.group(1))}" if header else f"at byte {start}"
            why = str(exc).rpartition(": ")[2]
            problems.append(f"a compressed stream ({what}) is damaged ({why}); its text may "
                            "be cut short")
    return problems


_ERRORS = {1: "Unknown error", 2: "File access error", 3: "Data format error",
           6: "Page not found or content error"}


class Document:
    """An open PDFium document (``len()`` pages; ``close()`` it)."""

    def __init__(self, handle, content: bytes):
        self.handle = handle
        self._content = content     # PDFium reads from these bytes until it is closed

    def __len__(self) -> int:
        return _raw().FPDF_GetPageCount(self.handle)

    def close(self) -> None:
        if self.handle:
            _raw().FPDF_CloseDocument(self.handle)
            self.handle = None


_started = False


def _raw():
    """The bindings, with the library initialised once per process."""
    global _started
    import pypdfium2_raw as raw

    if not _started:
        raw.FPDF_InitLibraryWithConfig(raw.FPDF_LIBRARY_CONFIG(
            version=2, m_pUserFontPaths=None, m_pIsolate=None, m_v8EmbedderSlot=0))
        _started = True
    return raw


def open_pdf(content: bytes) -> Document:
    """A PDFium :class:`Document`, or :class:`BadDocument` with one clear line."""
    if not is_pdf(content):
        raise BadDocument(not_pdf_reason(content))
    if b"%%EOF" not in content.rstrip(b"\x00\r\n\t\x0c ")[-1024:]:
        raise BadDocument("truncated PDF: the file ends before its %%EOF marker "
                          "(an incomplete download?)")
    raw = _raw()
    handle = raw.FPDF_LoadMemDocument64(content, len(content), None)
    if not handle:
        code = raw.FPDF_GetLastError()
        if code == raw.FPDF_ERR_PASSWORD:
            raise BadDocument("encrypted PDF: it needs a password to open; listwatch cannot "
                              "read it")
        if code == raw.FPDF_ERR_SECURITY:
            raise BadDocument("encrypted PDF with an unsupported security handler; listwatch "
                              "cannot read it")
        raise BadDocument(f"corrupt PDF: PDFium cannot read it "
                          f"({_ERRORS.get(code, f'error {code}')})")
    doc = Document(handle, content)
    if len(doc) < 1:
        doc.close()
        raise BadDocument("corrupt PDF: it has no pages")
    return doc


def _page_text(raw, tp) -> str:
    """All the text of a text page, as pypdfium2's ``get_text_range()`` gives it (leading and
    trailing characters without a text index skipped: crbug.com/pdfium/2079)."""
    import codecs
    import ctypes

    start, end = 0, raw.FPDFText_CountChars(tp) - 1
    index = raw.FPDFText_GetTextIndexFromCharIndex
    while start <= end and index(tp, start) == -1:
        start += 1
    while end >= start and index(tp, end) == -1:
        end -= 1
    if start > end:
        return ""
    size = index(tp, end) + 2 - index(tp, start)
    buffer = (ctypes.c_ushort * size)()
    got = raw.FPDFText_GetText(tp, start, end - start + 1, buffer)
    return codecs.decode(memoryview(buffer)[:max(0, got - 1)], "utf-16-le", "ignore")


def read_pages(doc: Document) -> list[list[Line]]:
    """Every page's lines with their style. Raises :class:`BadDocument` without a text layer."""
    import ctypes

    raw = _raw()
    pages: list[list[Line]] = []
    empty = 0
    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    flags_ref = ctypes.byref(flags)
    cache: dict[tuple, tuple[bool, bool]] = {}
    font_size, font_weight = raw.FPDFText_GetFontSize, raw.FPDFText_GetFontWeight
    font_info, to_char = raw.FPDFText_GetFontInfo, raw.FPDFText_GetCharIndexFromTextIndex

    def style(tp, index: int) -> tuple[float, bool, bool]:
        weight = font_weight(tp, index)
        n = font_info(tp, index, buf, 128, flags_ref)
        memo = (buf.raw[:max(0, n - 1)], flags.value, weight)
        found = cache.get(memo)
        if found is None:
            name = memo[0].decode("latin-1")
            bold = weight >= 600 if weight > 0 else bool(_BOLD_NAME.search(name))
            bold = bold or bool(flags.value & _FORCE_BOLD)
            italic = bool(flags.value & _ITALIC_FLAG) or bool(_ITALIC_NAME.search(name))
            found = cache[memo] = (bold, italic)
        return font_size(tp, index), found[0], found[1]

    for number in range(len(doc)):
        page = raw.FPDF_LoadPage(doc.handle, number)
        tp = raw.FPDFText_LoadPage(page) if page else None
        if not tp:
            if page:
                raw.FPDF_ClosePage(page)
            raise BadDocument(f"corrupt PDF: page {number + 1} cannot be read")
        try:
            # pdfium marks a hyphen that ends a line as U+FFFE
            text = _page_text(raw, tp).replace("\ufffe", "-")
            same = len(text) == raw.FPDFText_CountChars(tp)
            lines: list[Line] = []
            chars = 0
            for match in _LINE.finditer(text):
                raw_line = match.group()
                stripped = raw_line.strip()
                if not stripped:
                    continue
                chars += len(stripped)
                first = match.start() + len(raw_line) - len(raw_line.lstrip())
                last = first + len(stripped) - 1
                if not same:
                    first, last = to_char(tp, first), to_char(tp, last)
                if first < 0 or last < 0:
                    lines.append(Line(stripped, number + 1))
                    continue
                size, bold, italic = style(tp, first)
                sup = 0
                if stripped[-1].isdigit():     # superscript footnote markers at the end
                    while sup < min(3, len(stripped) - 1) and stripped[-1 - sup].isdigit():
                        if font_size(tp, last - sup) >= size * 0.85:
                            break
                        sup += 1
                if (bold or italic) and last - sup != first:
                    # styled only when the whole line is: not a bold word starting prose
                    _, bold2, italic2 = style(tp, last - sup)
                    bold, italic = bold and bold2, italic and italic2
                lines.append(Line(stripped, number + 1, size, bold, italic, sup))
        finally:
            raw.FPDFText_ClosePage(tp)
            raw.FPDF_ClosePage(page)
        if chars < 20:
            empty += 1
        pages.append(lines)
    if empty == len(pages):
        raise BadDocument("no text layer; OCR is not supported (is it a scanned document?)")
    if empty * 2 > len(pages):
        raise BadDocument(f"{empty} of {len(pages)} pages have no text layer; OCR is not "
                          "supported (is it a scanned document?)")
    return pages
