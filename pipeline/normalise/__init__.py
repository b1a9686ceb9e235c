"""Normalise: source text -> `norm`, a same-length text that is easier to match.

Public API: `normalise(text) -> str`, with `len(result) == len(text)` always,
so an offset found in the normalised text is the same offset in the source.

- traditional -> simplified (OpenCC t2s, phrase-aware; a line whose
  conversion would change its length is converted character by character);
- full-width digits, letters and symbols (％＊＿…) -> ASCII; Chinese
  punctuation (，。：（）) kept;
- a decimal mark written as a full stop between digits -> "." (13。5 -> 13.5);
- odd spaces (NBSP, ideographic space, zero-width, tabs) -> " ".
`×` and `•` are kept (× is a mask character in these reports).
"""
from pipeline.normalise.normalise import normalise

__all__ = ["normalise"]
