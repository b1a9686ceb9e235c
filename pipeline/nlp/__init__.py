"""Tokenisation: jieba with the union-domain user dictionary, and a blank spaCy zh.

jieba is process-global (its dictionary is shared with spaCy's jieba segmenter),
so it is initialised once per process, quietly, with its cache in a private
writable folder. Tokenise only small windows (classifier inputs, candidates):
jieba runs at ~300k chars/s, far below the regex stages.
"""
from __future__ import annotations

import functools
import logging
import os
import tempfile
import threading
from pathlib import Path

USERDICT = Path(__file__).parent / "data" / "userdict.txt"
_lock = threading.Lock()


def _cache_dir() -> str:
    base = os.environ.get("GHMINER_CACHE") or os.path.join(tempfile.gettempdir(), f"ghminer-jieba-{os.getuid()}")
    os.makedirs(base, exist_ok=True)
    return base


@functools.cache
def jieba_tokenizer():
    """The initialised global jieba tokenizer (user dictionary loaded, quiet)."""
    with _lock:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.dt.tmp_dir = _cache_dir()
        jieba.dt.initialize()
        jieba.dt.load_userdict(str(USERDICT))
        return jieba.dt


def segment(text: str) -> list[str]:
    """Words of `text` (jieba, HMM on), whitespace tokens dropped."""
    if not text:
        return []
    return [w for w in jieba_tokenizer().lcut(text) if w.strip()]


@functools.cache
def spacy_nlp():
    """A cached `spacy.blank("zh")` whose tokenizer is jieba with our user dictionary."""
    jieba_tokenizer()  # global dictionary first: spaCy's segmenter uses jieba.dt
    import spacy  # lazy: ~1 s import

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
