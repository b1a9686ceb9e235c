"""An HTML page -> its visible text.

Scripts, styles, noscript, iframes, the head and elements hidden with the
`hidden` attribute or an inline `display:none` are dropped; block elements
start and end a line; table cells in a row are separated by a tab; runs of
HTML whitespace collapse to one space (not inside <pre>); entities are decoded
by the parser. Blank lines are dropped, so each line is one block of text.

Safety: lxml's HTML parser with no network, no huge_tree (bounded depth and
text node size) and no entity resolution beyond HTML's predefined ones, so a
"billion laughs" DOCTYPE stays inert. The tree is walked iteratively (deep
nesting cannot overflow the Python stack).
"""
from __future__ import annotations

import functools
import re

import lxml.html
from lxml import etree

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.decode import decode_text
from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.sniff import binary_kind

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Anchored at the start, where a DOCTYPE is: one attempt, so the lazy scan is linear.
_DOCTYPE_SUBSET = re.compile(r"\A\s*<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.I | re.S)
# Crude tag stripping, the fallback when libxml2 gives up (e.g. nesting > 256 deep).
# Written to run in linear time: with thousands of unclosed "<script" or "<p" each
# regex match scanned to the end of the page (a 256 KB page took a minute).
_FALLBACK_DROP_OPEN = re.compile(r"<(script|style|noscript|iframe|template|head|title|svg|textarea)\b|<!--",
                                 re.I)
_FALLBACK_BLOCK = re.compile(r"</?(?:p|div|br|li|h[1-6]|tr|table|section|article|ul|ol|blockquote|pre|hr|dd|dt)\b[^>]*>",
                             re.I)
_FALLBACK_CELL = re.compile(r"</t[dh]\s*>", re.I)
_FALLBACK_TAG = re.compile(r"<[^>]*>")
_CLOSE_END = re.compile(r"\s*>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@functools.cache
def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                huge_tree=False, recover=True)


@functools.cache
def _tags() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    f = load_formats()
    return (frozenset(f["html_skip_tags"]), frozenset(f["html_block_tags"]),
            frozenset(f["html_cell_tags"]))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (<meta charset=...>), if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def html_text(markup: str) -> str:
    """Visible text of decoded HTML markup."""
    markup = _XML_DECL.sub("", markup, count=1)
    markup = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", markup, count=1)
    if not markup.strip():
        raise IngestError("no text content (empty HTML)")
    try:
        root = lxml.html.document_fromstring(markup, parser=_parser())
    except (etree.ParserError, ValueError) as e:
        raise IngestError(f"not valid HTML ({e})") from None
    skip, block, cell = _tags()
    out: list[str] = []
    # Iterative walk: (element, entering) events; tails are emitted after the element.
    stack: list[tuple[object, bool, bool]] = [(root, True, False)]
    while stack:
        el, entering, in_pre = stack.pop()
        if isinstance(el, str):          # a pending tail
            out.append(el if in_pre else _HTML_SPACE.sub(" ", el))
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower().rsplit("}", 1)[-1]
        if entering:
            hidden = tag in skip or el.get("hidden") is not None or \
                _HIDDEN_STYLE.search(el.get("style") or "")
            if el.tail:
                stack.append((el.tail, True, in_pre))
            if hidden:
                continue
            pre = in_pre or tag == "pre"
            if tag in block:
                out.append("\n")
            stack.append((el, False, pre))
            for child in reversed(el):
                stack.append((child, True, pre))
            if el.text and tag:
                out.append(el.text if pre else _HTML_SPACE.sub(" ", el.text))
        else:
            if tag in block:
                out.append("\n")
            elif tag in cell:
                out.append("\t")
    text = _tidy_lines("".join(out))
    fallback = _fallback_text(markup)
    # libxml2 drops content nested deeper than its limit: then trust the crude reading.
    if _visible(text) < 0.5 * _visible(fallback):
        return fallback
    return text


def _tidy_lines(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        line = line.strip(" \t")
        if line:
            lines.append(line)
    return "\n".join(lines)


def _visible(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t")


def _drop_hidden(markup: str) -> str:
    r"""Markup with hidden elements (script, style, ...) and comments replaced by a space.

    The same result as `re.sub(r"<(script|...)\b.*?</\1\s*>|<!--.*?-->", " ")`, in
    linear time: a closing tag missing after one position is missing after every
    later one, so each tag name is searched for at most once past the last find.
    """
    lower = markup.lower()
    out: list[str] = []
    unclosed: set[str] = set()
    pos = 0
    while True:
        m = _FALLBACK_DROP_OPEN.search(markup, pos)
        if m is None:
            out.append(markup[pos:])
            return "".join(out)
        name = (m.group(1) or "").lower()
        closer = "</" + name if name else "-->"
        end = -1 if closer in unclosed else lower.find(closer, m.end())
        while name and end != -1 and not _CLOSE_END.match(lower, end + len(closer)):
            end = lower.find(closer, end + len(closer))
        if end == -1:  # never closed: left as it is (the tag is stripped later)
            unclosed.add(closer)
            out.append(markup[pos:m.end()])
            pos = m.end()
            continue
        out.append(markup[pos:m.start()])
        out.append(" ")
        pos = _CLOSE_END.match(lower, end + len(closer)).end() if name else end + 3


def _sub_tags(pattern: re.Pattern, repl, markup: str) -> str:
    """`pattern.sub` for a `<...[^>]*>` pattern, linear: no match can start after the
    last ">" (each attempt there would scan to the end), so that tail is left alone."""
    last = markup.rfind(">") + 1
    return pattern.sub(repl, markup[:last]) + markup[last:]


def _fallback_text(markup: str) -> str:
    import html
    markup = _drop_hidden(markup)
    markup = _sub_tags(_FALLBACK_BLOCK, "\n", markup)
    markup = _FALLBACK_CELL.sub("\t", markup)
    markup = _sub_tags(_FALLBACK_TAG, "", markup)
    markup = _HTML_SPACE.sub(lambda m: "\n" if "\n" in m.group() else " ", markup)
    return _tidy_lines(html.unescape(markup))


@register("html")
def read_html(req: ReadRequest) -> Decoded:
    markup, encoding = decode_html(req.data)
    return Decoded(html_text(markup), encoding=encoding)


def decode_html(data: bytes) -> tuple[str, str]:
    """HTML bytes -> markup str: BOM, then the declared charset, then text detection."""
    kind = binary_kind(data[:64])
    if kind:
        raise IngestError(f"binary content ({kind})")
    charset = declared_charset(data)
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        codec = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(charset, charset)
        try:
            return data.decode(codec), charset
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common; fall back to detection
    return decode_text(data)
