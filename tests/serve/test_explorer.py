"""End-to-end tests of the explorer page in headless Chromium (Playwright's sync API).

A tiny collection of word vectors with planted structure is served by the real app in a
background uvicorn thread; the browser searches, runs an analogy, hovers the map and enters an
API key, and every request it makes must go to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
API_KEY = "s3cret-key"

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

FRUIT = ["apple", "pear", "banana", "cherry", "plum"]
VEHICLES = ["car", "truck", "bus", "tram", "van"]


def _planted_vectors(seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Words whose neighbours and analogies are known by construction.

    Directions 0..6 are orthogonal concepts (royal, person, young, male, female, fruit,
    vehicle); the royal family is built from them so that king − man + woman = queen exactly.
    Fruit and vehicles are tight clusters; filler words are random in the remaining dimensions.
    """
    rng = np.random.default_rng(seed)
    dim = 24
    e = np.eye(dim, dtype=np.float64)
    royal, person, young, male, female, fruit, vehicle = (e[i] for i in range(7))
    rows: dict[str, np.ndarray] = {
        "king": royal + male, "queen": royal + female,
        "man": person + male, "woman": person + female,
        "prince": royal + male + young, "princess": royal + female + young,
        "boy": person + male + young, "girl": person + female + young,
    }
    for word in FRUIT:
        rows[word] = fruit + 0.15 * rng.standard_normal(dim) * np.r_[np.zeros(8), np.ones(16)]
    for word in VEHICLES:
        rows[word] = vehicle + 0.15 * rng.standard_normal(dim) * np.r_[np.zeros(8), np.ones(16)]
    fillers = ["river", "mountain", "cloud", "stone", "table", "chair", "music", "paper",
               "window", "garden", "silver", "winter", "summer", "coffee", "letter", "forest",
               "ocean", "pencil", "bridge", "candle", "market", "island", "engine", "castle"]
    for word in fillers:
        v = np.r_[np.zeros(8), rng.standard_normal(16)]
        rows[word] = v / np.linalg.norm(v) * 1.4
    keys = list(rows)
    return keys, np.stack([rows[k] for k in keys]).astype(np.float32)


# --------------------------------------------------------------------------- server and browser


