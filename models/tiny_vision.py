"""A tiny random multimodal Gemma 3 (``Gemma3ForConditionalGeneration``) built offline, for tests of the image path.

The tiny text model's tokenizer (``models.tiny``) is extended with Gemma 3's image tokens
(``<start_of_image>``, ``<end_of_image>``, ``<image_soft_token>``, named ``boi_token`` / ``eoi_token`` /
``image_token`` as in Gemma 3's tokenizer config), a one-layer SigLIP vision tower looks at 32x32 images in
8x8 patches, and the projector pools them into 4 image tokens. A ``Gemma3Processor`` (PIL image
processor, so no torchvision) is saved beside it, so ``hf:<path>`` loads it the way it loads
``google/medgemma-4b-it``: model, tokenizer and processor. Its replies are noise; it builds in about a second.

    python -m models.tiny_vision PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

from models.backends.gemma_chat import END_OF_TURN, GEMMA3_CHAT_TEMPLATE
from models.tiny import SLIDING_WINDOW, build_tokenizer, corpus

BOI_TOKEN = "<start_of_image>"
EOI_TOKEN = "<end_of_image>"
IMAGE_TOKEN = "<image_soft_token>"
IMAGE_SIZE = 32
PATCH_SIZE = 8
IMAGE_TOKENS = 4
"""Image tokens per image: the (32 / 8)^2 = 16 patches average-pooled 2x2."""


def build_vision_tokenizer(vocab_size: int = 1024):  # noqa: ANN201 (transformers type)
    """The tiny offline tokenizer with Gemma 3's image tokens added as named special tokens."""
    from transformers import PreTrainedTokenizerFast

    text = build_tokenizer(corpus(), vocab_size)
    backend = text.backend_tokenizer
    backend.add_special_tokens([BOI_TOKEN, EOI_TOKEN, IMAGE_TOKEN])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens={"boi_token": BOI_TOKEN, "eoi_token": EOI_TOKEN, "image_token": IMAGE_TOKEN},
    )
    tokenizer.chat_template = GEMMA3_CHAT_TEMPLATE
    return tokenizer


def build_tiny_vision(path: str | Path, *, hidden_size: int = 64, num_layers: int = 2, seed: int = 0) -> Path:
    """Build and save the tiny multimodal model, its tokenizer and its processor at ``path`` (deterministic)."""
    import torch
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3Processor,
        Gemma3TextConfig,
        GenerationConfig,
        SiglipVisionConfig,
    )
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    target = Path(path)
    tokenizer = build_vision_tokenizer()
    end_of_turn = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    text_config = Gemma3TextConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=hidden_size // 2,
        max_position_embeddings=4096,
        sliding_window=SLIDING_WINDOW,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.eos_token_id, end_of_turn],
    )
    vision_config = SiglipVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
    )
    config = Gemma3Config(
        text_config=text_config,
        vision_config=vision_config,
        mm_tokens_per_image=IMAGE_TOKENS,
        boi_token_index=tokenizer.boi_token_id,
        eoi_token_index=tokenizer.eoi_token_id,
        image_token_index=tokenizer.image_token_id,
    )
    torch.manual_seed(seed)
    model = Gemma3ForConditionalGeneration(config).eval()
    with torch.no_grad():  # the projector starts at zero, which would make every image look the same
        model.get_submodule("model.multi_modal_projector").mm_input_projection_weight.normal_(std=0.5)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.eos_token_id, end_of_turn],
        pad_token_id=tokenizer.pad_token_id,
    )
    image_processor = Gemma3ImageProcessorPil(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    processor = Gemma3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=GEMMA3_CHAT_TEMPLATE,
        image_seq_length=IMAGE_TOKENS,
    )
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    processor.save_pretrained(target)  # also saves the tokenizer
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m models.tiny_vision PATH")
    print(f"tiny multimodal Gemma 3 saved to {build_tiny_vision(sys.argv[1])}")
