"""Clean: mark template-site boilerplate so it belongs to no report and yields no facts.

Public API:
- `find_noise(text, norm) -> list[NoiseSpan]`: sorted, non-nested spans; kinds
  collection_title, site_intro, site_chrome, meta, page_number, contact,
  url, email, qq, watermark, pinyin.
- `noise_lines(doc) -> set[int]`: 1-based lines of `doc` fully covered by
  `doc.noise` (blank lines excluded), for the layout stage's content blocks.
- `is_collection(line) -> bool`: a content line that is site boilerplate
  (collection title, 小编 intro, upload line), left out of the content blocks.
The vocabulary is data: `pipeline/clean/data/noise.yaml`.
"""
from pipeline.clean.noise import find_noise, is_collection, noise_lines

__all__ = ["find_noise", "is_collection", "noise_lines"]
