"""Schemathesis over every operation of /openapi.json: whatever a client sends, never a 5xx.

Valid (positive) and schema-violating (negative) requests, a bounded number of
each per operation, derandomised so a failure reproduces. Run as the admin
with HTTP Basic (the brief) and as a coordinator with a session cookie and its
CSRF token, so the write paths that admin may not use are reached too.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode

from tests.web.api_support import AS_OF, PASSWORD, basic, enrolled_subject, make_app
from trialkit.web.auth import CSRF_HEADER, SESSION_COOKIE

# bounded for CI; TRIALKIT_FUZZ_EXAMPLES=200 for a deeper hunt
EXAMPLES_PER_OPERATION = int(os.environ.get("TRIALKIT_FUZZ_EXAMPLES", "12"))


def fuzz(
    app: Any, headers: dict[str, str], cookies: dict[str, str], skip: frozenset[str] = frozenset()
) -> tuple[list[str], Counter[int]]:
    """Failures (operation, mode, what) and how many responses of each status were seen;
    operations labelled in ``skip`` are not called."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"invalid operation in /openapi.json: {result.err()}"
        if result.ok().label not in skip:
            operations.append(result.ok())
    assert len(operations) > 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Fixed credentials: schemathesis would otherwise generate (random) ones from the
            # declared security schemes — still run: those must be a 401, never a 5xx.
            strategy = operation.as_strategy(
                generation_mode=mode, headers=dict(headers), cookies=dict(cookies)
            )

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                if "Authorization" not in headers and case.headers:
                    # a session run: generated Basic credentials would shadow the cookie
                    case.headers.pop("Authorization", None)
                response = case.call_and_validate(checks=[not_a_server_error])
                statuses[response.status_code] += 1

            try:
                run()
            except Unsatisfiable:
                pass  # no parameters to break: an operation without input has no negative case
            except Exception as exc:  # collect all, report together
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    return failures, statuses


@pytest.mark.slow
def test_no_5xx_as_admin_with_basic_auth(store_url: str) -> None:
    app = make_app(store_url)
    with TestClient(app) as client:
        enrolled_subject(client)  # id 1 exists, so generated ids sometimes reach real records
    # generated current passwords are wrong and count towards the lockout: a dozen would lock
    # the admin's Basic credentials and the rest would be 401 (the session run fuzzes it)
    failures, statuses = fuzz(app, basic("admin"), {}, frozenset({"POST /api/v1/auth/password"}))
    assert not failures, "\n\n".join(failures)
    # the credentials worked: reads succeeded, and writes were refused by role, not by login
    assert sum(n for s, n in statuses.items() if 200 <= s < 300) > 20, statuses
    assert statuses[403] > 0, statuses


@pytest.mark.slow
def test_no_5xx_as_coordinator_with_a_session(store_url: str) -> None:
    app = make_app(store_url)
    with TestClient(app) as client:
        subject = enrolled_subject(client)
        login = client.post("/api/v1/auth/login", json={"username": "carol", "password": PASSWORD})
        token = login.json()["csrf_token"]
        cookie = client.cookies[SESSION_COOKIE]
        # Generated doses, labs and AEs almost never satisfy the protocol (dates after today,
        # doses outside their window or against the dose check are refused, 422): that this
        # session writes is shown by one valid write with its cookie and token.
        ae = client.post(
            f"/api/v1/subjects/{subject['id']}/adverse-events",
            json={"term": "fatigue", "onset_date": AS_OF, "grade": 1},
            headers={CSRF_HEADER: token},
        )
        assert ae.status_code == 201, ae.text
    # logging out ends the session server-side for good: the rest would all be 401
    no_logout = frozenset({"POST /api/v1/auth/logout", "POST /logout"})
    failures, statuses = fuzz(app, {CSRF_HEADER: token}, {SESSION_COOKIE: cookie}, no_logout)
    assert not failures, "\n\n".join(failures)
    assert statuses[422] > 0, statuses
    assert sum(n for s, n in statuses.items() if 200 <= s < 300) > 20, statuses
