"""Bytes of a plain-text file -> str, with the encoding it was written in.

Order: byte-order marks; binary magic numbers; UTF-16/32 without BOM (NUL
pattern); strict UTF-8; then the Chinese legacy encodings (GB18030, a superset
of GBK/GB2312, and Big5) and BOM-less UTF-16, ranked by charset-normalizer and
checked by how plausible the decoded text is as Chinese prose. Decoding is
always strict (never errors="ignore"/"replace"): a file either decodes as a
whole or is rejected with a reason.
"""
from __future__ import annotations

import codecs
import functools
import re

import charset_normalizer

from pipeline.ingest.model import IngestError
from pipeline.ingest.sniff import binary_kind

UNDECODABLE = "undecodable bytes: not UTF-8/GBK/GB18030/Big5/UTF-16"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),   # before UTF-16 LE: FF FE 00 00
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("gb18030", "big5")
_SAMPLE_CHARS = 20_000
_MIN_PLAUSIBILITY = 0.6


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


# What a legacy encoding name reported by `_decode_legacy` decodes with.
_LEGACY_CODECS = {"gbk": "gb18030", "gb18030": "gb18030", "big5": "big5",
                  "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}


def decode_text(data: bytes, recorded: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; raise IngestError when they are not text.

    `recorded`: the encoding detection found before for these very bytes (the caller
    checks they are the same, by hash): a legacy encoding is then not ranked again
    (charset-normalizer and the plausibility score were most of a re-read's cost)."""
    text, codec = _decode(data, recorded)
    sample = text[:65536]
    n_control = len(_CONTROL.findall(sample))
    if n_control > 8 and n_control > 0.01 * len(sample):
        raise IngestError("binary content (control characters)")
    return text, codec


def _decode(data: bytes, recorded: str | None = None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            name = _bom_name(bom)
            try:
                return data.decode(codec), name
            except UnicodeDecodeError as e:
                raise IngestError(f"undecodable bytes: {name} byte-order mark but invalid "
                                  f"{name} at byte {e.start}") from None
    kind = binary_kind(data[:64])
    if kind:
        raise IngestError(f"binary content ({kind})")
    if b"\x00" in data:
        return _decode_with_nuls(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if recorded in _LEGACY_CODECS:
        try:
            return data.decode(_LEGACY_CODECS[recorded]), recorded
        except UnicodeDecodeError:
            pass
    return _decode_legacy(data)


def _bom_name(bom: bytes) -> str:
    return {codecs.BOM_UTF8: "utf-8-sig", codecs.BOM_UTF32_LE: "utf-32-le", codecs.BOM_UTF32_BE: "utf-32-be",
            codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}[bom]


def _decode_with_nuls(data: bytes) -> tuple[str, str]:
    """NUL bytes: UTF-16/32 without a BOM, or binary."""
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        width = 4 if "32" in codec else 2
        if len(data) % width:
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if plausibility(text) >= _MIN_PLAUSIBILITY:
            return text, codec
    raise IngestError("binary content (NUL bytes)")


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Not UTF-8: rank the Chinese legacy encodings (and BOM-less UTF-16)."""
    candidates: list[str] = []
    for match in charset_normalizer.from_bytes(
            data, cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be"]):
        codec = match.encoding.replace("_", "-")
        if codec not in candidates:
            candidates.append(codec)
    for codec in (*_LEGACY, "utf-16-le", "utf-16-be"):
        if codec not in candidates:
            candidates.append(codec)
    best: tuple[float, int, str, str] | None = None
    for rank, codec in enumerate(candidates):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = plausibility(text)
        # charset-normalizer's order breaks near-ties (short texts decode many ways).
        key = (round(score, 2), -rank, text, codec)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None or best[0] < _MIN_PLAUSIBILITY:
        raise IngestError(UNDECODABLE)
    text, codec = best[2], best[3]
    if codec == "gb18030":
        codec = _narrowest_gb(data)
    return text, codec


def _narrowest_gb(data: bytes) -> str:
    """Report GBK when the bytes are plain GBK (GB18030 decodes them identically)."""
    try:
        data.decode("gbk")
        return "gbk"
    except UnicodeDecodeError:
        return "gb18030"


@functools.cache
def _common_hanzi() -> tuple[frozenset[str], frozenset[str]]:
    """GB2312 level-1 (3755 most frequent) and level-2 hanzi."""
    def block(lo: int, hi: int) -> frozenset[str]:
        out = set()
        for b1 in range(lo, hi + 1):
            for b2 in range(0xA1, 0xFF):
                try:
                    out.add(bytes((b1, b2)).decode("gb2312"))
                except UnicodeDecodeError:
                    pass
        return frozenset(out)
    return block(0xB0, 0xD7), block(0xD8, 0xF7)


@functools.cache
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def plausibility(text: str) -> float:
    """0..1: how much a sample of `text` looks like (Chinese) prose.

    Frequent hanzi (after traditional -> simplified, so Big5 text scores too),
    printable ASCII, whitespace and CJK punctuation count fully; rare hanzi
    partly; control characters, private-use and unassigned-looking code points
    count against.
    """
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return 0.0
    level1, level2 = _common_hanzi()
    sample = _t2s().convert(sample)
    score = 0.0
    for ch in sample:
        o = ord(ch)
        if 0x20 <= o < 0x7F or ch in "\n\r\t":
            score += 1
        elif ch in level1:
            score += 1
        elif ch in level2:
            score += 0.6
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            score += 0.2
        elif 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x2000 <= o <= 0x206F \
                or o in (0xA0, 0xB7, 0xD7):
            score += 1
        elif o < 0x20 or 0x7F <= o < 0xA0 or 0xE000 <= o <= 0xF8FF or o >= 0xF0000:
            score -= 2
    return max(0.0, score / len(sample))
