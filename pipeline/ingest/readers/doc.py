"""Word 97-2003 .doc and WPS .wps (OLE2 compound files): external converters.

No maintained pure-Python reader of the binary Word format exists, so the
converters of formats.yaml `doc_converters` are run as subprocesses in their
order (antiword, catdoc, LibreOffice): the first installed one that gives text
wins; one that fails passes the file to the next. None installed: the file fails
with that reason. A .doc that is really RTF, HTML or .docx never gets here
(formats.yaml `content_decides`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from pipeline.ingest.data_files import load_formats
from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.sniff import binary_kind

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def converter_path(name: str) -> str | None:
    """Where a converter's executable is, or None (tests monkeypatch this lookup)."""
    return shutil.which(name)


def installed_converters() -> list[tuple[str, list[str]]]:
    out = []
    for conv in load_formats()["doc_converters"]:
        exe = converter_path(conv["cmd"][0])
        if exe is not None:
            out.append((conv["name"], [exe, *conv["cmd"][1:]]))
    return out


@register("doc")
def read_doc(req: ReadRequest) -> Decoded:
    if not req.data.startswith(OLE2):
        kind = binary_kind(req.data[:64])
        raise IngestError("not a Word 97-2003 .doc/.wps file"
                          + (f" ({kind})" if kind else " (not an OLE2 compound file)"))
    converters = installed_converters()
    if not converters:
        raise IngestError("Word .doc/.wps needs a converter but none is installed "
                          f"({load_formats()['doc_install_hint']})")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ghminer-doc-") as tmp:
        path = os.path.join(tmp, "input.doc")
        with open(path, "wb") as f:
            f.write(req.data)
        for name, cmd in converters:
            try:
                text = _convert(cmd, path, tmp)
            except _Failed as e:
                failures.append(f"{name}: {e}")
                continue
            if text.strip():
                return Decoded(text, tool=name)
            failures.append(f"{name}: no text")
    raise IngestError("not a readable Word .doc/.wps (" + "; ".join(failures) + ")")


class _Failed(Exception):
    pass


def _convert(cmd: list[str], path: str, tmp: str) -> str:
    args = [a.replace("{file}", path).replace("{profile}", os.path.join(tmp, "lo-profile"))
            for a in cmd]
    timeout = load_formats()["doc_converter_timeout"]
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env=dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8"))
    except subprocess.TimeoutExpired:
        raise _Failed(f"took longer than {timeout} s") from None
    except OSError as e:
        raise _Failed(e.strerror or str(e)) from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _Failed(err[-1][:160] if err else f"exit status {done.returncode}")
    text = done.stdout.decode("utf-8", "replace")
    if text.count("\ufffd") > max(3, len(text) // 100):
        raise _Failed("output is not UTF-8 text")
    return text.lstrip("\ufeff")
