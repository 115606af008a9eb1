"""The tiny doctor: a random ``Gemma3ForCausalLM`` of a few million parameters and a tokenizer built
offline with ``tokenizers`` (trained on case text, Gemma's special tokens, the Gemma 3 chat template).

It is saved with ``save_pretrained`` and loaded back through the same ``hf:<path>`` code path as
MedGemma, so tests and the offline default run exercise the real loading, templating and generation
code with no model hub. Its replies are noise: it is a plumbing check and a CPU training base, not a doctor.

    python -m models.tiny [PATH]      # build (or rebuild) it; default PATH is the user cache
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import platformdirs

from models.backends.gemma_chat import END_OF_TURN, GEMMA3_CHAT_TEMPLATE, START_OF_TURN

TINY_ENV = "AGENTCLINIC_TINY"
TINY_VERSION = 2
"""Bumped when the tiny model's configuration changes, so a cached older build is not reused."""
SLIDING_WINDOW = 4096
"""Wider than a whole episode (a 6-turn consultation is about 750 tokens; 20 turns with tests, a few
thousand): with Gemma 3's default 512 every layer of the tiny model is local and late turns lose the objective."""
SPECIAL_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", START_OF_TURN, END_OF_TURN]  # ids 0..5, Gemma's order
PROTOCOL_TEXT = [
    "REQUEST TEST: Complete_Blood_Count",
    "DIAGNOSIS READY: Myocardial infarction",
    "RESULTS: NORMAL READINGS",
    "What brings you in today? When did it start? Do you take any medications?",
]


def default_path() -> Path:
    override = os.environ.get(TINY_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("agentclinic-sim")) / f"tiny-gemma3-v{TINY_VERSION}"


def corpus() -> Iterator[str]:
    """Training text for the tokenizer: the bundled synthetic cases and the protocol's own phrases."""
    # Read as a file beside this package (not imported: models.backends stays free of project imports).
    demo = (Path(__file__).resolve().parents[1] / "scenarios" / "data" / "demo.jsonl").read_text(encoding="utf-8")
    for line in demo.splitlines():
        if line.strip():
            yield json.dumps(json.loads(line), ensure_ascii=False)
    yield from PROTOCOL_TEXT


def build_tokenizer(texts: Iterable[str], vocab_size: int = 4096):  # noqa: ANN201 (transformers type)
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=[START_OF_TURN, END_OF_TURN],
    )
    fast.chat_template = GEMMA3_CHAT_TEMPLATE
    return fast


def build_tiny(
    path: str | Path | None = None,
    *,
    hidden_size: int = 128,
    num_layers: int = 4,
    vocab_size: int = 4096,
    seed: int = 0,
) -> Path:
    """Build and save the tiny model and tokenizer at ``path`` (deterministic for a given seed)."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, GenerationConfig
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    target = Path(path) if path else default_path()
    tokenizer = build_tokenizer(corpus(), vocab_size)
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 4,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=hidden_size // 4,
        max_position_embeddings=8192,
        sliding_window=SLIDING_WINDOW,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(END_OF_TURN)],
    )
    torch.manual_seed(seed)
    model = Gemma3ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id
    )
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def resolve_tiny(uri: str) -> Path | None:
    """The folder a tiny URI names, building it when needed: ``tiny-random`` (the random model), ``tiny`` (the
    trained tiny doctor when one is installed, else the random model), ``tiny:<path>``; None for other URIs."""
    scheme, _, rest = uri.partition(":")
    if scheme == "tiny" and rest:
        return ensure_tiny(rest)
    if uri == "tiny-random":
        return ensure_tiny()
    if uri == "tiny":
        trained = trained_tiny_path()
        return trained if trained is not None else ensure_tiny()
    return None


def trained_tiny_path() -> Path | None:
    """The trained tiny doctor shipped with the package, when it is there."""
    folder = Path(__file__).resolve().parent / "tiny_doctor"
    return folder if (folder / "config.json").is_file() else None


def ensure_tiny(path: str | Path | None = None) -> Path:
    """The tiny model's folder, building it first if it is not there yet."""
    target = Path(path) if path else default_path()
    if not (target / "config.json").is_file() or not (target / "tokenizer_config.json").is_file():
        build_tiny(target)
    return target


if __name__ == "__main__":
    built = build_tiny(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"tiny Gemma 3 doctor saved to {built}")
