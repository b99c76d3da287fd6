"""Deterministic A4 PDFs in Chinese with the font embedded, fast enough for a yearly run.

Print shops refuse PDFs whose fonts are not embedded, and a statement run renders hundreds of
thousands of documents, so this writer embeds only the glyphs a document uses, as Type 3 fonts:
each glyph is its outline from Noto Sans/Serif CJK SC (shipped by the `mplfonts` package, so no
font is assumed on the machine), converted once per process and kept compressed. A document is
then plain concatenation: no font subsetting per document. A ToUnicode map keeps the text
searchable and copyable. Nothing in the output depends on the clock or on chance: the same
drawing calls give the same bytes (the document ID is a hash of the content).

Coordinates are millimetres from the top-left corner of the page; sizes are points.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

A4_W_MM, A4_H_MM = 210.0, 297.0
_PT_PER_MM = 72 / 25.4
# One mask for every QR code: choosing the "best" of the eight (qrcode scores each by drawing the whole
# symbol) was most of a statement PDF's time (BENCHMARKS.md, 2026-12-08); any mask is a valid symbol
# every reader decodes (ISO/IEC 18004 lets the encoder choose), the score only tunes contrast patterns.
_QR_MASK = 0
_FONT_FILES = {"sans": "NotoSansCJKsc-Regular.otf", "serif": "NotoSerifCJKsc-Regular.otf"}
_EMBOLDEN = 36  # stroke width in font units that turns the regular face into a bold one
_PER_FONT = 250  # Type 3 fonts are single-byte: a face is split into fonts of at most this many glyphs


def font_path(face: str) -> Path:
    # find_spec does not import mplfonts (which would import matplotlib): we only want its files.
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the CJK font package mplfonts is not installed (make install)")
    return Path(spec.submodule_search_locations[0]) / "fonts" / _FONT_FILES[face]


def _num(v: float) -> str:
    if v == int(v):
        return str(int(v))
    return f"{v:.2f}".rstrip("0").rstrip(".")


class _PathPen(BasePen):
    def __init__(self, glyph_set):
        super().__init__(glyph_set)
        self.ops: list[str] = []

    def _moveTo(self, p):
        self.ops.append(f"{_num(p[0])} {_num(p[1])} m")

    def _lineTo(self, p):
        self.ops.append(f"{_num(p[0])} {_num(p[1])} l")

    def _curveToOne(self, a, b, c):
        self.ops.append(" ".join(_num(v) for v in (*a, *b, *c)) + " c")

    def _closePath(self):
        self.ops.append("h")


@dataclass(frozen=True)
class Glyph:
    width: int  # advance in font units (1000 per em)
    proc: bytes  # the compressed Type 3 glyph procedure


class Face:
    """One typeface: its cmap and the glyphs converted so far (shared by all documents)."""

    def __init__(self, name: str):
        self.name = name
        self._font = TTFont(str(font_path(name)), lazy=True)
        self._cmap = self._font.getBestCmap()
        self._glyphs = self._font.getGlyphSet()
        self._cache: dict[tuple[str, bool], Glyph] = {}
        self._advance: dict[str, int] = {}  # char -> advance width (the same for the bold glyph)
        self._hmtx = self._font["hmtx"]
        self._lock = threading.Lock()
        hhea = self._font["hhea"]
        self.ascent, self.descent = hhea.ascent, hhea.descent

    def has(self, char: str) -> bool:
        return ord(char) in self._cmap

    def glyph(self, char: str, bold: bool) -> Glyph:
        key = (char, bold)
        found = self._cache.get(key)
        if found is not None:
            return found
        with self._lock:
            name = self._cmap.get(ord(char), ".notdef")
            g = self._glyphs[name]
            pen = _PathPen(self._glyphs)
            g.draw(pen)
            paint = f"{_EMBOLDEN} w 1 j B" if bold else "f"
            # d1: the glyph takes its colour from the text (no colour operators inside)
            body = f"{g.width} 0 -50 -300 1050 1100 d1\n" + " ".join(pen.ops) + f" {paint}"
            made = Glyph(width=g.width, proc=zlib.compress(body.encode("ascii"), 6))
            self._cache[key] = made
            return made

    def advance(self, char: str) -> int:
        found = self._advance.get(char)
        if found is None:
            found = self._advance[char] = self._hmtx[self._cmap.get(ord(char), ".notdef")][0]
        return found

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Width of the text in millimetres at this size."""
        advance = self._advance
        units = 0
        for char in text:
            found = advance.get(char)
            units += found if found is not None else self.advance(char)
        return units * size / 1000 / _PT_PER_MM


@cache
def face(name: str) -> Face:
    return Face(name)


_HEX = [f"{n:02x}" for n in range(256)]


