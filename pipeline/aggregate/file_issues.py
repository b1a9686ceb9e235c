"""Problems of whole input files, which no report carries: files that failed,
files read but yielding no report, and refused rows of the branch manifest.

They are listed beside the reports' own flags (workbook sheet 缺项与问题, the
dashboard, the `file_issues` table) so that nothing an analyst sent in
disappears without a word.
"""
from __future__ import annotations

from pathlib import Path

from schemas.report import RefusedManifestRow

COLUMNS = ["district", "branch_name", "source", "path", "code", "severity", "message"]


def file_issues(run_manifest: dict, refused_rows: list[RefusedManifestRow], resolver):
    """One row per failed file, per processed file with no report, per refused manifest
    row, as a DataFrame of COLUMNS; `resolver` (a BranchResolver) gives the file's
    branch where it can be told."""
    import pandas as pd

    rows = []

    def add(path: str, source: str, code: str, severity: str, message: str) -> None:
        branch = resolver.resolve(path, None) if path else None
        rows.append({"district": branch.district if branch else None,
                     "branch_name": branch.branch_name if branch else None,
                     "source": source, "path": path, "code": code, "severity": severity,
                     "message": message})

    for rec in run_manifest.get("files", []):
        if rec.get("status") == "failed":
            add(rec["path"], rec.get("source", ""), "file_failed", "error",
                f"文件未能处理：{rec.get('reason') or '原因不明'}；请重新提交可读的文件")
        for flag in rec.get("flags") or []:
            if flag.get("code") == "no_report":
                add(rec["path"], rec.get("source", ""), "no_report", "error",
                    f"文件已读取，但未识别出任何报告：{flag.get('message', '')}；请人工查看原文")
    for row in refused_rows:
        add("", Path(row.manifest).name, "manifest_row_refused", "warning",
            f"清单 {Path(row.manifest).name} 第 {row.line} 行（{row.file}）未采用：{row.reason}")
    return pd.DataFrame(rows, columns=COLUMNS).astype(
        {c: "string" for c in COLUMNS})
