"""Layout: the line/block view of a document, read by split and structure alike.

- `markers.py`: heading numbering markers (一、 (一) 1. ① 一是 第一部分 ...);
- `blocks.py`: content blocks (`Block`), the non-empty, non-boilerplate lines
  of a doc, computed once and kept on the doc (`doc.blocks`).
"""
