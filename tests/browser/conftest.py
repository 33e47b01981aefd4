"""Real-browser journeys: Playwright for Python driving Debian's Chromium, headless, against
pytest-django's live server.

No browser is downloaded: the tests use the Chromium at $CHROMIUM (default
/usr/bin/chromium) and are skipped, with that reason, when it is missing (`make test` says
so too). Each journey saves a screenshot of its last page under $BROWSER_ARTEFACTS
(default artefacts/browser/ in the checkout).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("BROWSER_ARTEFACTS", ROOT / "artefacts" / "browser"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}  # a tablet held upright (iPad): the admin's navigation still shows
# The lines an element's text takes: the tops of its text's boxes (an element's own box, a <p>'s,
# is not a line). A JavaScript function of the element.
TEXT_LINES = """cell => {
    const tops = new Set(), walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
    }
    return tops.size }"""
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run"]

# What axe-core (https://github.com/dequelabs/axe-core, through axe-playwright-python) would find
# in Django's own admin widgets, which we use as Django ships them; anything else it finds on a
# page is a defect of ours. Each part left out of the audit, and why.
DJANGOS_OWN = {
    ".inline-group thead": "a tabular inline's row-marker and delete columns have no heading "
                           "(admin/edit_inline/tabular.html); each input is named (LabelledInlineFormSet)",
    ".select2-container": "the autocomplete box drawn by select2 over a labelled <select>",
    ".selector": "the two-list chooser (filter_horizontal): SelectFilter2.js names <span>s",
    "#changelist-search": "a list's search box, labelled by Django's magnifier icon alone",
}

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests
# make between two page steps are synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=…)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing()
    if reason:
        for item in items:
            if "tests/browser/" in str(item.path).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Visitor:
    """One person in one browser context: go to pages, log in, check the layout, keep a screenshot."""

    def __init__(self, context, base_url: str, name: str, viewport: dict):
        self.context, self.base_url, self.name, self.viewport = context, base_url, name, viewport
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.failures: list[str] = []
        self.page.on("response", self._watch)
        self.page.on("console", self._watch_console)

    def _watch(self, response):
        # Any page or asset that fails is a defect, whatever the page then shows.
        if response.status >= 500 or (response.status >= 400 and response.request.resource_type != "document"):
            self.failures.append(f"{response.status} {response.url}")

    def _watch_console(self, message):
        # Something the Content-Security-Policy blocked (an inline script, style or handler)
        # is a page that half works: a defect of every journey.
        if "Content Security Policy" in message.text:
            self.failures.append(f"CSP {self.page.url}: {message.text}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str, *, expect_status: int = 200):
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == expect_status, (path, response and response.status)
        return response

    def log_in_as(self, user):
        """Skip the login form: a session made by Django's test client, given to the browser."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        host = re.sub(r"^https?://", "", self.base_url).split(":")[0]
        self.context.add_cookies([{"name": "sessionid", "value": cookie.value, "domain": host, "path": "/"}])

    def log_in_with_form(self, username: str, password: str):
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.locator("input[type=submit], button[type=submit]").first.click()
        self.page.wait_for_load_state()

    def text_lines(self, locator) -> int:
        """How many lines the text of ``locator``'s element takes (TEXT_LINES)."""
        return locator.evaluate(TEXT_LINES)

    def results_overflow(self) -> int:
        """How many CSS pixels an admin change list is wider than its box (0 when it fits)."""
        return self.page.eval_on_selector("#changelist .results", "box => box.scrollWidth - box.clientWidth")

    def sideways_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways).

        Measured against the viewport the context was given: on an emulated phone Chromium
        widens the layout viewport (``window.innerWidth``) to a page that overflows, so
        comparing with it found nothing.
        """
        return self.page.evaluate("document.documentElement.scrollWidth") - self.viewport["width"]

    def submit(self, button_text: str | None = None, *, form: str = "main form"):
        """Click a submit button (by its text when given) and wait for the next page."""
        buttons = self.page.locator(f"{form} button[type=submit], {form} input[type=submit]")
        if button_text:
            buttons = buttons.filter(has_text=button_text)
        with self.page.expect_navigation():
            buttons.first.click()

    def shot(self, label: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def accessibility_faults(self, *, rules_off: tuple[str, ...] = ()) -> list[str]:
        """What axe-core finds wrong on the page as it stands (WCAG 2.x A and AA and axe's best
        practices), Django's own widgets left out (DJANGOS_OWN): one line a fault and element."""
        from axe_playwright_python.sync_playwright import Axe

        # No preload: axe would read the style sheets by adding inline styles, which our CSP
        # blocks (a console error on every page); it serves only the orientation-lock rule.
        options = {"resultTypes": ["violations"], "preload": False,
                   "rules": {rule: {"enabled": False} for rule in rules_off}}
        context = {"exclude": [[selector] for selector in DJANGOS_OWN]}
        found = Axe().run(self.page, context=context, options=options).response["violations"]
        return [f"{self.page.url} {fault['id']} ({fault['impact']}): {' '.join(map(str, node['target']))}"
                for fault in found for node in fault["nodes"]]

    def accessibility_faults_on(self, paths) -> list[str]:
        """accessibility_faults of each page in turn (each opened with ``go``)."""
        faults = []
        for path in paths:
            self.go(path)
            faults += self.accessibility_faults()
        return faults

    def assert_healthy(self):
        assert not self.failures, self.failures


@pytest.fixture
def visitor(browser, live_server, transactional_db, request):
    """``visitor("clerk", phone=True)`` opens a new browser context (desktop, 390 px, or 768 px with
    ``tablet=True``; ``javascript=False`` for a browser with scripts off)."""
    contexts = []

    def open_visitor(name: str = "visitor", *, phone: bool = False, tablet: bool = False,
                     javascript: bool = True) -> Visitor:
        viewport = PHONE if phone else TABLET if tablet else DESKTOP
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      is_mobile=phone, has_touch=phone or tablet, device_scale_factor=1,
                                      java_script_enabled=javascript)
        contexts.append(context)
        return Visitor(context, live_server.url, f"{request.node.name}-{name}", viewport)

    yield open_visitor
    for context in contexts:
        context.close()