@dataclass
class _FontSlot:
    """One Type 3 font of a document: up to _PER_FONT glyphs of one face and weight."""

    face: Face
    bold: bool
    resource: str
    chars: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)


class Page:
    def __init__(self, doc: Document):
        self._doc = doc
        self._ops: list[str] = []

    # -- text
    def text(self, x: float, y: float, text: str, *, size: float = 10.5, face_name: str = "serif",
             bold: bool = False, align: str = "l") -> float:
        """Draws one line with its baseline at y; align l, c or r about x. Returns its width in mm."""
        if not text:
            return 0.0
        f = face(face_name)
        w = f.width(text, size, bold)
        if align == "r":
            x -= w
        elif align == "c":
            x -= w / 2
        doc = self._doc
        codes = doc._codes
        ops = [f"BT {x * _PT_PER_MM:.2f} {(A4_H_MM - y) * _PT_PER_MM:.2f} Td"]
        current = None
        run: list[str] = []
        for char in text:
            found = codes.get((f.name, bold, char))
            slot, code = found if found is not None else doc._code_for(f, bold, char)
            if slot is not current:
                if run:
                    ops.append("<" + "".join(run) + "> Tj")
                    run = []
                ops.append(f"/{slot.resource} {_num(size)} Tf")
                current = slot
            run.append(_HEX[code])
        if run:
            ops.append("<" + "".join(run) + "> Tj")
        ops.append("ET")
        self._ops.append(" ".join(ops))
        return w

    def paragraph(self, x: float, y: float, width: float, text: str, *, size: float = 10.5,
                  face_name: str = "serif", leading: float = 1.55, bold: bool = False) -> float:
        """Draws text wrapped to width; returns the y below the last line."""
        line_h = size * leading / _PT_PER_MM
        for line in wrap(text, width, size=size, face_name=face_name, bold=bold):
            self.text(x, y, line, size=size, face_name=face_name, bold=bold)
            y += line_h
        return y

    # -- lines and boxes
    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        p = _PT_PER_MM
        self._ops.append(f"{_num(width)} w {_num(round(x1 * p, 2))} {_num(round((A4_H_MM - y1) * p, 2))} m "
                         f"{_num(round(x2 * p, 2))} {_num(round((A4_H_MM - y2) * p, 2))} l S")

    def rect(self, x: float, y: float, w: float, h: float, *, width: float = 0.5, fill_gray: float | None = None,
             stroke: bool = True) -> None:
        p = _PT_PER_MM
        box = (f"{_num(round(x * p, 2))} {_num(round((A4_H_MM - y - h) * p, 2))} "
               f"{_num(round(w * p, 2))} {_num(round(h * p, 2))} re")
        if fill_gray is not None:
            paint = "B" if stroke else "f"
            self._ops.append(f"q {_num(fill_gray)} g {_num(width)} w {box} {paint} Q")
        else:
            self._ops.append(f"{_num(width)} w {box} S")

    def qr(self, x: float, y: float, size: float, text: str) -> None:
        """A QR code of `text` (error correction M, no quiet zone: leave 2 mm around it), `size` mm square,
        its top left corner at (x, y); drawn as filled runs of dark modules, one path."""
        import qrcode

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=_QR_MASK)
        code.add_data(text.encode("utf-8"))
        code.make(fit=True)
        matrix = code.get_matrix()
        module = size / len(matrix) * _PT_PER_MM
        left, top = x * _PT_PER_MM, (A4_H_MM - y) * _PT_PER_MM
        boxes = []
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                boxes.append(f"{_num(round(left + start * module, 3))} {_num(round(top - (r + 1) * module, 3))} "
                             f"{_num(round((c - start) * module, 3))} {_num(round(module, 3))} re")
        self._ops.append("q 0 g " + " ".join(boxes) + " f Q")

    def content(self) -> bytes:
        return "\n".join(self._ops).encode("ascii")


def wrap(text: str, width: float, *, size: float, face_name: str = "serif", bold: bool = False) -> list[str]:
    """Breaks text into lines no wider than width (mm): CJK breaks anywhere, Latin words stay whole."""
    f = face(face_name)
    lines: list[str] = []
    for para in text.split("\n"):
        tokens: list[str] = []
        word = ""
        for char in para:
            if char.isascii() and not char.isspace():
                word += char
                continue
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        if word:
            tokens.append(word)
        line, line_w = "", 0.0
        for token in tokens:
            token_w = f.width(token, size)
            if line and line_w + token_w > width:
                lines.append(line.rstrip())
                line = token.lstrip()
                line_w = f.width(line, size)
            else:
                line += token
                line_w += token_w
        lines.append(line.rstrip())
    return lines


