"""Ingest: input files -> decoded source text.

Public API (used by `pipeline.process`):
- `SUPPORTED_SUFFIXES`: suffixes discovered in directories.
- `discover(inputs)`: the input files under the given paths, sorted.
- `read_file(path, max_bytes)`: an `Ingested` (text, encoding, format, n_bytes,
  sha256; OCR confidence and low-confidence spans for scans), or `IngestError`
  with a human-readable `reason`.

Formats: `data/formats.yaml` maps suffixes and magic bytes to a format name;
`readers/` holds one module per format (txt/md, docx, html, pdf, image (OCR),
doc (.doc/.wps), rtf, mht), each registered under its name (`readers.register`);
see docs/formats.md.
- `display_path(path)`, `display_name(path)`: a path as UTF-8-writable text
  (file names in GBK bytes are decoded, not allowed to stop the run).

The *source text* all offsets refer to is the decoded text with CRLF/CR
turned into LF.
"""
from pipeline.ingest.discover import discover, supported_suffixes
from pipeline.ingest.model import IngestError, Ingested
from pipeline.ingest.paths import display_name, display_path
from pipeline.ingest.read import MAX_BYTES, normalise_newlines, read_file

SUPPORTED_SUFFIXES: tuple[str, ...] = supported_suffixes()

__all__ = ["SUPPORTED_SUFFIXES", "discover", "read_file", "IngestError", "Ingested",
           "MAX_BYTES", "normalise_newlines", "display_path", "display_name"]
