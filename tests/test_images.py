"""Case images (NEJM): checked, cached fetching; what text-only and image-reading doctors get; the image in an
OpenAI-compatible request body and in a tiny multimodal Gemma 3's ``generate`` (offline: a local HTTP server
serves a PNG written here, and the model is built in a temp folder)."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.runner import Runner
from agentclinic_sim.transcript import iter_latest_records
from agents.doctor import IMAGE_ATTACHED, IMAGE_UNSEEN, BackendDoctor, DoctorView, doctor_image
from models.backends import BackendError, GenerationConfig, Message, ScriptedBackend
from models.backends.base import ImageData, accepts_images
from models.backends.openai_backend import OpenAIBackend, vision_model
from models.backends.openai_stub import OpenAIStub
from scenarios import Case, load_cases
from scenarios.images import ImageFetchError, cache_path, case_image, fetch_image, image_cache_dir, image_mime

KEY_ENV = "AGENTCLINIC_TEST_KEY"
QUESTION = (
    "A 55-year-old woman presented with skin darkening on her face. Dermoscopy revealed pinpoint macules (middle). "
    "What is the most likely diagnosis?"
)


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    """A valid RGB PNG (a colour gradient), written without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + bytes(value for x in range(width) for value in (x * 10 % 256, y * 15 % 256, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = png_bytes()


class ImageServer:
    """A local HTTP server: ``routes[path] = (status, headers, body)``; ``hits[path]`` counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, status: int = 200, body: bytes = PNG, **headers: str) -> str:
        self.routes[path] = (status, {"Content-Type": "image/png", **headers}, body)
        return self.base + path


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(KEY_ENV, "sk-test")


@pytest.fixture
def server() -> Iterator[ImageServer]:
    images = ImageServer()
    yield images
    images.httpd.shutdown()
    images.httpd.server_close()


def nejm_file(folder: Path, image_url: str, name: str = "nejm_cases") -> Path:
    record = {
        "image_url": image_url,
        "question": QUESTION,
        "patient_info": "You are a 55-year-old woman whose face has darkened over a year.",
        "physical_exams": "Dermoscopy: hyperchromic pinpoint macules.",
        "answers": [{"text": "Exogenous ochronosis", "correct": True}, {"text": "Melasma", "correct": False}],
    }
    path = folder / f"{name}.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def nejm_case(folder: Path, image_url: str) -> Case:
    [case] = load_cases(str(nejm_file(folder, image_url)))
    return case


def cache_files() -> list[Path]:
    folder = image_cache_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


# -- fetching and caching ---------------------------------------------------------------------------------


def test_magic_bytes_name_the_image_type() -> None:
    assert image_mime(PNG) == "image/png"
    assert image_mime(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert image_mime(b"GIF89a...") == "image/gif"
    assert image_mime(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_mime(b"<!DOCTYPE html><html>") is None


def test_image_is_fetched_once_then_read_from_the_cache(server: ImageServer) -> None:
    url = server.url("/fig.png")
    first = fetch_image(url, case_id="nejm:0")
    second = fetch_image(url, case_id="nejm:0")
    assert first.data == second.data == PNG and first.mime_type == "image/png"
    assert server.hits["/fig.png"] == 1
    assert cache_files() == [cache_path(url)] and first.path == cache_path(url)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ((200, b"<!DOCTYPE html><html>sign in</html>", {"Content-Type": "image/png"}), "not an image"),
        ((200, PNG, {}), "over the 100-byte cap"),
        ((403, b"forbidden", {}), "HTTP 403"),
        ((200, PNG[:80], {"Content-Length": "90"}), "cut off"),
    ],
    ids=["html-page", "too-big", "http-error", "cut-off"],
)
def test_a_bad_fetch_names_case_and_url_and_caches_nothing(
    server: ImageServer, route: tuple[int, bytes, dict[str, str]], reason: str
) -> None:
    status, body, headers = route
    url = server.url("/bad", status, body, **headers)
    with pytest.raises(ImageFetchError) as caught:
        fetch_image(url, case_id="nejm:7", max_bytes=100)
    message = str(caught.value)
    assert "case nejm:7" in message and url in message and reason in message and "nothing was cached" in message
    assert cache_files() == []  # no image and no half-written temporary file


def test_a_corrupt_cache_file_is_fetched_again(server: ImageServer) -> None:
    url = server.url("/fig.png")
    fetch_image(url)
    cache_path(url).write_bytes(b"garbage")
    assert fetch_image(url).data == PNG and server.hits["/fig.png"] == 2


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(ImageFetchError, match=r"case nejm:1: image http://127\.0\.0\.1:9/x\.png: download failed"):
        fetch_image("http://127.0.0.1:9/x.png", case_id="nejm:1", timeout_s=5)


# -- what the doctor gets -----------------------------------------------------------------------------------


def test_nejm_case_image_text_is_the_question_without_its_ask(tmp_path: Path) -> None:
    image = case_image(nejm_case(tmp_path, "http://127.0.0.1:9/fig.png"))
    assert image is not None and image.url == "http://127.0.0.1:9/fig.png"
    assert image.text == QUESTION.removesuffix(" What is the most likely diagnosis?")
    [demo] = load_cases("demo")[:1]
    assert case_image(demo) is None


def test_text_only_doctor_is_told_of_the_image_and_given_its_text(server: ImageServer, tmp_path: Path) -> None:
    case = nejm_case(tmp_path, server.url("/fig.png"))
    backend = ScriptedBackend(["What brings you in?"])
    image = asyncio.run(doctor_image(case, backend))
    assert image is not None and image.data is None
    assert server.hits == {}  # nothing is fetched for a doctor that cannot see it
    view = DoctorView(objective=case.objective, options=case.options)
    system, opening = BackendDoctor(backend, image=image).messages(view)
    assert opening.images == []
    assert opening.content.startswith(IMAGE_UNSEEN)
    assert "pinpoint macules (middle)" in opening.content and "What is the most likely" not in opening.content
    assert opening.content.endswith("Begin the consultation.\n[Turn 1 of 20]")
    assert opening.model_dump() == {"role": "user", "content": opening.content}  # text messages dump as before
    assert asyncio.run(doctor_image(case, backend, "off")) is None


def test_image_reading_doctor_gets_the_cached_bytes(server: ImageServer, tmp_path: Path) -> None:
    case = nejm_case(tmp_path, server.url("/fig.png"))
    backend = OpenAIBackend("gpt-4o", base_url="http://127.0.0.1:9/v1", api_key_env=KEY_ENV)
    assert accepts_images(backend)
    image = asyncio.run(doctor_image(case, backend))
    assert image is not None and image.data == ImageData(data=PNG, mime_type="image/png")
    view = DoctorView(objective=case.objective)
    _, opening = BackendDoctor(backend, image=image).messages(view)
    assert opening.content.startswith(IMAGE_ATTACHED) and opening.images == [image.data]
    assert "pinpoint macules" not in opening.content
    [single] = BackendDoctor(backend, image=image, prompt_format="agentclinic").messages(view)
    assert IMAGE_ATTACHED in single.content and single.images == [image.data]
    text_only = asyncio.run(doctor_image(case, backend, "text"))
    assert text_only is not None and text_only.data is None
    assert server.hits["/fig.png"] == 1


def test_openai_request_holds_an_image_url_part_only_when_images_are_accepted() -> None:
    image = ImageData(data=PNG, mime_type="image/png")
    messages = [Message(role="system", content="rules"), Message(role="user", content="look", images=[image])]
    body = OpenAIBackend("m", base_url="http://127.0.0.1:9/v1", accepts_images=True).request(
        messages, GenerationConfig()
    )
    assert body["messages"][0] == {"role": "system", "content": "rules"}
    text, picture = body["messages"][1]["content"]
    assert text == {"type": "text", "text": "look"}
    assert picture["type"] == "image_url"
    assert base64.b64decode(picture["image_url"]["url"].removeprefix("data:image/png;base64,")) == PNG
    with pytest.raises(BackendError, match="sends text only"):
        OpenAIBackend("m", base_url="http://127.0.0.1:9/v1").request(messages, GenerationConfig())
    assert vision_model("gpt-4o") and vision_model("google/medgemma-4b-it")
    assert not vision_model("google/medgemma-27b-text-it") and not vision_model("gpt-3.5-turbo")


def test_run_sends_the_nejm_image_to_an_openai_vision_doctor(server: ImageServer, tmp_path: Path) -> None:
    dataset = nejm_file(tmp_path, server.url("/fig.png"))
    with OpenAIStub(responder=lambda body: "DIAGNOSIS READY: Exogenous ochronosis") as stub:
        settings = RunSettings(
            dataset=str(dataset), doctor=f"openai:gpt-4o@{stub.base_url}", api_key_env=KEY_ENV, out=tmp_path / "run"
        )
        summary = asyncio.run(Runner(settings).run())
        [request] = stub.requests
    assert (summary.n, summary.errored, summary.accuracy) == (1, 0, 1.0)
    user = request["messages"][1]
    assert user["content"][0]["text"].startswith(IMAGE_ATTACHED)
    url = user["content"][1]["image_url"]["url"]
    assert base64.b64decode(url.removeprefix("data:image/png;base64,")) == PNG
    [record] = iter_latest_records(tmp_path / "run" / "transcripts.jsonl")
    assert record.image == "image"


@pytest.mark.parametrize(("policy", "shown"), [("text", "text"), ("off", None)])
def test_images_setting_keeps_the_image_from_a_vision_doctor(
    server: ImageServer, tmp_path: Path, policy: str, shown: str | None
) -> None:
    dataset = nejm_file(tmp_path, server.url("/fig.png"))
    with OpenAIStub(responder=lambda body: "DIAGNOSIS READY: Exogenous ochronosis") as stub:
        settings = RunSettings(
            dataset=str(dataset),
            doctor=f"openai:gpt-4o@{stub.base_url}",
            api_key_env=KEY_ENV,
            out=tmp_path / "run",
            images=policy,
        )
        asyncio.run(Runner(settings).run())
        [request] = stub.requests
    text = json.dumps(request["messages"])
    assert "image_url" not in text and IMAGE_ATTACHED not in text
    assert (IMAGE_UNSEEN in text) == (policy == "text")
    assert server.hits == {}  # neither policy fetches the image
    [record] = iter_latest_records(tmp_path / "run" / "transcripts.jsonl")
    assert record.image == shown


def test_run_records_an_image_that_cannot_be_fetched_as_the_episodes_error(server: ImageServer, tmp_path: Path) -> None:
    url = server.url("/gone.png", 404, b"gone")
    dataset = nejm_file(tmp_path, url)
    with OpenAIStub() as stub:
        settings = RunSettings(
            dataset=str(dataset), doctor=f"openai:gpt-4o@{stub.base_url}", api_key_env=KEY_ENV, out=tmp_path / "run"
        )
        summary = asyncio.run(Runner(settings).run())
        assert stub.requests == []
    assert (summary.n, summary.errored) == (1, 1)
    [record] = iter_latest_records(tmp_path / "run" / "transcripts.jsonl")
    assert record.error is not None and "ImageFetchError" in record.error
    assert "nejm_cases:0" in record.error and url in record.error and "HTTP 404" in record.error


# -- a tiny multimodal Gemma 3 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vision_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("PIL", reason="Pillow decodes images for local models")
    from models.tiny_vision import build_tiny_vision

    return build_tiny_vision(tmp_path_factory.mktemp("tiny-vision"))


def test_multimodal_gemma_gets_pixel_values_in_generate(vision_path: Path, server: ImageServer, tmp_path: Path) -> None:
    from models.backends.hf import HFBackend
    from models.tiny_vision import IMAGE_TOKEN, IMAGE_TOKENS

    backend = HFBackend(str(vision_path), name="tiny-vision")
    assert backend.accepts_images
    case = nejm_case(tmp_path, server.url("/fig.png"))
    image = asyncio.run(doctor_image(case, backend))
    assert image is not None and image.data is not None

    steps: list[dict[str, Any]] = []
    pixels: list[Any] = []

    def model_step(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        steps.append({key: kwargs.get(key) for key in ("input_ids", "token_type_ids")})

    def vision_step(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        pixels.append(kwargs.get("pixel_values", args[0] if args else None))

    vision_tower = backend.model.get_submodule("model.vision_tower")
    hooks = [
        backend.model.register_forward_pre_hook(model_step, with_kwargs=True),
        vision_tower.register_forward_pre_hook(vision_step, with_kwargs=True),
    ]
    doctor = BackendDoctor(backend, image=image, config=GenerationConfig(max_tokens=3))
    try:
        reply = doctor.act(DoctorView(objective=case.objective))
    finally:
        for hook in hooks:
            hook.remove()
    assert isinstance(reply.text, str)

    expected = backend.processor.image_processor(images=[_decoded(image.data.data)], return_tensors="pt")
    [seen_pixels] = pixels  # the image is encoded once, for the prefill
    assert tuple(seen_pixels.shape) == (1, 3, 32, 32) and seen_pixels.allclose(expected["pixel_values"])
    prefill = steps[0]
    image_id = backend.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    assert int((prefill["input_ids"] == image_id).sum()) == IMAGE_TOKENS
    assert prefill["token_type_ids"] is not None and int(prefill["token_type_ids"].sum()) == IMAGE_TOKENS

    prompt = backend.prepare(doctor.messages(DoctorView(objective=case.objective)))
    text = backend.prepare([Message(role="user", content="Any pain?")])
    batched = backend.generate_batch(
        [prompt.ids, text.ids], GenerationConfig(max_tokens=4), None, [prompt.pixel_values, None]
    )
    alone = backend.generate_batch([prompt.ids], GenerationConfig(max_tokens=4), None, [prompt.pixel_values])
    assert batched[0].token_ids == alone[0].token_ids  # an image prompt batches with text prompts
    other = backend.prepare(
        [Message(role="user", content="x", images=[ImageData(data=png_bytes(8, 8), mime_type="image/png")])]
    )
    mine = backend.prepare([Message(role="user", content="x", images=[image.data])])
    assert other.ids == mine.ids
    scores = [
        backend.generate_batch([p.ids], GenerationConfig(max_tokens=2, logprobs=True), None, [p.pixel_values])[
            0
        ].logprobs
        for p in (mine, other)
    ]
    assert scores[0] != scores[1]  # the pixels change what the model computes


def test_text_only_local_model_refuses_images(tiny_model_path: Path) -> None:
    from models.backends.hf import HFBackend

    backend = HFBackend(str(tiny_model_path), name="tiny")
    assert not backend.accepts_images
    message = Message(role="user", content="look", images=[ImageData(data=PNG, mime_type="image/png")])
    with pytest.raises(BackendError, match="takes text only"):
        asyncio.run(backend.chat([message], GenerationConfig(max_tokens=2)))


def _decoded(data: bytes) -> Any:
    import io

    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("RGB")
