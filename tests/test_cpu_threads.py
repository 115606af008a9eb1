"""Small local models run torch on one CPU thread; larger ones and the user's own choice keep theirs."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")

from models.backends import cpu_threads  # noqa: E402
from models.backends.cpu_threads import SMALL_MODEL_PARAMETERS, choose_cpu_threads  # noqa: E402


def fake_model(parameters: int, device: str = "cpu") -> SimpleNamespace:
    return SimpleNamespace(device=torch.device(device), parameters=lambda: [torch.empty(parameters, device="meta")])


@pytest.fixture(autouse=True)
def fresh_choice(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Each test starts as a new process would, with torch's threads put back afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    monkeypatch.setattr(cpu_threads, "_default_threads", None)
    monkeypatch.setattr(cpu_threads, "_largest_on_cpu", 0)
    for name in cpu_threads.THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    yield max(2, before)
    torch.set_num_threads(before)


def test_a_small_model_on_the_cpu_gets_one_thread() -> None:
    assert choose_cpu_threads(fake_model(1_400_000)) == 1
    assert torch.get_num_threads() == 1


def test_a_large_model_keeps_the_default_even_beside_a_small_one(fresh_choice: int) -> None:
    choose_cpu_threads(fake_model(1_400_000))
    assert choose_cpu_threads(fake_model(SMALL_MODEL_PARAMETERS * 10)) == fresh_choice
    assert choose_cpu_threads(fake_model(1_400_000)) == fresh_choice  # the largest on the CPU decides
    assert torch.get_num_threads() == fresh_choice


def test_the_users_thread_setting_stands(monkeypatch: pytest.MonkeyPatch, fresh_choice: int) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert choose_cpu_threads(fake_model(1_400_000)) is None
    assert torch.get_num_threads() == fresh_choice


def test_a_model_on_a_gpu_is_left_alone(fresh_choice: int) -> None:
    assert choose_cpu_threads(fake_model(1_400_000, device="meta")) is None
    assert torch.get_num_threads() == fresh_choice


def test_the_shipped_tiny_doctor_runs_on_one_thread() -> None:
    from models.backends.hf import HFBackend
    from models.tiny import resolve_tiny

    folder = resolve_tiny("tiny")
    assert folder is not None
    HFBackend(str(folder), name="tiny", device="cpu")
    assert torch.get_num_threads() == 1
