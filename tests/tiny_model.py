"""Builds a tiny sentence-transformers model (random 2-layer BERT, WordPiece vocabulary from the corpus) for tests."""
from __future__ import annotations

import json
from pathlib import Path

TINY_MODEL_NAME = "tiny-test-bert"
TINY_DIMENSION = 32


def build_tiny_model(out_dir: Path, texts: list[str], name: str = TINY_MODEL_NAME, seed: int = 0) -> Path:
    """Train a WordPiece vocabulary on `texts`, wrap a random BERT as Transformer + Pooling + Normalize, save to out_dir.

    The folder loads with plain `SentenceTransformer(out_dir)`; `tracuu-model.json` names the model so the
    index manifest records `name` rather than a temporary path (two models with different names must differ).
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out_dir = Path(out_dir)
    hf_dir = out_dir.parent / f"{out_dir.name}-hf"
    hf_dir.mkdir(parents=True, exist_ok=True)

    wordpiece = BertWordPieceTokenizer(lowercase=True, strip_accents=False)
    wordpiece.train_from_iterator(texts, vocab_size=2000, min_frequency=1, show_progress=False)
    wordpiece.save_model(str(hf_dir))
    # transformers 5 takes the vocabulary as `vocab=` (a `vocab_file=` keyword is silently ignored)
    tokenizer = BertTokenizerFast(vocab=str(hf_dir / "vocab.txt"), do_lower_case=True, strip_accents=False)
    tokenizer.save_pretrained(str(hf_dir))

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=TINY_DIMENSION,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    BertModel(config).save_pretrained(str(hf_dir))

    transformer = Transformer(str(hf_dir), max_seq_length=256)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu")
    model.save(str(out_dir))
    meta = {"name": name, "query_prefix": "query: ", "passage_prefix": "passage: "}
    (out_dir / "tracuu-model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return out_dir