class Document:
    """A PDF of A4 pages. Pages of several statements may share one document (a print batch)."""

    def __init__(self, *, title: str = ""):
        self.title = title
        self.pages: list[Page] = []
        self._slots: list[_FontSlot] = []
        self._open: dict[tuple[str, bool], _FontSlot] = {}
        self._codes: dict[tuple[str, bool, str], tuple[_FontSlot, int]] = {}

    def page(self) -> Page:
        page = Page(self)
        self.pages.append(page)
        return page

    def _code_for(self, f: Face, bold: bool, char: str) -> tuple[_FontSlot, int]:
        found = self._codes.get((f.name, bold, char))  # a character already in a font of this document
        if found is not None:
            return found
        key = (f.name, bold)
        slot = self._open.get(key)
        if slot is None or len(slot.chars) >= _PER_FONT:
            slot = _FontSlot(face=f, bold=bold, resource=f"F{len(self._slots) + 1}")
            self._slots.append(slot)
            self._open[key] = slot
        slot.chars.append(char)
        slot.codes[char] = len(slot.chars)  # codes start at 1
        self._codes[(f.name, bold, char)] = (slot, slot.codes[char])
        return slot, slot.codes[char]

    def bytes(self) -> bytes:
        objects: list[bytes] = []  # objects[i] is object number i + 1

        def reserve() -> int:
            objects.append(b"")
            return len(objects)

        def put(num: int, body: bytes) -> None:
            objects[num - 1] = body

        def stream(data: bytes, extra: str = "", compressed: bool = False) -> bytes:
            if not compressed:
                data = zlib.compress(data, 6)
            return (f"<< /Length {len(data)} /Filter /FlateDecode{extra} >>\nstream\n".encode("ascii") + data
                    + b"\nendstream")

        catalog, pages_num = reserve(), reserve()
        font_nums: dict[str, int] = {}
        for slot in self._slots:
            font_num = reserve()
            font_nums[slot.resource] = font_num
            procs = []
            widths = []
            for char in slot.chars:
                g = slot.face.glyph(char, slot.bold)
                n = reserve()
                put(n, stream(g.proc, compressed=True))
                procs.append(f"/g{slot.codes[char]} {n} 0 R")
                widths.append(str(g.width))
            cmap_num = reserve()
            put(cmap_num, stream(_to_unicode(slot).encode("ascii")))
            names = " ".join(f"/g{i}" for i in range(1, len(slot.chars) + 1))
            put(font_num, (
                f"<< /Type /Font /Subtype /Type3 /FontBBox [-50 -300 1050 1100] "
                f"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << {' '.join(procs)} >> "
                f"/Encoding << /Type /Encoding /Differences [1 {names}] >> /FirstChar 1 "
                f"/LastChar {len(slot.chars)} /Widths [{' '.join(widths)}] /ToUnicode {cmap_num} 0 R "
                f"/Resources << >> >>").encode("ascii"))
        fonts = " ".join(f"/{r} {n} 0 R" for r, n in font_nums.items())
        page_nums = []
        for page in self.pages:
            content_num, page_num = reserve(), reserve()
            put(content_num, stream(page.content()))
            w, h = _num(round(A4_W_MM * _PT_PER_MM, 2)), _num(round(A4_H_MM * _PT_PER_MM, 2))
            put(page_num, (f"<< /Type /Page /Parent {pages_num} 0 R /MediaBox [0 0 {w} {h}] "
                           f"/Resources << /Font << {fonts} >> >> /Contents {content_num} 0 R >>").encode("ascii"))
            page_nums.append(page_num)
        kids = " ".join(f"{n} 0 R" for n in page_nums)
        put(pages_num, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_nums)} >>".encode("ascii"))
        put(catalog, f"<< /Type /Catalog /Pages {pages_num} 0 R /Lang (zh-CN) >>".encode("ascii"))
        info = reserve()
        put(info, b"<< /Title " + _pdf_text(self.title) + b" /Producer (social-insurance-agency) >>")

        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
        out += b"".join(f"{o:010d} 00000 n \n".encode("ascii") for o in offsets)
        digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest()  # same content, same ID
        out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R "
                f"/ID [<{digest}> <{digest}>] >>\nstartxref\n{xref}\n%%EOF\n").encode("ascii")
        return bytes(out)


def _pdf_text(text: str) -> bytes:
    """A PDF text string in UTF-16BE with its byte-order mark (titles in Chinese)."""
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def _to_unicode(slot: _FontSlot) -> str:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <01> <ff> endcodespacerange",
    ]
    pairs = [(slot.codes[c], c.encode("utf-16-be").hex()) for c in slot.chars]
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{code:02x}> <{hexed}>" for code, hexed in chunk)
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines)


# -- a plain official notice: letters, forms and notices of the other apps --------------------

@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column: l, r or c (default l)


MARGIN = 20.0
_BOTTOM = A4_H_MM - 22.0


