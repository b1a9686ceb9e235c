"""The workbench's web application (FastAPI): JSON API and server-rendered pages.

Pages and API call the same `RunData` queries. The report page is the review page
of the aggregate stage (`aggregate.html.review.render_review`, the same renderer as
the static pages) with the correction controls added around it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from pipeline.aggregate.html.render import css
from pipeline.aggregate.labels import zh
from pipeline.aggregate.stats import ALL_DISTRICTS
from pipeline.corrections import REPORT_FIELDS, CorrectionError
from pipeline.serve.queries import NotFound, RunData
from pipeline.serve.security import COOKIE, Guard
from schemas.report import (FACT_TYPES, ORG_TYPES, SECTION_LABELS, AwardLevel, CountMetric,
                            RateMetric)

HERE = Path(__file__).parent
# the fact search's choices: count and rate metrics (`other` once), award levels
METRICS = tuple(dict.fromkeys((*CountMetric.__args__, *RateMetric.__args__)))
AWARD_LEVELS = AwardLevel.__args__
# the only files served besides pages: a fixed list, never a path from a request
STATIC = {"workbench.js": ("application/javascript; charset=utf-8", HERE / "static" / "workbench.js")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# what the review renderer's page holds that the workbench replaces (checked: a change
# of the template fails loudly instead of serving a page without controls)
_REVIEW_CSP = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
               'style-src \'unsafe-inline\'; img-src data:">')
_REVIEW_BACK = '<a href="../dashboard.html">← 返回总览</a>'


def _opt(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def _num(v: str | None) -> float | None:
    v = _opt(v)
    if v is None:
        return None
    try:
        x = float(v)
    except ValueError:
        raise BadRequest(f"not a number: {v[:30]}") from None
    if not math.isfinite(x):
        raise BadRequest("not a finite number")
    return x


def _page(v: str | None) -> int:
    try:
        return max(1, min(int(v or 1), 1_000_000))
    except ValueError:
        raise BadRequest("page is a number") from None


class BadRequest(ValueError):
    pass


def _script_json(obj) -> Markup:
    """JSON safe inside a <script type="application/json"> element."""
    s = json.dumps(obj, ensure_ascii=False)
    return Markup(s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def create_app(run_dir, guard: Guard | None = None) -> FastAPI:
    data = RunData(run_dir)
    guard = guard or Guard.for_bind("127.0.0.1", None)
    app = FastAPI(title="ghminer workbench", version="1",
                  description="Browse, search and correct a ghminer run's facts. Writes need "
                              "the token (`Authorization: Bearer T`).",
                  docs_url=None, redoc_url=None)  # (their pages load scripts from a CDN)
    app.state.data, app.state.guard = data, guard
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["zh"] = lambda v, kind: zh(kind, v) if v is not None else "—"
    env.filters["num"] = lambda v: "—" if v is None else (
        f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}")
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.1f}%"
    env.globals.update(css=Markup(css()), SECTION_LABELS=SECTION_LABELS, FACT_TYPES=FACT_TYPES,
                       ORG_TYPES=ORG_TYPES, METRICS=METRICS, AWARD_LEVELS=AWARD_LEVELS, zh=zh)

    def page(request: Request, template: str, status: int = 200, **ctx) -> HTMLResponse:
        html = env.get_template(template).render(request=request, csrf=_csrf(request), **ctx)
        return HTMLResponse(html, status_code=status)

    def _csrf(request: Request) -> str:
        return guard.csrf if guard.authenticated(request) else ""

    @app.middleware("http")
    async def protect(request: Request, call_next):
        token = request.query_params.get("token")
        if token is not None and request.method == "GET":
            if not guard._equal(token):
                return JSONResponse({"detail": "wrong token"}, status_code=403)
            # the token goes into a cookie and out of the address bar (and history)
            target = request.url.remove_query_params("token")
            resp = RedirectResponse(str(target.path) + (f"?{target.query}" if target.query
                                                        else ""), status_code=303)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return resp
        if not guard.host_allowed(request):
            return JSONResponse({"detail": "host not allowed"}, status_code=403)
        if request.url.path != "/api/health" and not guard.may_read(request):
            return JSONResponse({"detail": "token required"}, status_code=401)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            why = guard.write_refusal(request)
            if why:
                return JSONResponse({"detail": why}, status_code=403)
        try:
            resp = await call_next(request)
        except NotFound:
            resp = JSONResponse({"detail": "not found"}, status_code=404)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    @app.exception_handler(BadRequest)
    async def bad_request(request, exc):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(NotFound)
    async def not_found(request, exc):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return page(request, "notfound.html", status=404)

    # --- JSON API --------------------------------------------------------------------

    @app.get("/api/health", tags=["api"])
    def health():
        return {"status": "ok", "run": data.run_dir.name}

    @app.get("/api/districts", tags=["api"])
    def api_districts():
        return data.districts()

    @app.get("/api/reports", tags=["api"])
    def api_reports(district: str | None = None, org_type: str | None = None,
                    flag: str | None = None, q: str | None = None, page: str | None = None,
                    branch_id: str | None = None, missing: str | None = None):
        return data.reports(_opt(district), _opt(org_type), _opt(flag), _opt(q), _page(page),
                            branch_id=_opt(branch_id), missing=_opt(missing)).as_dict()

    @app.get("/api/reports/{rid}", tags=["api"])
    def api_report(rid: str):
        row = data.report_row(rid)
        rep, branch, flags, sha = data.corrected(rid)
        return {"report_id": rid, "sha256": sha, "district": branch.district,
                "branch_id": branch.branch_id, "branch_name": branch.branch_name,
                "n_missing": row["n_missing"], "severity": row["severity"],
                "flags": [f.model_dump() for f in flags],
                "report": json.loads(rep.model_dump_json())}

    @app.get("/api/facts", tags=["api"])
    def api_facts(type: str | None = None, metric: str | None = None, level: str | None = None,
                  district: str | None = None, min: str | None = None, max: str | None = None,
                  report_id: str | None = None, page: str | None = None):
        return data.facts(_opt(type), _opt(metric), _opt(level), _opt(district), _num(min),
                          _num(max), _opt(report_id), _page(page)).as_dict()

    @app.get("/api/district_stats", tags=["api"])
    def api_district_stats(district: str | None = None, kind: str | None = None):
        return data.district_stats(_opt(district), _opt(kind))

    @app.get("/api/corrections", tags=["api"])
    def api_corrections():
        return data.corrections()

    @app.post("/api/corrections", tags=["api"])
    async def api_correct(request: Request):
        """Body: `{"report_id", "action", "fact": {"type", "start", "end"} (reject_fact,
        edit_fact), "after": {...}, "who"}`; see pipeline/corrections.py for `after`."""
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("the body is JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("report_id"), str):
            raise BadRequest("report_id required")
        try:
            res = data.correct(body["report_id"], str(body.get("action")), body.get("fact"),
                               body.get("after"), str(body.get("who") or "analyst"))
        except CorrectionError as e:
            return JSONResponse({"detail": str(e)}, status_code=422)
        row = data.report_row(body["report_id"])
        res["district"] = row["district"]
        res["district_stats"] = data.district_stats(row["district"], "metric") \
            if row["district"] else []
        return res

    # --- pages -----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        corr = data.corrections()
        return page(request, "index.html", districts=data.districts(), corrections=corr,
                    authenticated=guard.authenticated(request))

    @app.get("/districts/{name}", response_class=HTMLResponse, include_in_schema=False)
    def district_page(request: Request, name: str):
        if name not in data.district_names():
            raise NotFound(name)
        stats = data.district_stats(name)
        overview = next(d for d in data.districts() if d["district"] == name)
        listed = data.reports(district=name, page_size=20)
        return page(request, "district.html", name=name, overview=overview,
                    metrics=[s for s in stats if s["kind"] == "metric"],
                    sections=[s for s in stats if s["kind"] == "section"],
                    rates=[s for s in stats if s["kind"] == "rate"],
                    flags=[s for s in stats if s["kind"] == "flag"],
                    branches=None if name == ALL_DISTRICTS else data.district_branches(name),
                    reports=listed)

    @app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    def reports_page(request: Request, district: str | None = None,
                     org_type: str | None = None, flag: str | None = None,
                     missing: str | None = None, q: str | None = None,
                     page_no: str | None = None):
        args = dict(district=_opt(district), org_type=_opt(org_type), flag=_opt(flag),
                    missing=_opt(missing), q=_opt(q))
        listed = data.reports(**args, page=_page(page_no))
        return page(request, "reports.html", reports=listed, args=args,
                    districts=data.district_names(), flag_codes=data.flag_codes())

    @app.get("/branches/{branch_id}", response_class=HTMLResponse, include_in_schema=False)
    def branch_page(request: Request, branch_id: str, page_no: str | None = None):
        listed = data.reports(branch_id=branch_id, page=_page(page_no))
        if not listed.total:
            raise NotFound(branch_id)
        return page(request, "branch.html", branch_id=branch_id, reports=listed)

    @app.get("/facts", response_class=HTMLResponse, include_in_schema=False)
    def facts_page(request: Request, type: str | None = None, metric: str | None = None,
                   level: str | None = None, district: str | None = None,
                   min: str | None = None, max: str | None = None,
                   page_no: str | None = None):
        args = dict(type=_opt(type), metric=_opt(metric), level=_opt(level),
                    district=_opt(district), min=_num(min), max=_num(max))
        listed = data.facts(**args, page=_page(page_no))
        return page(request, "facts.html", facts=listed, args=args,
                    districts=data.district_names())

    @app.get("/corrections", response_class=HTMLResponse, include_in_schema=False)
    def corrections_page(request: Request):
        return page(request, "corrections.html", corrections=data.corrections())

    @app.get("/reports/{rid}", response_class=HTMLResponse, include_in_schema=False)
    def report_page(request: Request, rid: str):
        from pipeline.aggregate.html import render_review

        data.report_row(rid)  # 404 for an unknown id
        rep, branch, flags, sha = data.corrected(rid)
        html = render_review(rep, rid, branch, flags, data.source_text(rep.path))
        journal = data.corrections()["entries"]
        mine = [e for e in journal if e["target"]["sha256"] == sha
                and e["target"]["report_start"] == rep.start]
        controls = env.get_template("report_controls.html").render(
            rid=rid, rep=rep, branch=branch, entries=mine, REPORT_FIELDS=REPORT_FIELDS,
            authenticated=guard.authenticated(request))
        head = env.get_template("report_head.html").render(
            csrf=_csrf(request), rid=rid, facts=_script_json(
                [{"type": f.type, "start": f.start, "end": f.end, "text": f.text,
                  "provenance": f.provenance,
                  "fields": {k: v for k, v in f.model_dump().items()
                             if k not in ("type", "start", "end", "text", "line", "provenance")}}
                 for f in rep.facts]),
            report=_script_json({"id": rid, "start": rep.start, "end": rep.end,
                                 "district": branch.district}))
        for old, new in ((_REVIEW_CSP, ""), (_REVIEW_BACK, '<a href="/">← 返回工作台</a>'),
                         ("</head>", head + "</head>"), ("</main>", controls + "</main>")):
            if html.count(old) != 1:
                raise RuntimeError(f"the review page changed: cannot place {old[:30]!r}")
            html = html.replace(old, new)
        return HTMLResponse(html)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        hit = STATIC.get(name)
        if hit is None:
            raise NotFound(name)
        return Response(hit[1].read_bytes(), media_type=hit[0])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_doc(request: Request):
        return page(request, "api.html", spec=app.openapi())

    return app
