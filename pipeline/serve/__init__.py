"""`ghminer serve`: the analyst workbench over a run folder (see app.py, queries.py).

Browse districts, reports and facts; correct facts, sections and assignments. The
corrections go to the run's journal (pipeline/corrections.py), change the served
statistics at once, and the run's tables, DuckDB and workbook at the next
`ghminer report` / `ghminer run`.
"""
from __future__ import annotations

from pipeline.serve.security import Guard, InsecureBind, is_loopback

__all__ = ["create_app", "serve", "Guard", "InsecureBind", "is_loopback"]


def create_app(run_dir, guard: Guard | None = None):
    from pipeline.serve.app import create_app as _create

    return _create(run_dir, guard)


def serve(run_dir, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          echo=print) -> None:
    """Run the server until interrupted. Refuses a non-loopback `host` without `token`
    (InsecureBind) before anything is opened."""
    import uvicorn

    guard = Guard.for_bind(host, token)
    app = create_app(run_dir, guard)
    shown = f"[{host}]" if ":" in host else host
    echo(f"ghminer workbench: http://{shown}:{port}/?token={guard.token}")
    if not token:
        echo("(token generated for this session; writes need it, open the address above)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
