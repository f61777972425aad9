"""Load test of the study application: 50 concurrent clients on the screening page for 30 s.

A real ``trialkit serve`` process (one uvicorn worker, the default) over a
SQLite file seeded with users and a screening log of real verdicts; the
clients are asyncio + httpx in this process, each logged in with the same
session cookie, each sending its next request as soon as the last one is
answered (closed loop). Prints p50/p99 latency and requests per second; the
numbers go into docs/performance.md. Nothing here asserts a wall time.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 30] [--screenings 60] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from trialkit.services.study.service import StudyService
from trialkit.store import open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "src/trialkit/protocols/nct05894486/examples"
PASSWORD = "load-test-password"
PAGE = "/screening"


@dataclass(frozen=True)
class LoadResult:
    clients: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    error_kinds: tuple[tuple[str, int], ...] = ()  # what failed: "HTTP 503", "ReadTimeout" …

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def seed(url: str, screenings: int) -> None:
    """Users and a screening log of ``screenings`` patients screened by the real engine."""
    store = open_store(url)
    try:
        service = StudyService(store)
        service.add_user(None, "admin", PASSWORD, "admin")
        coordinator = service.add_user(None, "carol", PASSWORD, "coordinator")
        actor = service.authenticate(coordinator.username, PASSWORD)
        bundles = sorted(EXAMPLES.glob("*.json"))
        for i in range(screenings):
            service.screen(
                actor,
                bundle=bundles[i % len(bundles)].read_bytes(),
                crf=None,
                as_of=date(2026, 11, 24),
            )
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(url: str, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    trialkit = shutil.which("trialkit", path=str(Path(sys.executable).parent)) or "trialkit"
    proc = subprocess.Popen(
        [trialkit, "serve", "--db", url, "--port", str(port), "--no-access-log"],
        cwd=cwd,
        env={**os.environ, "TRIALKIT_SECRET_KEY": "load-test"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"trialkit serve exited with {proc.returncode}")
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("trialkit serve did not start within 60 s")


async def hammer(base: str, clients: int, seconds: float) -> LoadResult:
    async with httpx.AsyncClient(base_url=base, timeout=60) as login:
        response = await login.post(
            "/api/v1/auth/login", json={"username": "carol", "password": PASSWORD}
        )
        response.raise_for_status()
        cookies = dict(login.cookies)
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, timeout=60, limits=limits
    ) as client:
        warm = await client.get(PAGE)
        if warm.status_code != 200:
            raise RuntimeError(f"{PAGE} answered {warm.status_code}")
        start = time.perf_counter()
        stop_at = start + seconds

        async def one_client() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                try:
                    r = await client.get(PAGE)
                    failure = None if r.status_code == 200 else f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                if failure is None:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1
                    kinds[failure] += 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return LoadResult(
        clients,
        elapsed,
        len(latencies),
        errors,
        statistics.median(ordered) * 1000,
        p99 * 1000,
        tuple(sorted(kinds.items())),
    )


def run(
    clients: int = 50, seconds: float = 30, screenings: int = 60, db: str | None = None
) -> LoadResult:
    with tempfile.TemporaryDirectory() as tmp:
        url = db or f"sqlite:///{Path(tmp) / 'load.db'}"
        seed(url, screenings)
        proc, base = start_server(url, Path(tmp))
        try:
            return asyncio.run(hammer(base, clients, seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def report(result: LoadResult, screenings: int) -> None:
    print(
        f"study app load: {result.clients} concurrent clients, {result.seconds:.0f} s, "
        f"GET {PAGE} (screening log of {screenings})"
    )
    print(f"  requests {result.requests}   errors {result.errors}   {result.rps:.1f} req/s")
    if result.error_kinds:
        print("  failed: " + ", ".join(f"{kind} × {n}" for kind, n in result.error_kinds))
    print(f"  latency p50 {result.p50_ms:8.1f} ms   p99 {result.p99_ms:8.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--screenings", type=int, default=60)
    parser.add_argument(
        "--db", default=None, help="database URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args(argv)
    result = run(args.clients, args.seconds, args.screenings, args.db)
    report(result, args.screenings)
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
