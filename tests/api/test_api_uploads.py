"""Uploads stream to disk under GEOCRM_HOME and stop at the limit (413); a cap on uploads
at once (503 with Retry-After); any file name works or is a 422; a failed job says a
plain reason, never SQL nor a server path."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from geocrm import settings
from geocrm.ingest import job_error

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bad_input"
BOUNDARY = "geocrm-test-boundary"
LIMIT = 1024 * 1024
ERROR_KEYS = {"error", "detail", "problems", "request_id"}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Iterator[Path]:
    """GEOCRM_HOME of the test's own, a 1 MiB upload limit and one upload at a time."""
    home = tmp_path / "home"
    monkeypatch.setenv("GEOCRM_HOME", str(home))
    monkeypatch.setenv("GEOCRM_UPLOAD_MAX_BYTES", str(LIMIT))
    monkeypatch.setenv("GEOCRM_UPLOAD_CONCURRENCY", "1")
    settings.database_settings.cache_clear()
    settings.api_settings.cache_clear()
    yield home
    settings.database_settings.cache_clear()
    settings.api_settings.cache_clear()


def _uploads(home: Path) -> list[Path]:
    folder = home / "imports" / "uploads"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _jobs(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM crm.import_jobs")).scalar_one()


def _part_head(filename: bytes) -> bytes:
    return (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/csv\r\n\r\n'
    )


def _form(filename: bytes, data: bytes) -> bytes:
    """A multipart body with one file, written by hand (any bytes in its name)."""
    return _part_head(filename) + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _wait_for(client, url: str, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"import did not finish: {body}")


class _Asgi:
    """One request straight into the app, its body pulled from an async generator, so a
    test sees how much the app read and what was on disk at each pull."""

    def __init__(self, client, body: AsyncIterator[bytes], headers: dict[str, str]):
        self.app = client.app
        self.body = body
        self.headers = [(b"host", b"testserver")]
        self.headers += [(b"authorization", client.headers["Authorization"].encode())]
        self.headers += [(k.encode(), v.encode()) for k, v in headers.items()]
        self.status: int | None = None
        self.response_headers: dict[bytes, bytes] = {}
        self.answer = b""
        self.pulls = 0

    async def run(self) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/imports",
            "raw_path": b"/api/imports",
            "query_string": b"",
            "root_path": "",
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }

        async def receive() -> dict:
            self.pulls += 1
            try:
                chunk = await self.body.__anext__()
            except StopAsyncIteration:
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.response_headers = dict(message["headers"])
            elif message["type"] == "http.response.body":
                self.answer += message.get("body", b"")

        await self.app(scope, receive, send)


