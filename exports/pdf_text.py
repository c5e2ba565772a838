"""The text layer of Chromium's PDFs, mended so Chinese can be searched and copied as typed.

Noto CJK maps a radical code point and its unified ideograph to the same
glyph (U+2F2F ⼯ and U+5DE5 工 are one drawing), and Chromium's PDF writer
names such a glyph in its ToUnicode CMap by the radical. A reader then
finds no 工单 in a report full of them. The glyph is the ideograph, so each
radical in a CMap is renamed to its Equivalent_Unified_Ideograph (Unicode's
EquivalentUnifiedIdeograph.txt): NFKC gives it for the Kangxi radicals, the
table below for the CJK radicals supplement, which NFKC leaves alone.
"""
from __future__ import annotations

import io
import re
import unicodedata

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject

# EquivalentUnifiedIdeograph.txt, U+2E81..U+2EF3 (U+2E80 and U+2E9A have no equivalent).
_SUPPLEMENT = dict(zip(range(0x2E81, 0x2EF4), (
    0x5382, 0x4E5B, 0x4E5A, 0x4E59, 0x4EBB, 0x5182, 0x20628, 0x5200, 0x5202, 0x535C, 0x353E, 0x5C0F, 0x5C0F,
    0x5140, 0x5C23, 0x5C22, 0x21BC2, 0x5DF3, 0x5E7A, 0x5F51, 0x5F50, 0x5FC4, 0x5FC3, 0x624C, 0x6535, None,
    0x65E1, 0x65E5, 0x6708, 0x6B7A, 0x6BCD, 0x6C11, 0x6C35, 0x6C3A, 0x706C, 0x722B, 0x722B, 0x4E2C, 0x725B,
    0x72AD, 0x738B, 0x24D14, 0x76EE, 0x793A, 0x793B, 0x25AD7, 0x7CF9, 0x7E9F, 0x7F53, 0x7F52, 0x34C1, 0x5197,
    0x2626B, 0x7F8A, 0x2634C, 0x2634B, 0x8002, 0x8080, 0x807F, 0x8089, 0x26951, 0x8279, 0x8279, 0x8279, 0x864E,
    0x8864, 0x8980, 0x897F, 0x89C1, 0x89D2, 0x278B2, 0x8BA0, 0x8D1D, 0x27FB7, 0x8F66, 0x8FB6, 0x8FB6, 0x8FB6,
    0x9091, 0x9485, 0x9577, 0x9578, 0x957F, 0x95E8, 0x28E0F, 0x961D, 0x96E8, 0x9752, 0x97E6, 0x9875, 0x98CE,
    0x98DE, 0x98DF, 0x2967F, 0x98E0, 0x9963, 0x29810, 0x9A6C, 0x9AA8, 0x9B3C, 0x9C7C, 0x9E1F, 0x5364, 0x9EA6,
    0x9EC4, 0x9EFE, 0x6589, 0x9F50, 0x6B6F, 0x9F7F, 0x7ADC, 0x9F99, 0x9F9C, 0x4E80, 0x9F9F,
)))
_BLOCK = re.compile(rb"\d+(\s+begin(bfchar|bfrange)\b)(.*?)(end\2)", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def ideograph(code: int) -> int:
    """The unified ideograph a radical is drawn as; any other code point unchanged."""
    if 0x2F00 <= code <= 0x2FD5:
        return ord(unicodedata.normalize("NFKC", chr(code)))
    return _SUPPLEMENT.get(code) or code


def searchable(pdf: bytes) -> bytes:
    """`pdf` with every radical in its fonts' ToUnicode CMaps renamed to its ideograph."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    changed = False
    for font in _fonts(writer):
        cmap = font["/ToUnicode"].get_object()
        data = cmap.get_data()
        mended = _BLOCK.sub(_mended_block, data)
        if mended != data:
            cmap.set_data(mended)
            changed = True
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _fonts(writer: PdfWriter):
    """Every font with a ToUnicode CMap on the pages and in the forms they draw, each once."""
    seen: set[int] = set()
    pending = [page.get("/Resources") for page in writer.pages]
    while pending:
        resources = pending.pop()
        resources = resources.get_object() if resources is not None else None
        if not isinstance(resources, DictionaryObject):
            continue
        for font in (resources.get("/Font") or DictionaryObject()).get_object().values():
            font = font.get_object()
            if "/ToUnicode" in font and id(font) not in seen:
                seen.add(id(font))
                yield font
        for form in (resources.get("/XObject") or DictionaryObject()).get_object().values():
            pending.append(form.get_object().get("/Resources"))


def _mended_block(block: re.Match) -> bytes:
    """One `N beginbfchar … endbfchar` or `N beginbfrange … endbfrange` block, radicals renamed."""
    entries = [_HEX.findall(line) for line in block.group(3).splitlines() if line.strip()]
    if block.group(2) == b"bfchar":
        lines = [(source, _renamed(target)) for source, target in entries]
    else:
        lines = [line for entry in entries for line in _range_lines(entry)]
    body = b"".join(b" ".join(b"<%s>" % token for token in line) + b"\n" for line in lines)
    return b"%d%s\n%s%s" % (len(lines), block.group(1), body, block.group(4))


def _range_lines(entry: list[bytes]) -> list[tuple[bytes, ...]]:
    """A bfrange line; split into one-code ranges where a radical falls inside it (codes run on in a range)."""
    if len(entry) != 3 or len(entry[2]) != 4:  # an array of targets, or a ligature: no radical to rename
        return [tuple(entry)]
    low, high, first = int(entry[0], 16), int(entry[1], 16), int(entry[2], 16)
    targets = range(first, first + high - low + 1)
    if all(ideograph(code) == code for code in targets):
        return [tuple(entry)]
    width = len(entry[0])
    return [(b"%0*X" % (width, low + i),) * 2 + (_renamed(b"%04X" % code),) for i, code in enumerate(targets)]


def _renamed(target: bytes) -> bytes:
    """A UTF-16BE target of one code unit, renamed if it is a radical (an ideograph past U+FFFF as a pair)."""
    if len(target) != 4:
        return target
    return chr(ideograph(int(target, 16))).encode("utf-16-be").hex().upper().encode()