class _Server:
    """The app served by uvicorn in a daemon thread on a free 127.0.0.1 port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> str:
        import httpx

        self.thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not answer /health within 10 s")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """The planted vectors saved as a native folder and opened as a read-only collection."""
    import everyvec

    keys, matrix = _planted_vectors()
    path = everyvec.save(everyvec.Vectors(keys, matrix), tmp_path / "words")
    opened = everyvec.Collection.open(path)
    yield opened
    opened.close()


def _app(collection: Any, api_key: str | None) -> Any:
    from everyvec.serve import create_app

    return create_app(collection, api_key=api_key)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class _Watch:
    """Console errors, uncaught page errors and every request URL of one page."""

    def __init__(self, page: Any) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob")
                and urlsplit(u).hostname != "127.0.0.1"]


def _open(browser: Any, url: str, width: int = 1280, height: int = 800) -> tuple[Any, _Watch]:
    page = browser.new_page(viewport={"width": width, "height": height})
    watch = _Watch(page)
    page.goto(url + "/")
    return page, watch


def _canvas_ink(page: Any) -> int:
    """How many canvas pixels differ from the top-left (background) pixel."""
    return page.evaluate("""() => {
        const c = document.querySelector('[data-testid=map-canvas]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) ink++;
        }
        return ink;
    }""")


def _layout(page: Any) -> dict[str, Any]:
    """Whether the page scrolls sideways, and where the tools and the map panel are."""
    return page.evaluate("""() => {
        const box = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
        return {overflow: document.documentElement.scrollWidth > window.innerWidth,
                tools: box('.tools'), map: box('.map-panel')};
    }""")


def _search(page: Any, word: str) -> None:
    box = page.get_by_label("Word or key")
    box.fill(word)
    box.press("Enter")


def _neighbour_keys(page: Any) -> list[str]:
    rows = page.get_by_test_id("neighbours").get_by_test_id("neighbour")
    return [rows.nth(i).get_attribute("data-key") for i in range(rows.count())]


# --------------------------------------------------------------------------- tests


def test_explorer_end_to_end(browser: Any, collection: Any) -> None:
    with _Server(_app(collection, None)) as url:
        page, watch = _open(browser, url)
        count = len(_planted_vectors()[0])
        sync_api.expect(page.get_by_test_id("status")).to_contain_text(f"{count} vectors")
        sync_api.expect(page.get_by_test_id("status")).to_contain_text("cosine")
        canvas = page.get_by_test_id("map-canvas")
        sync_api.expect(canvas).to_have_attribute("data-points", str(count))
        page.wait_for_function("() => !document.querySelector('#map-note').textContent"
                               ".includes('Projecting')")
        assert watch.console_errors == [] and watch.page_errors == []
        assert _canvas_ink(page) > 200
        layout = _layout(page)  # wide window: tools and map side by side, nothing cut off
        assert not layout["overflow"]
        assert layout["map"]["x"] >= layout["tools"]["x"] + layout["tools"]["width"]

        # Search: Enter submits; the planted fruit cluster comes first, with scores.
        _search(page, "apple")
        sync_api.expect(page.get_by_test_id("neighbours")).to_be_visible()
        keys = _neighbour_keys(page)
        assert set(keys[:4]) == set(FRUIT) - {"apple"}
        first_score = page.get_by_test_id("neighbour").first.get_attribute("data-score")
        assert 0.5 < float(first_score) <= 1.0
        sync_api.expect(page.get_by_test_id("neighbours")).to_contain_text(
            f"{float(first_score):.4f}")
        highlighted = json.loads(canvas.get_attribute("data-highlighted"))
        assert highlighted[0] == "apple" and set(FRUIT) <= set(highlighted)

        # Hover a point: the tooltip names it.
        pos = page.evaluate("() => window.everyvecExplorer.map.positionOf('castle')")
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
        tooltip = page.get_by_test_id("map-tooltip")
        sync_api.expect(tooltip).to_be_visible()
        assert tooltip.text_content() == canvas.get_attribute("data-hovered")
        assert tooltip.text_content() in _planted_vectors()[0]

        # Clicking a point searches for it.
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        sync_api.expect(page.get_by_test_id("search-input")).to_have_value(
            tooltip.text_content())
        sync_api.expect(canvas).to_have_attribute("data-query", tooltip.text_content())

        # Analogy: king − man + woman = queen.
        page.get_by_label("a", exact=True).fill("king")
        page.get_by_label("minus b").fill("man")
        page.get_by_label("plus c").fill("woman")
        page.get_by_label("plus c").press("Enter")
        first = page.get_by_test_id("analogy-results").get_by_test_id("analogy-match").first
        sync_api.expect(first).to_have_attribute("data-key", "queen")

        # Unknown word: the server's message and a clickable suggestion, no uncaught error.
        _search(page, "appel")
        error = page.get_by_test_id("search-error")
        sync_api.expect(error).to_contain_text("appel")
        suggestion = error.get_by_test_id("suggestion").filter(has_text="apple")
        suggestion.click()
        sync_api.expect(error).to_be_hidden()
        sync_api.expect(page.get_by_test_id("neighbours")).to_contain_text("pear")

        # Wheel zoom keeps the point under the cursor still and spreads the others; reset
        # brings the first picture back.
        where = "() => window.everyvecExplorer.map.positionOf('river')"
        before = page.evaluate(where)
        cx, cy = box["width"] / 2, box["height"] / 2
        page.mouse.move(box["x"] + cx, box["y"] + cy)
        page.mouse.wheel(0, -600)
        page.wait_for_function(f"() => ({where})().x !== {before['x']}")
        after = page.evaluate(where)
        assert abs(after["x"] - cx) > 2 * abs(before["x"] - cx)
        assert abs(after["y"] - cy) > 2 * abs(before["y"] - cy)
        page.get_by_test_id("map-reset").click()
        assert page.evaluate(where) == pytest.approx(before)
        assert _canvas_ink(page) > 200

        assert watch.page_errors == []
        # The only console errors are the browser's own notes on the planted 404.
        assert all("404" in m for m in watch.console_errors), watch.console_errors
        assert watch.foreign_requests() == []
        page.close()


def test_explorer_asks_for_api_key(browser: Any, collection: Any) -> None:
    with _Server(_app(collection, API_KEY)) as url:
        page, watch = _open(browser, url, width=420, height=800)
        key_panel = page.get_by_test_id("key-panel")
        sync_api.expect(key_panel).to_be_visible()  # the map request got 401
        layout = _layout(page)  # narrow window: one column, no sideways scrolling
        assert not layout["overflow"]
        assert layout["map"]["y"] >= layout["tools"]["y"] + layout["tools"]["height"]
        _search(page, "car")  # refused too: it waits for the key
        page.get_by_test_id("key-input").fill("wrong-key")
        page.get_by_test_id("key-input").press("Enter")
        sync_api.expect(page.get_by_test_id("key-error")).to_contain_text("not accepted")
        sync_api.expect(key_panel).to_be_visible()
        page.get_by_test_id("key-input").fill(API_KEY)
        page.get_by_test_id("key-input").press("Enter")
        sync_api.expect(key_panel).to_be_hidden()
        count = str(len(_planted_vectors()[0]))
        sync_api.expect(page.get_by_test_id("map-canvas")).to_have_attribute("data-points", count)
        sync_api.expect(page.get_by_test_id("neighbours")).to_be_visible()
        assert set(_neighbour_keys(page)[:4]) == set(VEHICLES) - {"car"}
        assert page.evaluate("() => sessionStorage.getItem('everyvec-api-key')") == API_KEY
        assert watch.page_errors == []
        assert all("401" in m for m in watch.console_errors), watch.console_errors
        assert watch.foreign_requests() == []
        page.close()
