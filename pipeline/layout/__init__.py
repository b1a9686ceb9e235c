"""Layout: the line/block view of a document, read by split and structure alike.

- `reflow.py`: the layout view of a decoded text (hard-wrapped lines joined,
  layout spaces dropped, run-on text broken into paragraphs) with its offset
  map back into the source; None when the text is its own view (the common case);
- `markers.py`: heading numbering markers (一、 (一) 1. ① 一是 第一部分 ...);
- `blocks.py`: content blocks (`Block`), the non-empty, non-boilerplate lines
  of a doc, computed once after the clean stage and kept on the doc (`doc.blocks`);
- `mapping.py`: moves every position of a report found in the view back into
  the decoded source (end of `pipeline.process.analyse_doc`).
"""
