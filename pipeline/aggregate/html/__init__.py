"""Self-contained HTML outputs: the district dashboard and one review page per report.

No CDN, no script: inline CSS and SVG only, and a Content-Security-Policy that
forbids scripts, so a page opens offline and report text can never execute.
"""
from pipeline.aggregate.html.dashboard import render_dashboard
from pipeline.aggregate.html.review import render_review, review_filename

__all__ = ["render_dashboard", "render_review", "review_filename"]
