"""schemathesis against the app's own OpenAPI, in process: for every operation a bounded number of generated
requests (signed in as a reviewer), and no answer is a 5xx or breaks its published schema — on a SQLite store
and on a PostgreSQL one (``team_both``: what one backend takes, the other must take too).

``POST /jobs/screen-batch`` is left out (each example would start a job process: its uploads are tested in
test_jobs.py), and so is the review page (``/``, ``/review``: not the API's). A reviewer may not update the
lists, so ``POST /lists/update`` never downloads anything here.
"""

from __future__ import annotations

from typing import Any

from exportgate.api import create_app

EXAMPLES = 6


def test_no_5xx_and_every_answer_matches_its_schema(team_both: Any) -> None:
    # imported here, not at collection: schemathesis and hypothesis cost every test process ~0.3 s to import,
    # and only the process running this module uses them
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    team = team_both
    app = create_app(None, team.service, hosts=["*"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=r"^/(jobs/screen-batch|review)?$")
    headers = team.headers("reviewer")
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        run()
        tested.append(operation.label)
    assert len(tested) >= 25 and "POST /screen" in tested and "POST /alerts/{alert_id}/decision" in tested
