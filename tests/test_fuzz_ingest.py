"""Fuzz targets for ingest and the numeral normaliser (hypothesis-driven; bounded).

- ingest: random bytes, mutated real .docx/.html/text files, under every suffix:
  `read_file` returns text (LF lines only, no lone surrogates) or raises
  IngestError with a reason; never anything else, never a hang.
- normalise: any Unicode keeps its length (offsets stay valid).
- numerals: `parse_number` on numeral soup returns None or a finite, non-negative,
  bounded value; never raises.

GHMINER_FUZZ_EXAMPLES (default 150) sets the examples per target.
"""
from __future__ import annotations

import io
import math
import os
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract.numerals import MAX_VALUE, parse_number
from pipeline.ingest import IngestError, read_file
from pipeline.normalise import normalise
from tests.hardening.make_bad_corpus import HOSTILE_HTML, REPORT, _docx_bytes

EXAMPLES = int(os.environ.get("GHMINER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SUFFIXES = [".txt", ".md", ".html", ".htm", ".docx", ""]
_DOCX = _docx_bytes()
SEEDS = [REPORT.encode(c) for c in ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le",
                                     "utf-16-be", "utf-32")] + \
        [_DOCX, HOSTILE_HTML.encode("utf-8"), b"<html><body><p>\xb9\xa4\xbb\xe1</p></body></html>"]
_TMP = Path(tempfile.mkdtemp(prefix="ghminer-fuzz-"))


def ingest(data: bytes, suffix: str):
    path = _TMP / f"f{suffix}"
    path.write_bytes(data)
    try:
        got = read_file(path, max_bytes=2 * 1024 * 1024)
    except IngestError as e:
        assert isinstance(e.reason, str) and e.reason.strip()
        return None
    assert "\r" not in got.text and got.text.strip()
    got.text.encode("utf-8")  # no lone surrogates: every writer downstream needs UTF-8
    return got


@st.composite
def mutated(draw):
    """A real file with byte flips, insertions, deletions and truncation."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


@st.composite
def mutated_docx(draw):
    """A .docx whose document.xml is re-zipped after mutation (the zip stays valid,
    so the XML parser, not the zip check, meets the damage)."""
    with zipfile.ZipFile(io.BytesIO(_DOCX)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = bytearray(parts["word/document.xml"])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(xml) - 1))
        xml[pos:pos + draw(st.integers(0, 4))] = draw(st.sampled_from(
            [b"<", b">", b"&", b"&lol;", b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]>",
             b"\x00", b"\xff", b"]]>", b"<w:p>", b"</w:p>", b"<w:t>", b"</w:t>", b'"']))
    parts["word/document.xml"] = bytes(xml)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(SUFFIXES))
def test_ingest_random_bytes(data, suffix):
    ingest(data, suffix)


@FUZZ
@given(mutated(), st.sampled_from(SUFFIXES))
def test_ingest_mutated_real_files(data, suffix):
    ingest(data, suffix)


@FUZZ
@given(mutated_docx())
def test_ingest_mutated_docx_xml(data):
    got = ingest(data, ".docx")
    assert got is None or "root:x:0" not in got.text


@FUZZ
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=2000), st.sampled_from(
    ["utf-8", "gb18030", "utf-16-le", "utf-16-be", "big5"]), st.sampled_from(SUFFIXES))
def test_ingest_random_text_in_any_encoding(text, codec, suffix):
    ingest(text.encode(codec, "replace"), suffix)


@FUZZ
@given(st.text(max_size=500))
def test_normalise_preserves_length_on_any_unicode(text):
    assert len(normalise(text)) == len(text)


NUMERAL_SOUP = st.text(alphabet="0123456789０１２３４５６７８９.,，。．%％-~～—至到、 "
                                "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億余多近约数几上点"
                                "人元个次xX×*_", max_size=60)


@FUZZ
@given(st.one_of(NUMERAL_SOUP, st.text(max_size=60),
                 st.integers(0, 10 ** 40).map(str), st.integers(0, 10 ** 40).map(lambda n: f"{n:,}")))
def test_numeral_parser_returns_none_or_a_sane_value(s):
    got = parse_number(s)
    if got is not None:
        assert math.isfinite(got.value) and 0 <= got.value <= MAX_VALUE, (s, got)
