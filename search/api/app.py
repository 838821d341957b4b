"""The HTTP JSON API of `tracuu serve` (FastAPI), with the CLI's JSON contracts.

Read endpoints (open unless TRACUU_READ_LOGIN=1, then they need a token too):
  GET /health                          {"status": "ok", "index", "generation", "mode", "documents"}
  GET /search?q=&k=10&mode=hybrid&year=&issuer=&place=&type=   = `tracuu search --json`
  GET /ask?q=                          = `tracuu ask --json` (search.answer.result.Answer)
  GET /docs                            = `tracuu docs --json` (DocumentInfo + ocr_low_confidence)
  GET /duties?to=&frequency=           = `tracuu duties --json`
Write endpoints (an editor's token: `Authorization: Bearer <token from tracuu user token NAME>`):
  POST /reindex                        rebuild from the corpus folder; {"report": BuildReport}
  POST /upload?name=FILE               the request body is the file; stored in <corpus>/uploads and indexed;
                                       {"outcomes": [UploadOutcome]}; 422 (with the outcomes) when refused
Every read response says which index generation answered it in the `X-Tracuu-Generation` header (replicas and
load tests see the switch to a new generation with it).
Every write is appended to <index>/audit.jsonl (who: the token's account, origin: the client's IP address).
The OpenAPI description is at /openapi.json and its browsable page at /api-docs (/docs is the document list).

Errors are JSON `{"error": "<Vietnamese message>", "status": N}`, never a traceback: 401/403 refused by
`search.access.authorize`, 503 no usable index (missing, damaged, built by another version), 409 another build
is running, 422 a missing or invalid parameter or a refused upload, 413 a file over the size limit, 404 no such
endpoint, 400 other refusals with a message, 500 anything unexpected.
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from indexer.errors import IndexLocked, IndexMismatch, IndexMissing, TracuuError
from indexer.settings import Settings
from indexer.store.integrity import IndexDamaged
from search.access import (AccessDenied, AccessSettings, UserStore, WriteLimits, WriteRefused, audit, authorize,
                           changes)
from search.access.policy import client_origin
from search.api.holder import SearcherHolder
from search.ui_support import UploadRejected

MB = 1024 * 1024
GENERATION_HEADER = "X-Tracuu-Generation"
_UNAVAILABLE = (IndexMissing, IndexDamaged, IndexMismatch)
Frequency = Literal["weekly", "monthly", "quarterly", "semiannual", "annual", "periodic", "once"]


def _status(error: BaseException) -> int:
    if isinstance(error, AccessDenied):
        return error.status
    if isinstance(error, _UNAVAILABLE):
        return 503
    if isinstance(error, IndexLocked):
        return 409
    if isinstance(error, (WriteRefused, UploadRejected)):
        return 422
    return 400


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def docs_rows(reader) -> list[dict]:
    """The `tracuu docs --json` rows: DocumentInfo fields plus the OCR'd pages to check against the original."""
    from search.ocr_note import low_confidence_pages

    return [{**dataclasses.asdict(d), "ocr_low_confidence": [{"page": n, "confidence": round(c, 1)} for n, c in
                                                            low_confidence_pages(reader.pages(d.doc_id))]}
            for d in reader.documents()]


