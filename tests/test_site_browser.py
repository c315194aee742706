"""The built documentation site works in a real browser, opened from disk, with no network.

A learner on a train opens ``site/index.html`` from disk (file://). Every page must then show its
formulas typeset, its diagrams and pictures drawn, and a search box that finds things, with no
request to any other host and no JavaScript error. This test builds the site and drives headless
Chromium over every page through Selenium and the Chrome DevTools logs, which see each request
and each error (``chromium --dump-dom`` sees neither). It looks at two screens: a desktop
(1280 px wide), where no code box may hide the end of a line, and a phone (400 px), where every
display formula must still have a real size (Material's ``min-content`` once collapsed them to
1 x 1 px below 720 px; ``docs/stylesheets/extra.css`` keeps them).

Needs: the docs extra, ``npm ci`` (the site's MathJax, Mermaid and search shim), Debian's
``chromium`` and ``chromium-driver`` (``apt-get install -y chromium chromium-driver``) and
``pip install selenium``. Where one is missing the tests skip and say which.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _missing() -> str | None:
    if not all(
        importlib.util.find_spec(m) for m in ("mkdocs", "material", "mkdocstrings_handlers")
    ):
        return 'the docs extra is not installed: pip install -e ".[docs]"'
    if not (ROOT / "node_modules" / "mathjax" / "package.json").is_file():
        return "the site's browser assets are not installed: run `npm ci` in the repository root"
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed: pip install selenium"
    if _browser() is None:
        return "no Chromium: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"
    if _driver() is None:
        return "no chromedriver: apt-get install -y chromium-driver (or set CHROMEDRIVER=...)"
    return None


def _browser() -> str | None:
    names = (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome")
    return next((found for name in names if name and (found := shutil.which(name))), None)


def _driver() -> str | None:
    return shutil.which(os.environ.get("CHROMEDRIVER", "chromedriver"))


MISSING = _missing()
DESKTOP, PHONE = 1280, 400  # the two screen widths the pages are checked at
pytestmark = [pytest.mark.skipif(MISSING is not None, reason=MISSING or ""), pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    assert result.returncode == 0, result.stderr
    return site_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _browser() or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    # performance: every request (Network.requestWillBeSent); browser: console errors and
    # uncaught exceptions.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(_driver()), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def pages(site: Path) -> list[Path]:
    # 404.html is for a web server (it links the assets from the site's root), not for disk.
    return sorted(
        p
        for p in site.rglob("*.html")
        if "assets" not in p.relative_to(site).parts and p.name != "404.html"
    )


# Resolves once MathJax has typeset the page, every Mermaid block is drawn and every picture has
# loaded or failed (or 30 s passed).
WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
const start = Date.now();
(async () => {
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() - start > 30000) return done("MathJax never started");
    await new Promise(r => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  while (document.querySelector("pre.mermaid") && Date.now() - start < 30000) {
    await new Promise(r => setTimeout(r, 50));
  }
  while ([...document.images].some(i => !i.complete) && Date.now() - start < 30000) {
    await new Promise(r => setTimeout(r, 50));
  }
  done("ok");
})().catch(e => done("error: " + e));
"""

PAGE_STATE = """
const math = [...document.querySelectorAll(".arithmatex")];
return {
  raw_tex: math.filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80)),
  tex_errors: [...document.querySelectorAll("mjx-container [data-mjx-error], mjx-merror")]
    .map(e => e.getAttribute("data-mjx-error") || e.textContent),
  formulas: math.length,
  mermaid_raw: document.querySelectorAll("pre.mermaid").length,
  mermaid_drawn: document.querySelectorAll("div.mermaid").length,
  pictures: document.images.length,
  broken_pictures: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => i.getAttribute("src")),
  // Display formulas drawn smaller than 16 x 10 px (collapsed: nobody can read them).
  display_formulas: document.querySelectorAll("div.arithmatex").length,
  tiny_formulas: [...document.querySelectorAll("div.arithmatex")].filter(e => {
    const r = (e.querySelector("mjx-container svg") || e).getBoundingClientRect();
    return r.width < 16 || r.height < 10;
  }).map(e => e.textContent.trim().slice(0, 60)),
  // Code boxes whose longest line does not fit: its end is hidden behind the right edge.
  clipped_code: [...document.querySelectorAll("pre > code")]
    .filter(c => c.scrollWidth > c.clientWidth + 1)
    .map(c => c.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "")
      .slice(0, 60)),
};
"""


