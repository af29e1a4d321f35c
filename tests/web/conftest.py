"""Fixtures of the web tests: a real uvicorn server per test, and Debian's chromium via Playwright.

- `web_app_factory`: builds the ASGI app under test. The default is `shell_app`, the web shell on
  its own (no database). Page tests that need services override it in their module, e.g.

      @pytest.fixture
      def web_app_factory(test_settings):
          return lambda: create_app(test_settings)

- `live_server`: that app served by uvicorn on 127.0.0.1 at a free port, in a background thread,
  for the duration of one test; its base URL. `live_server_factory(app_factory)` starts more.
- `http`: an httpx.Client on `live_server` (redirects are not followed).
- `browser` (one per test session and xdist worker): Debian's chromium, headless, launched by
  Playwright from /usr/bin/chromium; Playwright never downloads a browser. Each test gets a fresh
  browser context (`new_browser_context(...)`, or the `page` fixture) and Playwright gives the
  browser a fresh temporary user-data dir. Browser tests carry `@pytest.mark.browser` and the
  xdist group "browser", so one worker runs them all with a single chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prolo.gateway.requests import ApiConfig
from prolo.web import (
    STATIC_ROUTE_NAME,
    STATIC_URL_PREFIX,
    build_web_router,
    html_http_error_handler,
    html_server_error_handler,
    static_files,
)
from prolo.web.security import CONTENT_SECURITY_POLICY
from servers import HTTP_TIMEOUT, ServerThread

AppFactory = Callable[[], ASGIApp]

CHROMIUM = Path("/usr/bin/chromium")
# No internet on the test machines: nothing may phone home, no QUIC, no first-run work.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class CSPMiddleware:
    """Sends the web layer's Content-Security-Policy, as the composition root will."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append(
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())
                )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_csp)


def shell_app() -> FastAPI:
    """The web shell alone: page routes, /static, HTML error pages and the CSP header."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(build_web_router())
    app.mount(STATIC_URL_PREFIX, static_files(), name=STATIC_ROUTE_NAME)
    app.add_exception_handler(StarletteHTTPException, html_http_error_handler)
    app.add_exception_handler(Exception, html_server_error_handler)
    app.add_middleware(CSPMiddleware)
    return app


@pytest.fixture
def web_app_factory() -> AppFactory:
    """The app the live server runs; override in a test module to serve the full app."""
    return shell_app


@pytest.fixture
def live_server_factory() -> Iterator[Callable[[AppFactory], str]]:
    """Start `app_factory()` on a live server; all are stopped at the end of the test."""
    servers: list[ServerThread] = []

    def start(app_factory: AppFactory) -> str:
        server = ServerThread(app_factory())
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def live_server(
    web_app_factory: AppFactory, live_server_factory: Callable[[AppFactory], str]
) -> str:
    """The base URL of `web_app_factory()` served by uvicorn for this test."""
    return live_server_factory(web_app_factory)


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client on the live server (no redirects followed, no cookies kept between tests)."""
    with httpx.Client(
        base_url=live_server, follow_redirects=False, timeout=HTTP_TIMEOUT
    ) as client:
        yield client


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (headless), one per session and worker."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_browser_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a fresh browser context (`locale=`, `viewport=`...); closed at the end of the test."""
    contexts: list[Any] = []

    def open_context(**options: Any) -> Any:
        options.setdefault("locale", "en-GB")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        # A navigation waits for every subresource; on a CI machine whose two cores also run the
        # other xdist worker (PostgreSQL, 60-client slot tests) one took over 10 s (CI, session 2).
        # The tests check behaviour, not speed (speed is measured under bench/).
        context.set_default_navigation_timeout(30_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_browser_context: Callable[..., Any]) -> Any:
    """A page in a fresh English (en-GB) browser context."""
    return new_browser_context().new_page()


@pytest.fixture
def screenshots_dir(tmp_path: Path) -> Path:
    """Where the browser tests save their screenshots.

    `make screenshots` (PROLO_SAVE_SCREENSHOTS=1) writes them to docs/screenshots/, the pictures the README shows;
    a normal test run writes them to a temporary directory so it never changes tracked files.
    """
    if os.environ.get("PROLO_SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


# --- the demo clinic, served by the real app ---------------------------------------------------------


@dataclass(frozen=True)
class DemoSite:
    """A live server of the full app (`prolo.main.create_app`) on a fresh copy of the demo clinic."""

    url: str
    database_url: str
    logins: dict[str, tuple[str, str]]
    """role (or patient email) -> (email, password); `patient` is the first demo patient."""


@pytest.fixture(scope="session")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, tuple[str, str]]]:
    """The demo clinic seeded once per test worker into a template SQLite file."""
    from prolo.services import demo
    from prolo.services.bootstrap import migrate, open_database
    from prolo.settings import Settings

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    migrate(url)
    settings = Settings(database_url=url, environment="test")
    policy = ApiConfig.from_settings(settings).password_policy
    result = demo.seed(
        lambda clock: open_database(url, clock=clock),
        timezone=settings.timezone,
        password_policy=policy,
    )
    logins: dict[str, tuple[str, str]] = {}
    for login in result.logins:
        logins.setdefault(login.role.value, (login.email, login.password))
        logins[login.email] = (login.email, login.password)
    return path, logins


@pytest.fixture
def demo_site(
    demo_template: tuple[Path, dict[str, tuple[str, str]]],
    tmp_path: Path,
    live_server_factory: Callable[[AppFactory], str],
) -> DemoSite:
    """The full app serving this test's own copy of the demo clinic (tests may change it freely)."""
    from prolo.main import create_app
    from prolo.services.bootstrap import open_database
    from prolo.settings import Settings

    template, logins = demo_template
    copy = tmp_path / "demo.db"
    shutil.copyfile(template, copy)
    url = f"sqlite:///{copy}"
    settings = Settings(
        database_url=url, environment="test", secret_key="test-secret-" + "x" * 32
    )
    base = live_server_factory(
        lambda: create_app(settings, database=open_database(url))
    )
    return DemoSite(url=base, database_url=url, logins=logins)


def sign_in(page: Any, site: DemoSite, who: str) -> None:
    """Sign in through the real form as `who` (a role or an email) and wait for the home page."""
    email, password = site.logins[who]
    page.goto(f"{site.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def http_sign_in(client: httpx.Client, site: DemoSite, who: str) -> str:
    """Sign in over HTTP (the form post); return the session's CSRF token from the home page."""
    email, password = site.logins[who]
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.text
    page = client.get("/learn/what-is-prolotherapy")
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]
