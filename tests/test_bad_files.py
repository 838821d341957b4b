"""A corpus of hostile and broken files beside the five seeds: `tracuu index` reports each with a reason, seeds stay searchable."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pypdf
import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "corpus").glob("*.txt"))
DEV_QUERIES = REPO.parent / "shared" / "eval" / "dev-queries.jsonl"


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ASCII lines in Helvetica."""
    ops = "BT /F1 12 Tf 72 760 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    return _pdf([b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>"], ops.encode("latin-1"))


def bomb_pdf(inflated: int = 160 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream is ~160 KB on disk and inflates to `inflated` bytes of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(packer.compress(chunk) for _ in range(inflated >> 20)) + packer.flush()
    return _pdf([b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"], data, deflated=True)


def _pdf(pages: list[bytes], content: bytes, deflated: bool = False, filter_name: bytes = b"/FlateDecode") -> bytes:
    filter_entry = b" /Filter " + filter_name if deflated else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        pages[0],
        b"<< /Length %d%s >>\nstream\n" % (len(content), filter_entry) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypted_pdf(user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_pdf(["Ke hoach so 7/KH-UBND bao mat", "Giao So Tai chinh"])))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bomb(path: Path, inflated: int = 64 * 1024 * 1024) -> None:
    """A .docx whose document.xml inflates ~1000×."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w") as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            for _ in range(inflated >> 20):
                member.write(b" " * (1 << 20))
            member.write(b"</w:body></w:document>")


def docx_lying_sizes(path: Path) -> None:
    """A small .docx whose central directory declares a 4 GB document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))


NFD_NAME = unicodedata.normalize("NFD", "Kế hoạch tổ chức Hội nghị.txt")
ODD_NAME = "-rf ; $(echo x) 'trích' #1 [bản sao] ?.txt"
EXPECTED = {
    # source: (status, words the reason must contain)
    "hong/corrupt.pdf": ("failed", "PDF"),
    "hong/truncated.pdf": ("failed", "PDF"),
    "hong/locked.pdf": ("failed", "mật khẩu"),
    "hong/empty.txt": ("failed", "rỗng"),
    "hong/junk.txt": ("failed", "nhị phân"),
    "hong/junk.pdf": ("failed", "PDF"),
    "hong/junk.docx": ("failed", "DOCX"),
    "hong/junk.doc": ("failed", "hỏng"),
    "hong/bomb.docx": ("failed", "bom nén"),
    "hong/lying.docx": ("failed", "bom nén"),
    "hong/bomb.pdf": ("failed", "bom giải nén"),
    "hong/big.txt": ("failed", "quá lớn"),
    "hong/copy of 002.txt": ("duplicate", "002_"),
}
GOOD_EXTRAS = {
    "hong/unlocked.pdf": "Ke hoach so 7/KH-UBND bao mat",
    f"hong/{NFD_NAME}": "Hội nghị tổng kết công tác thi đua khen thưởng",
    f"hong/{ODD_NAME}": "tuyên truyền phòng chống thiên tai",
}