class NoticeWriter:
    """Lays out a notice top to bottom and starts a new page when one is full."""

    def __init__(self, doc: Document, *, agency: str, title: str, reference: str = ""):
        self.doc, self.agency, self.title, self.reference = doc, agency, title, reference
        self.page_no = 0
        self._new_page()

    def _new_page(self) -> None:
        self.page = self.doc.page()
        self.page_no += 1
        p = self.page
        p.text(A4_W_MM / 2, 24, self.agency, size=12, face_name="sans", align="c")
        p.text(A4_W_MM / 2, 35, self.title, size=17, face_name="sans", bold=True, align="c")
        p.line(MARGIN, 40, A4_W_MM - MARGIN, 40, width=1.2)
        p.line(MARGIN, 41.2, A4_W_MM - MARGIN, 41.2, width=0.4)
        if self.reference:
            p.text(A4_W_MM - MARGIN, 47, self.reference, size=9, face_name="sans", align="r")
        self.y = 55.0

    def _room(self, needed: float) -> None:
        if self.y + needed > _BOTTOM:
            self._new_page()

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        label_w = max((face("sans").width(label + "：", 10.5) for label, _ in pairs), default=0) + 2
        for label, value in pairs:
            lines = wrap(value or "—", A4_W_MM - 2 * MARGIN - label_w, size=10.5)
            self._room(6.2 * len(lines))
            self.page.text(MARGIN, self.y, label + "：", size=10.5, face_name="sans")
            for line in lines:
                self.page.text(MARGIN + label_w, self.y, line, size=10.5)
                self.y += 6.2
        self.y += 3

    def table(self, table: Table, *, size: float = 9.0) -> None:
        cols = len(table.headers)
        avail = A4_W_MM - 2 * MARGIN
        widths = [face("sans").width(h, size, True) + 4 for h in table.headers]
        for row in table.rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], face("serif").width(cell, size) + 4)
        scale = avail / sum(widths)
        widths = [w * scale for w in widths]
        row_h = size * 1.9 / _PT_PER_MM

        def header():
            self._room(row_h * 2)
            x = MARGIN
            self.page.rect(MARGIN, self.y, avail, row_h, fill_gray=0.9, width=0.4)
            for i, h in enumerate(table.headers):
                self.page.text(x + widths[i] / 2, self.y + row_h * 0.68, h, size=size, face_name="sans",
                               bold=True, align="c")
                x += widths[i]
            self.y += row_h

        header()
        for row in table.rows:
            if self.y + row_h > _BOTTOM:
                self._new_page()
                header()
            x = MARGIN
            self.page.rect(MARGIN, self.y, avail, row_h, width=0.3)
            for i, cell in enumerate(row[:cols]):
                a = table.align[i] if i < len(table.align) else "l"
                tx = {"l": x + 2, "r": x + widths[i] - 2, "c": x + widths[i] / 2}[a]
                self.page.text(tx, self.y + row_h * 0.68, cell, size=size, align=a)
                x += widths[i]
            self.y += row_h
        self.y += 5

    def paragraph(self, text: str, *, size: float = 10.5) -> None:
        lines = wrap(text, A4_W_MM - 2 * MARGIN, size=size)
        line_h = size * 1.55 / _PT_PER_MM
        for line in lines:
            self._room(line_h)
            self.page.text(MARGIN, self.y, line, size=size)
            self.y += line_h
        self.y += 2

    def footer(self, lines: Sequence[str]) -> None:
        for page_index, page in enumerate(self.doc.pages[-self.page_no:], start=1):
            y = A4_H_MM - 14.0 - 4.5 * (len(lines) - 1)
            page.line(MARGIN, y - 5, A4_W_MM - MARGIN, y - 5, width=0.3)
            for line in lines:
                page.text(MARGIN, y, line, size=8, face_name="sans")
                y += 4.5
            page.text(A4_W_MM - MARGIN, A4_H_MM - 14.0, f"{page_index}/{self.page_no}", size=8,
                      face_name="sans", align="r")


def notice_pdf(*, agency: str, title: str, reference: str = "", fields: Sequence[tuple[str, str]] = (),
               tables: Sequence[Table] = (), paragraphs: Sequence[str] = (), footer: Sequence[str] = ()) -> bytes:
    """An official notice on A4: the agency and title on top, then fields, tables and paragraphs."""
    doc = Document(title=title)
    writer = NoticeWriter(doc, agency=agency, title=title, reference=reference)
    if fields:
        writer.fields(fields)
    for table in tables:
        writer.table(table)
    for text in paragraphs:
        writer.paragraph(text)
    writer.footer(footer)
    return doc.bytes()


def pdf_response(data: bytes, filename: str):
    """A PDF answered inline (the browser shows it; saving keeps the file name)."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class PdfRenderer:
    """DRF renderer of the `.../pdf` operations: their answer is a PDF (pdf_response); a problem answered
    on such an operation is JSON text (its response says application/problem+json)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
