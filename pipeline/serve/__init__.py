"""`ghminer serve`: the analyst workbench over a run folder (see app.py, queries.py).

Browse districts, reports and facts; correct facts, sections and assignments. The
corrections go to the run's journal (pipeline/corrections.py), change the served
statistics at once, and the run's tables, DuckDB and workbook at the next
`ghminer report` / `ghminer run`.
"""
from __future__ import annotations

from pipeline.serve.security import Guard, InsecureBind, is_loopback

__all__ = ["create_app", "serve", "listen", "CannotListen", "Guard", "InsecureBind",
           "is_loopback"]


class CannotListen(ValueError):
    """The address or port cannot be bound (in use, not this machine's)."""


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
    # bound before the address is printed: a port in use is an error, not an address
    # that leads to another server
    sock = listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    echo(f"ghminer workbench: http://{shown}:{port}/?token={guard.token}")
    if not token:
        echo("(token generated for this session; writes need it, open the address above)")
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C, re-raised by uvicorn once it has shut down: a normal stop
        pass


def listen(host: str, port: int):
    """A socket bound to host:port (as uvicorn binds: SO_REUSEADDR); CannotListen
    saying why and what to do."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise CannotListen(f"cannot listen on {host}: {e.strerror}") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise CannotListen(f"port {port} on {host} is in use (another `ghminer serve`?): "
                               "choose another with --port") from None
        raise CannotListen(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock
