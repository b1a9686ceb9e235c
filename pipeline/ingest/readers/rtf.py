"""RTF: striprtf, which decodes \\uN escapes and \\'xx bytes in the document's
code page (\\ansicpg936 for GBK Chinese, as Word and WPS write it)."""
from __future__ import annotations

import re

from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register

_CODEPAGE = re.compile(rb"\\ansicpg(\d{3,5})")


@register("rtf")
def read_rtf(req: ReadRequest) -> Decoded:
    data = req.data.lstrip(b"\xef\xbb\xbf")
    if not data.startswith(b"{\\rtf"):
        raise IngestError("not a valid RTF file (does not start with {\\rtf)")
    m = _CODEPAGE.search(data[:4096])
    codepage = f"cp{m.group(1).decode()}" if m else "cp1252"
    try:
        "".encode(codepage)
    except LookupError:
        codepage = "cp1252"
    # RTF is 7-bit; some writers put raw GBK bytes in it: decode those as the code page says.
    try:
        markup = data.decode("ascii")
    except UnicodeDecodeError:
        try:
            markup = data.decode("gb18030" if codepage == "cp936" else codepage)
        except UnicodeDecodeError:
            markup = data.decode("latin-1")
    from striprtf.striprtf import rtf_to_text
    try:
        text = rtf_to_text(markup, encoding=codepage, errors="replace")
    except Exception as e:  # striprtf raises plain errors on broken groups
        raise IngestError(f"not a readable RTF file ({type(e).__name__}: {str(e)[:100]})") from None
    return Decoded(text, encoding=codepage, tool="striprtf")