def requests_and_errors(driver: Any) -> tuple[list[str], list[str]]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return urls, errors


def page_problems(browser: Any, url: str, name: str) -> tuple[list[str], dict[str, Any]]:
    """Everything wrong with one page, and what it holds (formulas, diagrams, requests)."""
    browser.get(url)
    status = browser.execute_async_script(WAIT_FOR_PAGE)
    state = browser.execute_script(PAGE_STATE)
    urls, errors = requests_and_errors(browser)
    state["requests"] = len(urls)
    foreign = [u for u in urls if not u.startswith(("file:", "data:", "blob:", "about:"))]
    problems = [] if status == "ok" else [f"{name}: {status}"]
    problems += [f"{name}: request to another host: {url}" for url in foreign]
    problems += [f"{name}: JavaScript error: {error}" for error in errors]
    problems += [f"{name}: raw TeX: {tex!r}" for tex in state["raw_tex"]]
    problems += [f"{name}: TeX error: {error}" for error in state["tex_errors"]]
    if state["mermaid_raw"]:
        problems.append(f"{name}: {state['mermaid_raw']} Mermaid block(s) left as text")
    problems += [f"{name}: picture not shown: {src}" for src in state["broken_pictures"]]
    width = browser.get_window_size()["width"]
    problems += [f"{name}: display formula invisible at {width} px: {tex!r}"
                 for tex in state["tiny_formulas"]]
    if width >= DESKTOP:
        problems += [f"{name}: code line clipped at {width} px: {line!r}"
                     for line in state["clipped_code"]]
    return problems, state


def test_every_page_works_offline_from_disk(site: Path, browser: Any) -> None:
    browser.set_window_size(DESKTOP, 900)
    problems: list[str] = []
    formulas = diagrams = pictures = 0
    for page in pages(site):
        name = page.relative_to(site).as_posix()
        found, state = page_problems(browser, page.as_uri(), name)
        problems += found
        formulas += state["formulas"]
        diagrams += state["mermaid_drawn"]
        pictures += state["pictures"]
        print(
            f"{name}: {state['formulas']} formulas, {state['mermaid_drawn']} diagrams, "
            f"{state['pictures']} pictures, {state['requests']} requests, {len(found)} problems"
        )
    assert not problems, "\n".join(problems)
    # The checks above saw something: the site has formulas, diagrams and pictures to check.
    assert formulas > 20 and diagrams >= 1 and pictures >= 12, (formulas, diagrams, pictures)


def test_formulas_are_visible_on_a_phone(site: Path, browser: Any) -> None:
    # Every page with a display formula, 400 px wide: each formula has a real size. (Code boxes
    # may scroll sideways there; on a phone that beats wrapping code at 40 characters.)
    browser.set_window_size(PHONE, 900)
    try:
        problems: list[str] = []
        checked = 0
        for page in pages(site):
            if 'class="arithmatex"' not in page.read_text(encoding="utf-8"):
                continue
            name = page.relative_to(site).as_posix()
            found, state = page_problems(browser, page.as_uri(), name)
            problems += found
            checked += state["display_formulas"]
        assert not problems, "\n".join(problems)
        assert checked > 20, f"only {checked} display formulas were looked at"
    finally:
        browser.set_window_size(DESKTOP, 900)


