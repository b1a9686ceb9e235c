"""Plain text (.txt, .md): encoding detection (`pipeline.ingest.decode`)."""
from __future__ import annotations

from pipeline.ingest.decode import decode_text
from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.sniff import ZIP_MAGIC


@register("txt", "md")
def read_text(req: ReadRequest) -> Decoded:
    if req.data.startswith(ZIP_MAGIC):
        raise IngestError("binary content (ZIP archive)")
    text, encoding = decode_text(req.data, req.encoding_hint)
    return Decoded(text, encoding=encoding)
