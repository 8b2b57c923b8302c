"""The web pages in a real browser: headless Chromium (Debian's ``chromium``, driven by Playwright for Python;
no browser of Playwright's own), against the app served by uvicorn on a free loopback port, with a store made
for the module (a user of each role, passwords set through the service).

Each test asserts what a person sees. Screenshots of every page go to ``out/pages/`` (1280x800, and some at a
narrow 400 px) for a person to look at. Skipped, saying why, only where no browser can be started.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exportgate.store.accounts import SIGNIN_FAILURES_LIMIT
from exportgate.store.service import Service
from web_helpers import PASSWORD, make_app

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "pages"
#: the system browser (Debian's chromium package; .ci/run installs it)
CHROMIUM = os.environ.get("EXPORTGATE_CHROMIUM", "/usr/bin/chromium")
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 400, "height": 800}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright import sync_api  # a dev dependency: its absence is an error, not a skip

    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium; .ci/run does)")
    with sync_api.sync_playwright() as p:
        try:
            found = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except Exception as exc:  # a browser that cannot start on this machine: say why, once
            pytest.skip(f"chromium at {CHROMIUM} could not be started: {str(exc).splitlines()[0]}")
        yield found
        found.close()


@pytest.fixture(scope="module")
def server(svc: Service, web_home: Path) -> Iterator[str]:
    """The app under uvicorn in a thread of this process (the store and the screener shared with the tests)."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(make_app(svc, web_home), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module", autouse=True)