def create_app(settings: Settings | None = None, build: Callable[..., object] | None = None,
               env: dict[str, str] | None = None) -> FastAPI:
    """The API over `settings.index_dir` (corpus: `settings.corpus_dir`). `build` is indexer.build_index unless
    given; `env` (default os.environ) gives TRACUU_USERS, TRACUU_READ_LOGIN and the upload limits."""
    settings = settings or Settings.from_env()
    if build is None:
        from indexer import build_index as build
    access = AccessSettings.from_env(settings.index_dir, env)
    limits = WriteLimits.from_env(env)
    holder = SearcherHolder(settings.index_dir)
    app = FastAPI(title="tracuu", description="Tra cứu Kế hoạch: tìm kiếm và hỏi đáp trên kho kế hoạch (JSON).",
                  docs_url="/api-docs", redoc_url=None)
    app.state.holder = holder
    app.state.settings = settings

    @app.exception_handler(TracuuError)
    async def _tracuu_error(_request: Request, error: TracuuError) -> JSONResponse:
        return _error(_status(error), str(error))

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(_request: Request, error: RequestValidationError) -> JSONResponse:
        wrong = ", ".join(str(e.get("loc", ("?",))[-1]) for e in error.errors())
        return _error(422, f"Tham số không hợp lệ hoặc thiếu: {wrong}. Xem /api-docs.")

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        message = "Không có điểm cuối này; xem /api-docs." if error.status_code == 404 else str(error.detail)
        return _error(error.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        return _error(500, f"Lỗi máy chủ ({type(error).__name__}). Xem nhật ký của tracuu serve.")

    @contextmanager
    def leased(response: Response) -> Iterator[object]:
        """holder.lease(), naming the generation that answers in the response's X-Tracuu-Generation header."""
        with holder.lease() as searcher:
            generation = getattr(getattr(searcher, "reader", None), "generation_dir", None)
            if generation is not None:
                response.headers[GENERATION_HEADER] = Path(generation).name
            yield searcher

    def check(request: Request, action: str):
        return authorize(UserStore(access.users_path), request.headers.get("authorization"), action,
                         access.read_requires_login)

    @app.get("/health")
    def health(response: Response) -> dict:
        with leased(response) as searcher:
            return {"status": "ok", "index": str(settings.index_dir), "generation": holder.generation,
                    "mode": searcher.reader.mode, "documents": len(searcher.documents())}

    @app.get("/search")
    def search(request: Request, response: Response, q: str = Query(..., min_length=1), k: int = Query(10, ge=1, le=100),
               mode: Literal["hybrid", "lexical", "dense"] = "hybrid", year: str | None = None,
               issuer: str | None = None, place: str | None = None,
               doc_type: str | None = Query(None, alias="type")) -> dict:
        from search.cli.search import search_payload

        check(request, "search")
        wanted = {"year": year, "issuer": issuer, "place": place, "doc_type": doc_type}
        filters = {key: value for key, value in wanted.items() if value} or None
        with leased(response) as searcher:
            return search_payload(searcher.search_result(q, k=k, mode=mode, filters=filters))

    @app.get("/ask")
    def ask(request: Request, response: Response, q: str = Query(..., min_length=1)) -> dict:
        from search.answer.compose import ask as compose

        check(request, "ask")
        llm = None
        if settings.llm_url:
            from search.answer.llm import LLMClient

            llm = LLMClient(settings.llm_url, settings.llm_model)
        with leased(response) as searcher:
            return dataclasses.asdict(compose(searcher, q, llm=llm))

    @app.get("/docs")
    def documents(request: Request, response: Response) -> list:
        check(request, "read")
        with leased(response) as searcher:
            return docs_rows(searcher.reader)

    @app.get("/duties")
    def duties(request: Request, response: Response, to: str | None = None, frequency: Frequency | None = None) -> list:
        from datetime import date

        from search.cli.answer import chosen_duties, duty_records

        check(request, "duties")
        with leased(response) as searcher:
            today = date.today()
            chosen, due = chosen_duties(searcher.reader, to, frequency, today)
            return duty_records(searcher.reader, chosen, due, today)

    def rebuild_kwargs() -> dict:
        """Rebuild in the live index's mode (a lexical index stays lexical); the default mode without one."""
        try:
            with holder.lease() as searcher:
                return {"dense": searcher.reader.mode != "lexical"}
        except TracuuError:
            return {}

    @app.post("/reindex")
    def reindex(request: Request) -> dict:
        identity = check(request, "reindex")
        origin = client_origin(request.client.host if request.client else None)
        roots = [settings.corpus_dir]
        try:
            report = build(roots, settings.index_dir, settings=settings, lock_timeout=120, **rebuild_kwargs())
        except TracuuError as error:
            changes.record_build(identity, origin, "reindex", settings.index_dir, roots, error=error)
            raise
        changes.record_build(identity, origin, "reindex", settings.index_dir, roots, report)
        return {"report": dataclasses.asdict(report)}

    @app.post("/upload")
    async def upload(request: Request, name: str = Query(..., min_length=1)) -> dict:
        identity = check(request, "upload")
        origin = client_origin(request.client.host if request.client else None)
        data = bytearray()
        async for block in request.stream():  # read at most the upload limit, whatever Content-Length says
            data += block
            if len(data) > limits.max_upload_bytes:
                message = f"Tệp {name} lớn hơn giới hạn một lần tải lên ({limits.max_upload_bytes / MB:g} MB)."
                audit.record(settings.index_dir, identity.name, identity.via, "upload", file=Path(name).name,
                             origin=origin, outcome="rejected", detail=message)
                return _error(413, message)
        data = bytes(data)
        outcomes = await run_in_threadpool(
            changes.upload, identity, origin, [(Path(name).name, data)], settings.corpus_dir, settings.index_dir,
            limits, build, settings=settings, lock_timeout=120, **await run_in_threadpool(rebuild_kwargs))
        rows = [dataclasses.asdict(o) for o in outcomes]
        if outcomes and all(o.status == "rejected" for o in outcomes):
            return JSONResponse({"error": " ".join(o.message for o in outcomes), "status": 422, "outcomes": rows},
                                status_code=422)
        return {"outcomes": rows}

    return app
