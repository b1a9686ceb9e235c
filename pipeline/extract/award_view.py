"""The report text the award rules read: pinyin glosses cut out.

Web copies of traditional-character reports gloss characters in place
(`工會(huì)工作先進(jìn)單位`); the glosses break names, conferrers (被中華全國(guó)
總工會(huì)評(píng)為) and clause punctuation. The award extractor matches on a
view of `doc.norm` without them and maps every offset back to the source, so a
fact's `text` is the source as written, glosses included.
"""
from __future__ import annotations

import bisect

from pipeline.document import SourceDoc

GLOSS_KIND = "pinyin"


class TextView:
    """`doc.norm[start:end]` without pinyin glosses.

    View offsets index `norm`; `src`/`src_end` turn them into source
    offsets.
    """

    def __init__(self, doc: SourceDoc, start: int, end: int):
        self.doc = doc
        cuts = sorted((max(n.start, start), min(n.end, end)) for n in doc.noise
                      if n.kind == GLOSS_KIND and n.start < end and start < n.end)
        pieces, pos = [], start
        for s, e in cuts:
            if s > pos:
                pieces.append((pos, s))
            pos = max(pos, e)
        if pos < end:
            pieces.append((pos, end))
        self._view_starts, self._src_starts, k = [], [], 0
        for s, e in pieces:
            self._view_starts.append(k)
            self._src_starts.append(s)
            k += e - s
        self.norm = "".join(doc.norm[s:e] for s, e in pieces)
        self._start = start

    def src(self, i: int) -> int:
        """Source offset of view offset i."""
        if not self._view_starts:
            return self._start
        k = max(0, bisect.bisect_right(self._view_starts, i) - 1)
        return self._src_starts[k] + i - self._view_starts[k]

    def src_end(self, e: int) -> int:
        """Source end (exclusive) of a view span ending at e."""
        return self.src(e - 1) + 1 if e > 0 else self.src(0)

    def source(self, s: int, e: int) -> tuple[int, int, str]:
        """(start, end, text as written) in the source for view span [s, e)."""
        a, b = self.src(s), self.src_end(e)
        return a, b, self.doc.text[a:b]

    def is_noise(self, s: int, e: int) -> bool:
        """True if [s, e) overlaps boilerplate (glosses are already cut out)."""
        a, b = self.src(s), self.src_end(e)
        return any(n.start < b and a < n.end for n in self.doc.noise if n.kind != GLOSS_KIND)
