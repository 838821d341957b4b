"""Optional ONNX Runtime embedder (int8 dynamic quantisation) for CPU machines; needs onnx + onnxruntime, not torch at run time."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.errors import ModelUnavailable

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_qint8.onnx"
EXPORT_META = "onnx-export.json"
_BATCH_SIZE = 32


def export_onnx(model_dir: Path | str, out_dir: Path | str, quantize: bool = True, opset: int = 17) -> Path:
    """Copy a sentence-transformers folder to out_dir and add onnx/model.onnx (+ onnx/model_qint8.onnx).

    The transformer is exported with torch's TorchScript-based exporter (eager attention, dynamic batch and
    sequence axes); pooling and normalisation stay in numpy so both backends share one definition of them.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    if not (model_dir / "config.json").is_file() or not (model_dir / "tokenizer.json").is_file():
        raise ModelUnavailable(f"{model_dir} không phải thư mục mô hình sentence-transformers (thiếu config.json/tokenizer.json).")
    if out_dir.resolve() != model_dir.resolve():
        shutil.copytree(model_dir, out_dir, dirs_exist_ok=True)
    onnx_dir = out_dir / ONNX_DIR
    onnx_dir.mkdir(parents=True, exist_ok=True)
    try:
        import torch
        from transformers import AutoModel
    except ImportError as error:
        raise ModelUnavailable(f"Cần torch và transformers để xuất ONNX ({error}).") from error
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if model.config.model_type in ("bert",) else [])
    sample = {name: torch.ones((2, 8), dtype=torch.long) for name in names}

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(_Hidden(model), tuple(sample[n] for n in names), str(onnx_dir / FP32_FILE), dynamo=False,
                          input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=opset, do_constant_folding=True)
    files = {"fp32": f"{ONNX_DIR}/{FP32_FILE}"}
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Weights int8 per output channel, activations quantised on the fly: no calibration data needed.
        quantize_dynamic(str(onnx_dir / FP32_FILE), str(onnx_dir / INT8_FILE), weight_type=QuantType.QInt8,
                         per_channel=True)
        files["int8"] = f"{ONNX_DIR}/{INT8_FILE}"
    import onnxruntime

    meta = {"source": str(model_dir), "inputs": names, "files": files, "opset": opset,
            "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    with open(onnx_dir / EXPORT_META, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=2)
    return out_dir


def has_onnx(model_dir: Path | str, int8: bool = True) -> bool:
    return (Path(model_dir) / ONNX_DIR / (INT8_FILE if int8 else FP32_FILE)).is_file()


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _pad_token(model_dir: Path, tokenizer) -> str:
    """The padding token as the model folder declares it ([PAD] for BERT, <pad> for XLM-R / E5)."""
    if tokenizer.padding and tokenizer.padding.get("pad_token"):
        return tokenizer.padding["pad_token"]
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        pad = _read_json(model_dir / name).get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        if pad and tokenizer.token_to_id(pad) is not None:
            return pad
    return "<pad>" if tokenizer.token_to_id("<pad>") is not None else "[PAD]"


class OnnxEmbedder:
    """The Embedder protocol on ONNX Runtime: tokenizers + session + mean/CLS pooling + L2 normalisation.

    Two sessions, each made on first use: one with `threads` intra-op threads for batches (passages, several
    queries), one with `query_threads` for a single query, where a second thread mostly waits at barriers on a
    2-core machine (docs/BENCHMARKS.md, "The bundled model"). A build uses only the first, a searcher only the second.
    """

    def __init__(self, model_dir: Path, name: str, query_prefix: str, passage_prefix: str, int8: bool = True,
                 threads: int = 2, query_threads: int = 1, source_sha256: str | None = None,
                 verification: dict | None = None) -> None:
        try:
            import onnxruntime  # noqa: F401
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ModelUnavailable(f"Thiếu onnxruntime/tokenizers ({error}); cài: pip install onnxruntime tokenizers.") from error
        model_dir = Path(model_dir)
        self.path = model_dir / ONNX_DIR / (INT8_FILE if int8 else FP32_FILE)
        if not self.path.is_file():
            raise ModelUnavailable(f"Không có {self.path}; tạo bằng indexer.embed.onnx_embed.export_onnx({str(model_dir)!r}, ...).")
        self.name = name
        self.location = str(model_dir)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.int8 = int8
        self.backend = "onnx-int8" if int8 else "onnx-fp32"
        self.source_sha256 = source_sha256
        self.verification = verification
        self.threads = max(1, int(threads))
        self.query_threads = max(1, int(query_threads))
        self._sessions: dict[int, object] = {}
        self._input_names: list[str] | None = None
        st_config = _read_json(model_dir / "sentence_bert_config.json")
        self.max_length = int(st_config.get("max_seq_length") or 512)
        pooling = _read_json(model_dir / "1_Pooling" / "config.json")
        self.pooling = "cls" if pooling.get("pooling_mode_cls_token") else "mean"
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        pad = _pad_token(model_dir, self.tokenizer)
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id(pad) or 0, pad_token=pad)
        hidden = _read_json(model_dir / "config.json").get("hidden_size")
        # Pooling keeps the transformer's width, so config.json says the dimension without opening a session.
        self.dimension = int(hidden) if hidden else int(self._run(["a"], self.query_threads).shape[1])

    @classmethod
    def load(cls, spec, int8: bool = True, threads: int = 2, query_threads: int = 1) -> "OnnxEmbedder":
        """From an indexer.embed.embedders.ModelSpec whose location is a folder with an onnx/ export."""
        if not spec.is_folder:
            raise ModelUnavailable(f"Mô hình ONNX cần một thư mục; {spec.location} không phải thư mục.")
        return cls(Path(spec.location), spec.name, spec.query_prefix, spec.passage_prefix, int8=int8, threads=threads,
                   query_threads=query_threads, source_sha256=getattr(spec, "source_sha256", None),
                   verification=getattr(spec, "verification", None))

    def _session(self, threads: int):
        session = self._sessions.get(threads)
        if session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
            self._sessions[threads] = session
            self._input_names = [i.name for i in session.get_inputs()]
        return session

    @property
    def session(self):
        """The batch session (created on first use)."""
        return self._session(self.threads)

    def _run(self, texts: list[str], threads: int | None = None) -> np.ndarray:
        session = self._session(threads or self.threads)
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in (self._input_names or ()):
            feeds["token_type_ids"] = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
        hidden = session.run(["last_hidden_state"], feeds)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0, :]
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1).clip(1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True).clip(1e-12)
        return np.ascontiguousarray(pooled / norms, dtype=np.float32)

    def _encode_sorted(self, texts: Sequence[str], batch_size: int = _BATCH_SIZE) -> np.ndarray:
        """Batches of similar length (less padding); rows come back in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            ids = order[start : start + batch_size]
            out[ids] = self._run([texts[i] for i in ids])
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1:
            return self._run([self.query_prefix + texts[0]], self.query_threads)
        return self._encode_sorted([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        return self._encode_sorted([self.passage_prefix + t for t in texts])