def shots_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def _page(browser: Any, server: str, viewport: dict[str, int] = WIDE) -> Any:
    context = browser.new_context(viewport=viewport, base_url=server, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    page.goto("/web/signin")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    _follow(page, page.get_by_role("button", name="Sign in"))


def _follow(page: Any, target: Any) -> None:
    """Click what loads a new page and wait for that page: the reads that follow are of it, not the old one."""
    with page.expect_navigation():
        target.click()


def _shot(page: Any, name: str, full: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _screen(page: Any, name: str, country: str = "") -> None:
    page.goto("/web/screen")
    page.get_by_label("Name").fill(name)
    if country:
        page.get_by_label("Country").fill(country)
    page.get_by_role("button", name="Screen").click()
    page.get_by_test_id("screen-result").wait_for()


def test_signing_in_a_wrong_password_and_the_lock_out(browser: Any, server: str, svc: Service) -> None:
    page = _page(browser, server)
    page.goto("/")
    assert page.url.endswith("/web/signin")
    _shot(page, "signin")
    _sign_in(page, "rita", "not the password")
    assert page.get_by_test_id("errors").inner_text() == "Wrong user name or password."
    _sign_in(page, "rita")
    assert page.get_by_test_id("signed-in").inner_text() == "Signed in as rita (reviewer)"
    footer = page.get_by_test_id("in-force").inner_text()
    assert svc.rules.sha256[:12] in footer and "entity_list 2022-04-21" in footer
    # another user guessing: locked out after the limit, and then even the right password is refused
    admin = svc.users.actor("ada")
    assert admin is not None
    svc.users.add(admin, "guessed", "analyst")
    svc.users.set_password(admin, "guessed", PASSWORD)
    other = _page(browser, server)
    for _ in range(SIGNIN_FAILURES_LIMIT):
        _sign_in(other, "guessed", "a wrong guess")
    assert "Locked out" in other.get_by_test_id("errors").inner_text()
    _sign_in(other, "guessed")
    assert "too many failed sign-ins" in other.get_by_test_id("errors").inner_text()
    _shot(other, "signin-locked-out")
    page.context.close()
    other.context.close()


def test_a_screened_name_shows_its_matches_explained(browser: Any, server: str) -> None:
    page = _page(browser, server)
    _sign_in(page, "ann")
    _screen(page, "Huawei Technologies", "CN")
    matches = page.get_by_test_id("match")
    assert matches.count() >= 1
    first = matches.first
    assert "huawei" in first.inner_text().lower() and first.get_by_text("entity_list").count() + first.get_by_text(
        "cmic").count() >= 1
    highlighted = first.get_by_test_id("query-tokens").locator("mark").all_inner_texts()
    assert "huawei" in highlighted
    assert "as of" in first.inner_text()  # the list's date
    _follow(page, first.get_by_test_id("open-alert"))
    assert "/web/alerts/" in page.url and page.get_by_test_id("alert-status").inner_text() == "open"
    assert page.get_by_test_id("no-decide").is_visible()  # an analyst: no decide buttons
    assert page.get_by_test_id("decide").count() == 0
    _shot(page, "alert-as-analyst")
    _screen(page, "Huawei Technologies", "CN")
    _shot(page, "screen")
    narrow = _page(browser, server, NARROW)
    _sign_in(narrow, "ann")
    _screen(narrow, "Huawei Technologies", "CN")
    _shot(narrow, "screen-narrow", full=False)
    page.context.close()
    narrow.context.close()


def test_script_in_a_party_name_is_shown_as_text(browser: Any, server: str) -> None:
    page = _page(browser, server)
    _sign_in(page, "ann")
    name = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2> Huawei Technologies"
    _screen(page, name, "CN")
    assert page.evaluate("window.pwned") is None
    assert name in page.get_by_role("heading", level=2).inner_text()
    page.goto("/web/cases?title=script")
    assert name in page.get_by_test_id("case-list").inner_text() and page.evaluate("window.pwned") is None
    page.context.close()


def test_a_package_shows_its_verdict_memo_and_alerts(browser: Any, server: str) -> None:
    text = (ROOT / "examples" / "03-india-listed-forwarder.yaml").read_text(encoding="utf-8")
    text = text[: text.index("screening_decisions:")]  # no decision yet: the forwarder's match is for a reviewer
    page = _page(browser, server)
    _sign_in(page, "ann")
    assert page.url.endswith("/web/packages")
    page.get_by_label("package file").fill(text)
    page.get_by_role("button", name="Check package").click()
    page.get_by_test_id("verdict").wait_for()
    assert page.get_by_test_id("verdict").inner_text() == "Verdict: REVIEW"
    memo = page.frame_locator("[data-testid=memo]")
    assert "Deccan AI Cloud" in memo.locator("body").inner_text()
    alerts = page.get_by_test_id("case-alerts")
    assert "Complete Freight Solutions" in alerts.inner_text()
    with page.expect_download() as pdf:
        page.get_by_test_id("memo-pdf").click()
    assert pdf.value.suggested_filename.endswith("-memo.pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as md:
        page.get_by_test_id("memo-md").click()
    assert "Deccan AI Cloud" in Path(md.value.path()).read_text(encoding="utf-8")
    _shot(page, "case-package")
    _follow(page, alerts.get_by_role("link").first)
    assert "Complete Freight Solutions" in page.locator("main").inner_text()
    page.goto("/web/packages")
    _shot(page, "packages")
    page.goto("/web/cases?kind=check")
    assert "Deccan AI Cloud" in page.get_by_test_id("case-list").inner_text()
    _shot(page, "cases")
    narrow = _page(browser, server, NARROW)
    _sign_in(narrow, "ann")
    narrow.goto("/web/cases?kind=check")
    _follow(narrow, narrow.locator("[data-testid=case-list] a").first)
    _shot(narrow, "case-narrow", full=False)
    page.context.close()
    narrow.context.close()


def test_deciding_an_alert_moves_it_out_of_the_queue_into_history_and_audit(browser: Any, server: str,
                                                                            svc: Service) -> None:
    page = _page(browser, server)
    _sign_in(page, "rita")
    _screen(page, "Bank Melli Iran", "IR")
    _follow(page, page.get_by_test_id("open-alert").first)
    alert_url = page.url
    alert_id = int(alert_url.rsplit("/", 1)[1])
    page.goto("/web/alerts?status=open")
    _shot(page, "alerts")
    row = page.locator(f"tr[data-alert='{alert_id}']")
    assert row.count() == 1
    row.focus()
    page.keyboard.press("f")  # false positive, from the keyboard
    page.wait_for_url(f"**/web/alerts/{alert_id}?decide=false_positive")
    assert page.get_by_label("False positive").is_checked()
    assert "Ferdowsi Avenue" in page.get_by_test_id("entry").inner_text()  # the entry's addresses, to decide on
    assert page.evaluate("document.activeElement.name") == "comment"
    page.keyboard.type("Different bank: the party is a branch office in Frankfurt with its own licence")
    _shot(page, "alert-decide")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**decided=1")
    assert page.get_by_test_id("alert-status").inner_text() == "false_positive"
    history = page.get_by_test_id("history").inner_text()
    assert "decided" in history and "by rita" in history and "branch office in Frankfurt" in history
    _shot(page, "alert-decided")
    page.goto("/web/alerts?status=open")
    assert page.locator(f"tr[data-alert='{alert_id}']").count() == 0
    page.goto("/web/lists")
    audit = page.get_by_test_id("audit").inner_text()
    assert "intact" in audit and "the audit chain is intact" in audit
    lines = [line for line in svc.audit_log.events(event="alert.decide") if line.payload["alert_id"] == alert_id]
    assert lines and lines[-1].actor == "rita" and lines[-1].payload["to"] == "false_positive"
    assert f"{svc.audit_verify(svc.users.actor('rita')).lines} lines checked" in audit  # type: ignore[arg-type]
    _shot(page, "lists-audit")
    page.context.close()


def test_the_queue_and_an_alert_from_the_keyboard_alone(browser: Any, server: str) -> None:
    """j/k move through the queue, Enter opens, c/e open an alert with that decision chosen; on the alert page
    c/f/e switch the choice (the comment box has the cursor each time)."""
    page = _page(browser, server)
    _sign_in(page, "rita")
    _screen(page, "Bank Melli Iran", "IR")
    page.goto("/web/alerts?status=open&party=melli")
    ids = [int(r.get_attribute("data-alert")) for r in page.locator("tr[data-alert]").all()]
    assert len(ids) >= 2
    focused = "document.activeElement.dataset.alert"
    page.keyboard.press("j")  # nothing focused yet: the first row
    assert page.evaluate(focused) == str(ids[0])
    page.keyboard.press("j")
    assert page.evaluate(focused) == str(ids[1])
    page.keyboard.press("k")
    assert page.evaluate(focused) == str(ids[0])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/web/alerts/{ids[0]}")
    page.go_back()
    page.locator(f"tr[data-alert='{ids[1]}']").focus()
    page.keyboard.press("e")
    page.wait_for_url(f"**/web/alerts/{ids[1]}?decide=escalated")
    assert page.get_by_label("Escalate").is_checked()
    assert page.evaluate("document.activeElement.name") == "comment"
    page.keyboard.press("Tab")  # out of the comment box: keys choose again
    page.keyboard.press("c")
    assert page.get_by_label("Confirmed match").is_checked() and not page.get_by_label("Escalate").is_checked()
    page.goto("/web/alerts?status=open&party=melli")
    page.locator(f"tr[data-alert='{ids[0]}']").focus()
    page.keyboard.press("c")
    page.wait_for_url(f"**/web/alerts/{ids[0]}?decide=confirmed_match")
    assert page.get_by_label("Confirmed match").is_checked()
    page.context.close()


def test_a_batch_upload_finishes_and_its_download_has_one_row_per_input_row(browser: Any, server: str,
                                                                          tmp_path: Path) -> None:
    rows = [("r1", "Huawei Technologies", "CN"), ("r2", "Bank Melli Iran", "IR"), ("r3", "Acme Widgets Ltd", "US"),
            ("r4", "", "DE"), ("r5", "Rosoboronexport", "RU")]
    upload = tmp_path / "parties.csv"
    with upload.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "country"])
        writer.writerows(rows)
    page = _page(browser, server)
    _sign_in(page, "ann")
    page.goto("/web/batch")
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Screen the file").click()
    page.wait_for_url("**/web/batch/*")
    _shot(page, "batch-running")
    page.get_by_test_id("job-done").wait_for(timeout=60_000)  # the progress bar's script reloads when done
    assert f"Done: {len(rows)} rows screened" in page.get_by_test_id("job-done").inner_text()
    bad = page.get_by_test_id("bad-rows").inner_text()
    assert "r4" in bad and "name" in bad  # the row without a name, and why
    with page.expect_download() as got:
        page.get_by_test_id("download").click()
    assert got.value.suggested_filename == "parties-screened.csv"
    out = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert [r["id"] for r in out] == [r[0] for r in rows]
    assert {r["id"]: r["status"] for r in out}["r4"] == "error"
    _shot(page, "batch-done")
    page.goto("/web/batch")
    assert "parties.csv" in page.get_by_test_id("jobs").inner_text()
    _shot(page, "batch")
    page.context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(browser: Any, server: str) -> None:
    page = _page(browser, server)
    _sign_in(page, "ann")
    page.goto("/web/screen")
    page.get_by_label("Name").fill("Huawei Technologies")
    page.evaluate("document.querySelector('main form input[name=csrf]').remove()")
    _follow(page, page.get_by_role("button", name="Screen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Refused"
    assert "security token" in page.get_by_test_id("errors").inner_text()
    _shot(page, "refused")
    page.context.close()


def test_the_ledger_page_shows_totals_chart_and_memos(browser: Any, server: str, svc: Service) -> None:
    text = (ROOT / "examples" / "01-japan-sovereign-cloud.yaml").read_text(encoding="utf-8")
    page = _page(browser, server)
    _sign_in(page, "rita")
    page.get_by_label("package file").fill(text)
    page.get_by_role("button", name="Check package").click()
    _follow(page, page.get_by_role("button", name="Record in the compute ledger"))
    assert page.url.endswith("/web/ledger")
    assert "JP" in page.get_by_test_id("ledger-totals").inner_text()
    assert page.get_by_test_id("ledger-chart").locator("svg rect.bar").count() >= 1
    assert "Japan" in page.get_by_test_id("ledger-records").inner_text() or "JP" in page.get_by_test_id(
        "ledger-totals").inner_text()
    _shot(page, "ledger")
    memo = page.context.request.get(server + page.get_by_role("link", name="HTML").first.get_attribute("href"))
    assert memo.ok and "<html" in memo.text().lower()
    page.context.close()


def test_the_landscape_page_shows_a_list_and_the_contest_over_time(browser: Any, server: str) -> None:
    page = _page(browser, server)
    _sign_in(page, "ann")
    _follow(page, page.get_by_role("link", name="Landscape"))
    page.get_by_label("Edition").fill("2018-11")
    page.get_by_label("Compare").fill("US, China")
    _follow(page, page.get_by_role("button", name="Show"))
    rows = {r.locator("td").first.inner_text(): r.locator("td").nth(1).inner_text()
            for r in page.get_by_test_id("landscape-countries").locator("tbody tr").all()}
    # November 2018: China 227 systems, the United States 109 (the figures, from TOP500.org)
    assert rows["China (CN)"] == "227" and rows["United States (US)"] == "109"
    assert "takes the lead by systems" in page.get_by_test_id("lead-changes").inner_text()
    chart = page.get_by_test_id("landscape-chart")
    chart.scroll_into_view_if_needed()
    width = chart.evaluate("img => img.complete ? img.naturalWidth"
                           " : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))")
    assert width > 500  # the PNG arrived and decoded
    _shot(page, "landscape")
    page.goto("/web/landscape?country=%3Cscript%3E")  # not a country: a page naming the problem, shown as text
    assert "Cannot do that" in page.content() and page.locator("script:not([src])").count() == 0
    page.context.close()


def test_narrow_pages_have_no_sideways_scroll(browser: Any, server: str) -> None:
    page = _page(browser, server, NARROW)
    _sign_in(page, "rita")
    for path, name in (("/web/alerts", "alerts-narrow"), ("/web/lists", "lists-narrow"),
                       ("/web/ledger", "ledger-narrow"), ("/web/packages", "packages-narrow"),
                       ("/web/landscape", "landscape-narrow")):
        page.goto(path)
        _shot(page, name, full=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{path} is {width}px wide at {NARROW['width']}px"
    page.context.close()
