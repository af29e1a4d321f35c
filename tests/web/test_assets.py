"""Static files: htmx and fonts vendored and pinned, nothing from a CDN, nothing inline."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from prolo.web.assets import STATIC_DIR, static_url

WEB = Path(__file__).resolve().parents[2] / "src" / "prolo" / "web"
TEMPLATE_FILES = sorted((WEB / "templates").rglob("*.html"))
VENDOR_README = STATIC_DIR / "vendor" / "README.md"
ROW = re.compile(
    r"^\| `([^`]+)` \| `([^`]+)`[^|]*\| ([^|]+) \|[^|]*\| `([0-9a-f]{64})` \|$", re.M
)


def template_source(path: Path) -> str:
    """A template's text without its {# comments #}."""
    return re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)


def vendored() -> list[tuple[str, str, str, str]]:
    rows = [
        (f, pkg, version.strip(), sha)
        for f, pkg, version, sha in ROW.findall(VENDOR_README.read_text())
    ]
    assert rows, "no rows found in static/vendor/README.md"
    return rows


def test_every_vendored_file_is_recorded_with_its_hash():
    recorded = {name for name, *_ in vendored()}
    on_disk = {
        p.relative_to(STATIC_DIR / "vendor").as_posix()
        for p in (STATIC_DIR / "vendor").rglob("*")
        if p.is_file() and p.suffix in {".js", ".woff2", ".css"}
    }
    assert recorded == on_disk
    for name, _, _, sha in vendored():
        assert (
            hashlib.sha256((STATIC_DIR / "vendor" / name).read_bytes()).hexdigest()
            == sha
        ), name


def test_htmx_is_the_recorded_version_with_its_licence():
    (version,) = {v for name, _, v, _ in vendored() if name == "htmx.min.js"}
    assert f'version:"{version}"' in (STATIC_DIR / "vendor" / "htmx.min.js").read_text()
    assert "Zero-Clause BSD" in (STATIC_DIR / "vendor" / "htmx.LICENSE").read_text()
    assert (
        "SIL Open Font License"
        in (STATIC_DIR / "vendor" / "inter" / "OFL.txt").read_text()
    )


def test_htmx_is_served_from_static(http):
    url = static_url("vendor/htmx.min.js")
    assert url.startswith("/static/vendor/htmx.min.js?v=")
    response = http.get(url)
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    (sha,) = {s for name, _, _, s in vendored() if name == "htmx.min.js"}
    assert hashlib.sha256(response.content).hexdigest() == sha


def test_every_page_loads_htmx_and_css_from_this_site(http):
    html = http.get("/login").text
    assert f'<script src="{static_url("vendor/htmx.min.js")}" defer></script>' in html
    assert f'href="{static_url("css/prolo.css")}"' in html


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_templates_name_no_other_site(path):
    source = template_source(path)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", source, re.I), (
        "external URL"
    )
    assert "cdn" not in source.lower()


def test_the_stylesheet_loads_nothing_from_elsewhere():
    css = (STATIC_DIR / "css" / "prolo.css").read_text()
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert urls, "the font files are declared"
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
        assert (STATIC_DIR / "css" / url).resolve().is_file(), url
    assert "@import" not in css


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_style_or_handlers(path):
    """The Content-Security-Policy has no 'unsafe-inline': scripts and styles are files."""
    source = template_source(path)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert "<style" not in source
    assert not re.search(r"\sstyle\s*=", source), "style= attribute"
    assert not re.search(r"\son[a-z]+\s*=", source, re.I), "on*= event handler"
    assert "javascript:" not in source.lower()
    assert "hx-on" not in source, "hx-on handlers need eval"


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_every_static_file_a_template_names_exists(path):
    for name in re.findall(r"static\('([^']+)'\)", path.read_text(encoding="utf-8")):
        assert (STATIC_DIR / name).is_file(), name


def test_static_urls_change_when_the_file_changes():
    css = (STATIC_DIR / "css" / "prolo.css").read_bytes()
    assert static_url("css/prolo.css").endswith(hashlib.sha256(css).hexdigest()[:10])


@pytest.mark.parametrize("name", ["../contexts.py", "css/missing.css", "/etc/passwd"])
def test_static_url_refuses_files_outside_static(name):
    with pytest.raises(FileNotFoundError):
        static_url(name)
