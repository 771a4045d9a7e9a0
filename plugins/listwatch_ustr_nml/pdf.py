"""Reading a PDF's text layer with pypdfium2: lines with the font size, weight and slant of
their first and last characters (read through pdfium's raw API, a few calls per line, so the
font pass costs little over plain text extraction).

pypdfium2 is imported inside the functions: this module is imported on every CLI run.
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


_STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
_FLATE_FIRST = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\b")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")
#: Bytes inflated per stream to check it: enough for any page's text, bounded for a bomb.
CHECK_BYTES = 64 << 20


def damaged_streams(content: bytes, limit: int = CHECK_BYTES) -> list[str]:
    """One line for each Flate-compressed stream that does not inflate (a bad code or a
    wrong checksum: bytes changed since it was written). PDFium shows such a stream's
    text up to the damage, silently, so a damaged report would otherwise parse short.
    Encrypted documents are not checked (their streams are ciphertext)."""
    import zlib

    if b"/Encrypt" in content[-4096:] or b"/Encrypt" in content[:4096]:
        return []
    problems = []
    for match in _STREAM.finditer(content):
        start = match.end()
        window = content[max(0, match.start() - 1024):match.start()]
        header = next(reversed(list(_OBJ.finditer(window))), None)
        head = window[header.end():] if header else window[window.rfind(b"endobj") + 1:]
        if not _FLATE_FIRST.search(head):
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


def open_pdf(content: bytes):
    """A pypdfium2 document, or :class:`BadDocument` with one clear line."""
    import pypdfium2 as pdfium

    if not is_pdf(content):
        raise BadDocument(not_pdf_reason(content))
    if b"%%EOF" not in content.rstrip(b"\x00\r\n\t\x0c ")[-1024:]:
        raise BadDocument("truncated PDF: the file ends before its %%EOF marker "
                          "(an incomplete download?)")
    try:
        doc = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4:
            raise BadDocument("encrypted PDF: it needs a password to open; listwatch cannot "
                              "read it") from None
        if code == 5:
            raise BadDocument("encrypted PDF with an unsupported security handler; listwatch "
                              "cannot read it") from None
        raise BadDocument(f"corrupt PDF: PDFium cannot read it ({_reason(exc)})") from None
    if len(doc) == 0:
        doc.close()
        raise BadDocument("corrupt PDF: it has no pages")
    return doc


def _reason(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"\(PDFium: ([^)]*)\)", text)
    return match.group(1).rstrip(".") if match else text


def read_pages(doc) -> list[list[Line]]:
    """Every page's lines with their style. Raises :class:`BadDocument` without a text layer."""
    import ctypes

    import pypdfium2 as pdfium
    from pypdfium2 import raw

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
        try:
            page = doc[number]
            textpage = page.get_textpage()
        except pdfium.PdfiumError:
            raise BadDocument(f"corrupt PDF: page {number + 1} cannot be read") from None
        try:
            # pdfium marks a hyphen that ends a line as U+FFFE
            text = textpage.get_text_range().replace("\ufffe", "-")
            tp = textpage.raw
            same = len(text) == textpage.count_chars()
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
            textpage.close()
            page.close()
        if chars < 20:
            empty += 1
        pages.append(lines)
    if empty == len(pages):
        raise BadDocument("no text layer; OCR is not supported (is it a scanned document?)")
    if empty * 2 > len(pages):
        raise BadDocument(f"{empty} of {len(pages)} pages have no text layer; OCR is not "
                          "supported (is it a scanned document?)")
    return pages
