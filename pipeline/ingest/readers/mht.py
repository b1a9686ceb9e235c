"""MHTML (.mht/.mhtml; Word's "single file web page", often saved as .doc): the
first text/html part of the MIME message, read as HTML."""
from __future__ import annotations

import email
import email.policy

from pipeline.ingest.model import IngestError
from pipeline.ingest.readers import Decoded, ReadRequest, register
from pipeline.ingest.readers.html import html_text


@register("mht")
def read_mht(req: ReadRequest) -> Decoded:
    try:
        msg = email.message_from_bytes(req.data, policy=email.policy.default)
        part = next((p for p in msg.walk() if p.get_content_type() == "text/html"), None)
        if part is None:
            raise IngestError("not a readable MHTML file (no text/html part)")
        markup = part.get_content()
    except IngestError:
        raise
    except Exception as e:  # the email package raises many types on damaged messages
        raise IngestError(f"not a readable MHTML file ({type(e).__name__}: {str(e)[:100]})") from None
    if not isinstance(markup, str):
        raise IngestError("not a readable MHTML file (html part is not text)")
    return Decoded(html_text(markup), encoding=part.get_content_charset())