@pytest.fixture(scope="module")
def messy_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("messy") / "corpus"
    bad = root / "hong"
    bad.mkdir(parents=True)
    for seed in SEEDS:
        shutil.copy(seed, root / seed.name)
    good_pdf = text_pdf(["Ke hoach so 9/KH-UBND", "Trang mot"])
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(3000))
    (bad / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 3])
    (bad / "locked.pdf").write_bytes(encrypted_pdf("mat-khau"))
    (bad / "unlocked.pdf").write_bytes(encrypted_pdf(""))
    (bad / "empty.txt").write_bytes(b"")
    (bad / "junk.txt").write_bytes(os.urandom(4000))
    (bad / "junk.pdf").write_bytes(os.urandom(4000))
    (bad / "junk.docx").write_bytes(os.urandom(4000))
    (bad / "junk.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000))
    docx_bomb(bad / "bomb.docx")
    docx_lying_sizes(bad / "lying.docx")
    (bad / "bomb.pdf").write_bytes(bomb_pdf())
    (bad / "big.txt").write_text("Kế hoạch dài.\n" * 90_000, encoding="utf-8")  # ~1.4 MB > TRACUU_MAX_FILE_MB=1
    shutil.copy(next(s for s in SEEDS if s.name.startswith("002_")), bad / "copy of 002.txt")
    (bad / NFD_NAME).write_text(
        unicodedata.normalize("NFD", "KẾ HOẠCH\nHội nghị tổng kết công tác thi đua khen thưởng năm 2020.\n"), encoding="utf-8"
    )
    (bad / ODD_NAME).write_text("KẾ HOẠCH\nCông tác tuyên truyền phòng chống thiên tai năm 2021.\n", encoding="utf-8")
    return root


def _tracuu(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=900, check=False)


@pytest.fixture(scope="module")
def messy_index(messy_corpus, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("messy-index") / "index"
    done = _tracuu("index", str(messy_corpus), "--index", str(index_dir), "--no-dense", "--json",
                   env_extra={"TRACUU_MAX_FILE_MB": "1"})
    return done, index_dir


@pytest.mark.slow
def test_index_exits_0_and_gives_each_bad_file_a_reason(messy_index):
    done, _ = messy_index
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    files = {unicodedata.normalize("NFC", f["source"]): f for f in report["files"]}
    for source, (status, words) in EXPECTED.items():
        outcome = files[source]
        assert outcome["status"] == status, (source, outcome)
        assert words in outcome["reason"], (source, outcome)
    for seed in SEEDS:
        assert files[seed.name]["status"] == "indexed"
    for source in GOOD_EXTRAS:
        assert files[unicodedata.normalize("NFC", source)]["status"] == "indexed", files[unicodedata.normalize("NFC", source)]
    assert report["documents"] == len(SEEDS) + len(GOOD_EXTRAS)


@pytest.mark.slow
def test_seeds_are_fully_searchable_after_a_messy_build(messy_index, lexical_index_dir):
    from search import Searcher

    _, index_dir = messy_index
    messy, clean = Searcher.open(index_dir), Searcher.open(lexical_index_dir)
    chunks = {d.source: d.n_chunks for d in messy.documents()}
    for doc in clean.documents():
        assert chunks[doc.source] == doc.n_chunks
    queries = [json.loads(line) for line in DEV_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(queries) >= 10
    for query in queries:
        ours = messy.search(query["q"], k=3, mode="lexical")
        reference = clean.search(query["q"], k=3, mode="lexical")
        assert ours and ours[0].source == reference[0].source, query["id"]
        assert ours[0].text == reference[0].text, query["id"]


@pytest.mark.slow
def test_odd_names_and_unlocked_pdf_are_found(messy_index):
    from search import Searcher

    _, index_dir = messy_index
    searcher = Searcher.open(index_dir)
    for source, phrase in GOOD_EXTRAS.items():
        hits = searcher.search(phrase, k=3, mode="lexical")
        assert hits, source
        assert unicodedata.normalize("NFC", hits[0].source) == unicodedata.normalize("NFC", source)
        assert phrase in " ".join(hits[0].text.split())


@pytest.mark.slow
def test_duplicate_keeps_both_paths(messy_index):
    done, index_dir = messy_index
    report = json.loads(done.stdout)
    duplicate = next(f for f in report["files"] if f["source"] == "hong/copy of 002.txt")
    primary = next(s.name for s in SEEDS if s.name.startswith("002_"))
    assert primary in duplicate["reason"]
    # A rebuild with nothing changed keeps reporting the copy as a duplicate of the same document.
    corpus = done.args[done.args.index("index") + 1]
    again = _tracuu("index", corpus, "--index", str(index_dir), "--no-dense", "--json", env_extra={"TRACUU_MAX_FILE_MB": "1"})
    assert again.returncode == 0, again.stderr
    files = {f["source"]: f for f in json.loads(again.stdout)["files"]}
    assert files["hong/copy of 002.txt"]["status"] == "duplicate"
    assert files[primary]["status"] == "unchanged"


@pytest.mark.parametrize(("password", "readable"), [("", True), ("mat-khau", False)])
def test_encrypted_pdf_through_pdfium_when_pypdf_lacks_the_cipher(tmp_path, monkeypatch, password, readable):
    # AES PDFs need the optional `cryptography` package in pypdf; simulate its absence on an RC4 file.
    from pypdf.errors import DependencyError

    from indexer.errors import ReadError
    from indexer.read.readers import read_file

    def no_cipher(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", no_cipher)
    path = tmp_path / "aes.pdf"
    path.write_bytes(encrypted_pdf(password))
    if readable:
        assert "Ke hoach so 7/KH-UBND bao mat" in read_file(path).pages[0]
    else:
        with pytest.raises(ReadError, match="mật khẩu"):
            read_file(path)


def test_guards_let_ordinary_files_through(tmp_path):
    from indexer.read.guards import check_pdf_streams, check_zip_file

    path = tmp_path / "ok.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", " " * 500_000)  # ~1000× but small: a blank-heavy document
    check_zip_file(path)
    check_pdf_streams(pypdf.PdfReader(io.BytesIO(text_pdf(["Trang mot"]))))


def test_abbreviated_filter_names_of_old_pdf_writers(tmp_path):
    from indexer.read.readers import read_file

    ops = b"BT /F1 12 Tf 72 760 Td (Ke hoach so 12/KH-UBND nam 2004) Tj ET"
    page = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"]
    path = tmp_path / "pdffactory.pdf"
    path.write_bytes(_pdf(page, zlib.compress(ops), deflated=True, filter_name=b"/Fl"))  # pdfFactory Pro writes /Fl
    assert "Ke hoach so 12/KH-UBND nam 2004" in read_file(path).pages[0]
