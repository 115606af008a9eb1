"""The HTML pages ``replay`` writes, opened in a real headless browser (Debian's chromium through Playwright):
the page renders, the console shows no error, nothing is fetched from outside the file, and the side-by-side
page shows two columns of text next to each other."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.transcript import TRANSCRIPTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page

GOLDEN = Path(__file__).parent / "golden" / "transcripts" / "demo-oracle.jsonl"
INK = 110
"""A pixel darker than this (0-255 grey) is text: the pages' text is near black on white or pale yellow."""


@dataclass
class Opened:
    """A page loaded in the browser, with what its console reported and every URL it asked for."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser: Browser):  # noqa: ANN201
    contexts = []

    def load(path: Path) -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        opened = Opened(context.new_page())
        opened.page.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
        opened.page.on("pageerror", lambda error: opened.errors.append(str(error)))
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.goto(path.as_uri(), wait_until="load")
        return opened

    yield load
    for context in contexts:
        context.close()


def replay(*args: str | Path) -> str:
    result = CliRunner().invoke(app, ["replay", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    """The golden oracle run's first three cases, and a second run where case demo:1's doctor asks for another
    test at turn 3, stops after 8 turns and names another diagnosis."""
    records = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()[:3]]
    a, b = tmp_path / "oracle", tmp_path / "rival"
    for folder in (a, b):
        folder.mkdir()
    (a / TRANSCRIPTS).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    changed = records[1]
    assert changed["case_id"] == "demo:1" and changed["turns"][2]["role"] == "doctor"
    changed["turns"][2]["text"] = "REQUEST TEST: <img src=x onerror=alert(1)> Chest_X-Ray"
    changed["turns"] = changed["turns"][:8]
    changed.update(diagnosis="Pulmonary embolism", correct=False)
    (b / TRANSCRIPTS).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return a, b


def ink(shot: Image.Image, box: FloatRect | None) -> int:
    """How many text-dark pixels the screenshot holds inside an element's box."""
    assert box is not None and box["width"] > 0 and box["height"] > 0
    left, top = round(box["x"]), round(box["y"])
    region = shot.crop((left, top, left + round(box["width"]), top + round(box["height"]))).convert("L")
    return sum(region.histogram()[:INK])


def screenshot(page: Page) -> Image.Image:
    return Image.open(io.BytesIO(page.screenshot()))


def test_replay_html_renders_in_a_browser_without_errors(open_page, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "replay.html"
    replay(GOLDEN, "--case", "demo:0", "--html", out)
    opened = open_page(out)
    body = opened.page.locator("body")
    assert "demo:0 · sample 0" in body.inner_text() and "Correct diagnosis" in body.inner_text()
    assert opened.errors == [] and opened.requests == [out.as_uri()]
    assert ink(screenshot(opened.page), body.bounding_box()) > 1000  # text on the screen, not a blank page


def test_the_side_by_side_page_shows_two_columns_in_a_browser(open_page, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = two_runs(tmp_path)
    out = tmp_path / "side-by-side.html"
    replay(a, "--against", b, "--html", out)
    opened = open_page(out)
    page = opened.page
    assert page.title() == "oracle vs rival" and page.locator("section.case").count() == 3
    assert opened.errors == [] and opened.requests == [out.as_uri()]
    assert page.locator("img").count() == 0  # the transcript's markup is text, not an element

    section = page.locator("section#case-2")
    assert "first divergence at turn 3" in section.locator("p.divergence").inner_text()
    page.locator('nav a[href="#case-2"]').click()
    top = section.bounding_box()
    assert top is not None and abs(top["y"]) < 2  # the contents link scrolls its case to the top

    row = section.locator("tr.diverge")
    assert row.count() == 1 and row.locator("th").inner_text().startswith("3")
    row.scroll_into_view_if_needed()
    left, right = row.locator("td.run-a"), row.locator("td.run-b")
    assert "onerror=alert(1)" in right.inner_text() and "Vital_Signs" in left.inner_text()
    left_box, right_box = left.bounding_box(), right.bounding_box()
    assert left_box is not None and right_box is not None
    assert left_box["x"] + left_box["width"] <= right_box["x"] + 1  # side by side, left first
    assert abs(left_box["y"] - right_box["y"]) < 1 and left_box["width"] > 300 and right_box["width"] > 300
    shot = screenshot(page)
    assert ink(shot, left_box) > 200 and ink(shot, right_box) > 200  # both columns hold text

    absent = section.locator("td.absent").first  # run B's consultation is shorter: an empty cell beside turn 9
    absent.scroll_into_view_if_needed()
    assert ink(screenshot(page), absent.bounding_box()) == 0
