"""kill -9 the server in the middle of a burst of writes: nothing acknowledged is lost.

A real ``trialkit serve`` process on a SQLite file takes concurrent writes
(lab results, each with its audit event in the same transaction); it is
killed with SIGKILL while requests are in flight, restarted on the same file,
and then every write that got a 2xx must be there, with its value, and every
stored record must have its audit event (no half-written record), and the
audit hash chain must verify.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.web.api_support import (
    FULL_NAMES,
    PASSWORD,
    USERS,
    basic,
    enrolled_subject,
    free_port,
)
from trialkit.services.study.service import StudyService
from trialkit.store import open_store
from trialkit.web.auth import CSRF_HEADER

TRIALKIT = Path(sys.executable).parent / "trialkit"
WRITERS = 12
ACKNOWLEDGED_BEFORE_KILL = 60


@contextmanager
def serve(db_url: str, cwd: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {**os.environ, "TRIALKIT_SECRET_KEY": "crash-test-key"}
    proc = subprocess.Popen(
        [str(TRIALKIT), "serve", "--db", db_url, "--port", str(port), "--no-access-log"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"trialkit serve exited with {proc.returncode}: {err}")
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("trialkit serve did not answer within 60 s")
            time.sleep(0.1)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.slow
def test_sigkill_mid_write_loses_no_acknowledged_write(store_url: str, tmp_path: Path) -> None:
    url = store_url  # SQLite and PostgreSQL: the server process dies, the database does not
    store = open_store(url)
    service = StudyService(store)
    for username, role in USERS.items():
        service.add_user(None, username, PASSWORD, role, FULL_NAMES[username])
    store.close()

    acknowledged: dict[int, float] = {}  # lab id → value, for every 201 received
    lock = threading.Lock()
    stop = threading.Event()
    unexpected: list[str] = []

    with serve(url, tmp_path) as (proc, base):
        with httpx.Client(base_url=base, timeout=60) as setup:
            subject_id = enrolled_subject(setup)["id"]

        # one login (argon2 is slow by design); every writer carries that session
        with httpx.Client(base_url=base, timeout=60) as login:
            token = login.post(
                "/api/v1/auth/login", json={"username": "carol", "password": PASSWORD}
            ).json()["csrf_token"]
            cookies = dict(login.cookies)
        writers = [
            (httpx.Client(base_url=base, timeout=30, cookies=cookies), token)
            for _ in range(WRITERS)
        ]

        def writer(n: int) -> None:
            client, token = writers[n]
            with client:
                i = 0
                while not stop.is_set():
                    value = float(n * 100_000 + i)
                    i += 1
                    try:
                        response = client.post(
                            f"/api/v1/subjects/{subject_id}/labs",
                            json={
                                "analyte": "platelets",
                                "value": value,
                                "unit": "10*3/uL",
                                "lab_date": "2026-12-01",
                            },
                            headers={CSRF_HEADER: token},
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code == 201:
                        with lock:
                            acknowledged[response.json()["id"]] = value
                    else:
                        with lock:
                            unexpected.append(f"{response.status_code} {response.text}")
                        return

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # mid-stream: writers are still sending
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert proc.returncode == -signal.SIGKILL

    assert not unexpected, unexpected[:3]
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

    if url.startswith("sqlite:///"):
        # The file is a sound database after the kill (WAL recovered on open).
        with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with serve(url, tmp_path) as (_proc, base), httpx.Client(base_url=base, timeout=60) as c:
        subject = c.get(f"/api/v1/subjects/{subject_id}", headers=basic("mona")).json()
        stored = {lab["id"]: lab["value"] for lab in subject["labs"]}
        missing = {i: v for i, v in acknowledged.items() if stored.get(i) != v}
        assert not missing, f"acknowledged but lost: {sorted(missing)[:10]}"

        # Every stored lab has exactly one create event: no record without its audit.
        trail = c.get("/api/v1/audit", params={"kind": "lab"}, headers=basic("admin")).json()
        created = [e["record_id"] for e in trail if e["action"] == "create"]
        assert sorted(created) == sorted(stored)
        report = c.get("/api/v1/audit/verify", headers=basic("admin")).json()
        assert report["ok"] is True, report["problems"]