def test_an_upload_over_the_limit_is_a_413_and_leaves_nothing(client, engine, home):
    jobs = _jobs(engine)
    big = b"external_id,name\n" + b"T-x,Big\n" * (LIMIT // 8 + 1000)
    res = client.post("/api/imports", files={"file": ("big.csv", big, "text/csv")})
    assert res.status_code == 413, res.text
    body = res.json()
    assert set(body) == ERROR_KEYS and "GEOCRM_UPLOAD_MAX_BYTES" in body["detail"]
    assert _uploads(home) == [] and _jobs(engine) == jobs


def test_a_streamed_body_is_cut_at_the_limit_and_never_more_reaches_the_disk(client, home):
    chunk = b"T-s,Streamed,customer\n" * 3000  # ~64 KiB
    seen: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield _part_head(b"stream.csv") + b"external_id,name,stage\n"
        for _ in range(4 * LIMIT // len(chunk)):  # 4 MiB offered, chunked: no length
            files = _uploads(home)
            seen.append(sum(f.stat().st_size for f in files))
            assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
            yield chunk

    request = _Asgi(client, body(), {"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    anyio.run(request.run)
    assert request.status == 413
    assert max(seen) <= LIMIT  # never more than the limit on disk ...
    assert max(seen) > LIMIT // 2  # ... which it did stream to
    assert request.pulls <= LIMIT // len(chunk) + 3  # it stopped reading at the limit
    assert _uploads(home) == []


def test_a_content_length_over_the_limit_is_refused_before_reading(client, home):
    async def body() -> AsyncIterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    request = _Asgi(
        client,
        body(),
        {
            "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            "content-length": str(50 * LIMIT),
        },
    )
    anyio.run(request.run)
    assert request.status == 413 and request.pulls == 0
    assert b"GEOCRM_UPLOAD_MAX_BYTES" in request.answer


def test_uploads_beyond_the_cap_are_503_with_retry_after(client, engine, home):
    release = anyio.Event()
    started = anyio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield _part_head(b"slow.csv") + b"external_id,name\n"
        started.set()
        await release.wait()  # the upload is under way while the second one knocks
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async def quick_body() -> AsyncIterator[bytes]:
        yield _form(b"quick.csv", b"external_id,name\n")

    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    slow = _Asgi(client, slow_body(), headers)
    quick = _Asgi(client, quick_body(), headers)

    async def both() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(slow.run)
            await started.wait()
            await quick.run()
            release.set()

    anyio.run(both)
    assert quick.status == 503, quick.answer
    assert quick.response_headers[b"retry-after"] == b"30"
    assert b"GEOCRM_UPLOAD_CONCURRENCY" in quick.answer
    assert slow.status == 202, slow.answer
    # the slot is free again once the first import is over
    res = client.post("/api/imports", files={"file": ("after.csv", b"external_id,name\n")})
    assert res.status_code == 202
    assert _wait_for(client, res.json()["status_url"])["status"] == "succeeded"
    assert _uploads(home) == []


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        (b"a" * 236 + b".csv", "a" * 236 + ".csv"),  # 240 characters: works
        (b"../../etc/passwd.csv", "passwd.csv"),
        (b"C:\\Users\\aino\\leads.csv", "leads.csv"),
        ("asiakkaat-äö-🙂.csv".encode(), "asiakkaat-äö-🙂.csv"),
    ],
)
def test_any_file_name_works_and_never_becomes_a_path(client, home, filename, label):
    res = client.post(
        "/api/imports",
        content=_form(filename, b"external_id,name\n"),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert res.status_code == 202, res.text
    job = _wait_for(client, res.json()["status_url"])
    assert job["status"] == "succeeded" and job["source_name"] == label
    assert sorted(p.name for p in home.iterdir()) == ["imports"]  # nothing beside it


@pytest.mark.parametrize(
    ("filename", "says"),
    [
        (b"a" * 300 + b".csv", "304 characters long; at most 255"),
        (b"nul\x00name.csv", "control characters"),
        (b"..", "unsupported file type"),
        (b"leads.exe", "unsupported file type"),
    ],
)
def test_a_file_name_that_cannot_be_used_is_a_422(client, home, filename, says):
    res = client.post(
        "/api/imports",
        content=_form(filename, b"external_id,name\n"),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert res.status_code == 422, res.text
    assert set(res.json()) == ERROR_KEYS and says in res.json()["detail"]
    assert _uploads(home) == []


def test_a_form_without_a_file_or_not_multipart_is_a_422(client, home):
    res = client.post("/api/imports", json={"file": "x"})
    assert res.status_code == 422 and "multipart/form-data" in res.json()["detail"]
    res = client.post("/api/imports", data={"map": "a=name"}, files={"other": ("x.csv", b"x")})
    assert res.status_code == 422 and "no complete file field" in res.json()["detail"]


def test_uploads_a_crashed_server_left_are_swept_a_day_later(client, home):
    folder = home / "imports" / "uploads"
    folder.mkdir(parents=True)
    stale, fresh = folder / "stale.csv", folder / "fresh.csv"
    for path in (stale, fresh):
        path.write_bytes(b"external_id,name\n")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    res = client.post("/api/imports", files={"file": ("x.csv", b"external_id,name\n")})
    assert res.status_code == 202
    assert _uploads(home) == [fresh]  # the fresh one may be an upload under way elsewhere


def test_form_fields_besides_the_file_stay_small(client, home):
    res = client.post(
        "/api/imports",
        files={"file": ("a.csv", b"external_id,name\n")},
        data={"map": ["x" * 70_000 + "=name"]},
    )
    assert res.status_code == 422 and "besides the file exceed 65,536" in res.json()["detail"]
    assert _uploads(home) == []


def test_an_uploaded_corpus_file_keeps_its_good_rows_and_points_at_its_rejects(
    client, engine, home
):
    try:
        res = client.post(
            "/api/imports", files={"file": ("nul.csv", (CORPUS / "nul.csv").read_bytes())}
        )
        job = _wait_for(client, res.json()["status_url"])
        assert job["status"] == "succeeded", job
        assert (job["inserted"], job["rejected"]) == (2, 1)
        assert job["rejects_file"] == f"/api/imports/{job['import_id']}/rejects"
        rejected = client.get(job["rejects_file"]).json()
        assert [(r["line"], r["reason"]) for r in rejected] == [
            (3, "name contains a NUL character")
        ]
        assert _uploads(home) == []
        reports = list((home / "imports" / "rejects").iterdir())
        assert len(reports) == 1 and reports[0].stat().st_mode & 0o777 == 0o600
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-nul-%'"))


def test_a_failed_job_says_a_plain_reason_without_the_server_path(client, home):
    res = client.post(
        "/api/imports",
        files={"file": ("broken.geojson", (CORPUS / "not_json.geojson").read_bytes())},
    )
    job = _wait_for(client, res.json()["status_url"])
    assert job["status"] == "failed"
    assert job["error"].startswith("broken.geojson cannot be read as geojson")
    assert str(home) not in job["error"] and "uploads" not in job["error"]


def test_a_job_error_never_carries_sql():
    sql = "SELECT secret FROM crm.customers WHERE external_id = %(x)s"
    bug = ProgrammingError(sql, {"x": "T-1"}, Exception('relation "crm.nope" does not exist'))
    said = job_error(bug)
    assert "SELECT" not in said and "crm." not in said and "server's log" in said
    down = OperationalError(sql, {}, psycopg.OperationalError("connection refused\nDETAIL: x"))
    assert job_error(down) == "the database could not be reached; try again shortly"
    assert job_error(KeyboardInterrupt()).startswith("interrupted")