def test_examples_page_offers_every_example_script(site: Path) -> None:
    # examples/ is linked from the site and works from disk: each script is inside the site.
    import re

    html = (site / "examples.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="examples/([\w-]+\.py)"', html))
    scripts = {path.name for path in (ROOT / "examples").glob("*.py")}
    assert scripts and linked == scripts, (linked, scripts)
    for name in scripts:
        assert (site / "examples" / name).read_bytes() == (ROOT / "examples" / name).read_bytes()


def test_every_chapter_links_its_notebook_and_script(site: Path) -> None:
    # scripts/docs_notebooks_hook.py: a notebook and a script per chapter, inside the site,
    # linked (relative links) from the box at the chapter's top.
    import re

    chapters = sorted(site.glob("lecture-*.html")) + [site / "chapter1-value.html"]
    assert len(chapters) >= 6
    for page in chapters:
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'href="([^"]+\.(?:ipynb|py))"', html)
        assert f"notebooks/{page.stem}.ipynb" in links and f"notebooks/{page.stem}.py" in links, (
            page.name, links)
        first_link = html.index(f'href="notebooks/{page.stem}.ipynb"')
        assert first_link < html.index("<h2"), f"{page.name}: the notebook is not at the top"
        assert "run <strong>in order</strong>" in html, page.name
        notebook = json.loads((site / "notebooks" / f"{page.stem}.ipynb").read_text("utf-8"))
        assert notebook["nbformat"] == 4 and notebook["cells"], page.name
        assert (site / "notebooks" / f"{page.stem}.py").read_text("utf-8").strip(), page.name


def test_the_checks_catch_a_broken_page(site: Path, browser: Any) -> None:
    # A page of the built site made to break every rule: each check must notice.
    html = (site / "lecture-loss.html").read_text(encoding="utf-8")
    html = html.replace(
        "</body>",
        # MathJax skips <pre>: this formula stays raw. The second one is not valid TeX.
        '<pre><span class="arithmatex">\\(x^2\\)</span></pre>'
        '<p><span class="arithmatex">\\(\\frac{1}\\)</span></p>'
        '<pre class="mermaid">not a diagram at all</pre>'
        '<img src="img/never-drawn.png" alt="a picture the build did not draw">'
        # Material's rule that hid every display formula on phones, put back for one formula,
        # and a code line no box can hold.
        '<style>#squeezed > * { width: 1px !important; overflow: hidden; }</style>'
        '<div class="md-typeset"><div id="squeezed" class="arithmatex">\\[a^2 + b^2 = c^2\\]</div>'
        '<pre><code style="display: block; overflow: auto; white-space: pre; width: 300px">'
        f'print(0)  # {"a comment far too long for any box " * 8}</code></pre></div>'
        '<script src="https://example.invalid/tracker.js"></script>'
        "<script>null.boom()</script></body>",
    )
    broken = site / "broken-on-purpose.html"
    broken.write_text(html, encoding="utf-8")
    try:
        problems, _ = page_problems(browser, broken.as_uri(), broken.name)
    finally:
        broken.unlink()
    text = "\n".join(problems)
    assert "request to another host: https://example.invalid/tracker.js" in text, text
    assert "JavaScript error" in text, text
    assert "raw TeX: '\\\\(x^2\\\\)'" in text, text
    assert "TeX error" in text, text
    assert "Mermaid block(s) left as text" in text, text
    assert "picture not shown: img/never-drawn.png" in text, text
    assert "display formula invisible at 1280 px" in text, text
    assert "code line clipped at 1280 px: 'print(0)  # a comment far too long" in text, text


def test_search_finds_gradient_from_disk(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    browser.execute_async_script(WAIT_FOR_PAGE)
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys("gradient")
    deadline = time.monotonic() + 30
    results: list[Any] = []
    while time.monotonic() < deadline and not results:
        results = browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item")
        time.sleep(0.2)
    meta = browser.find_element(By.CSS_SELECTOR, ".md-search-result__meta").text
    assert results, f"search for 'gradient' found nothing; the search box says {meta!r}"
    urls, errors = requests_and_errors(browser)
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in urls), urls
    print(f"search 'gradient': {meta}")


def test_served_site_works_too(site: Path, browser: Any) -> None:
    # `mkdocs serve` or any static web server: same checks on the pages with math and a diagram.
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # no line per request
            pass

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for name in ("index.html", "chapter1-value.html"):
            browser.get(base + name)
            assert browser.execute_async_script(WAIT_FOR_PAGE) == "ok", name
            state = browser.execute_script(PAGE_STATE)
            urls, errors = requests_and_errors(browser)
            assert not errors, (name, errors)
            assert all(u.startswith((base, "data:", "blob:", "about:")) for u in urls), urls
            assert not state["raw_tex"] and not state["mermaid_raw"], (name, state)
    finally:
        server.shutdown()
