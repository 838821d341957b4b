"""Presentation helpers: escaping, highlighting, labels, upload confinement and the upload handler."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from indexer.model import BuildReport, FileOutcome
from search.ui_support import (
    UploadRejected,
    citation_label,
    escape_text,
    format_age,
    format_date,
    highlight_html,
    highlight_spans,
    ingest_uploads,
    plan_meta,
    plan_title,
    rows_to_csv,
    sanitize_upload_name,
    store_upload,
)

QUOTE = "Thường xuyên trao đổi thông tin hai chiều … và định kỳ hàng quý báo cáo UBND tỉnh (*qua Sở Nội vụ*) để theo dõi, chỉ đạo."


@pytest.mark.parametrize(
    "query",
    [
        "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?",
        "ke hoach nao yeu cau bao cao hang quy ve so noi vu",
        "KE HOACH NAO YEU CAU BAO CAO HANG QUY VE SO NOI VU",
    ],
)
def test_highlight_spans_with_and_without_diacritics(query):
    spans = highlight_spans(QUOTE, query)
    marked = [QUOTE[s:e] for s, e in spans]
    assert marked == ["hàng quý báo cáo", "Sở Nội vụ"]


def test_highlight_skips_lone_common_syllables_but_keeps_distinctive_ones():
    text = "Kế hoạch về chỉ số PCI năm 2020 và về cải cách"
    assert highlight_spans(text, "cai thien ve") == []
    assert [text[s:e] for s, e in highlight_spans(text, "ve cai thien")] == ["về cải"]
    assert [text[s:e] for s, e in highlight_spans(text, "chi so PCI")] == ["chỉ số PCI"]
    assert [text[s:e] for s, e in highlight_spans(text, "2020")] == ["2020"]
    assert highlight_spans(text, "   ") == []


def test_script_in_document_is_escaped():
    text = "Nội dung <script>alert(1)</script> và <b>đậm</b> & *nghiêng* $x$ :smile:"
    out = highlight_html(text, [(0, 8)])
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert" in out
    assert out.startswith("<mark>Nội dung</mark>")
    # Markdown syntax is neutralised with numeric entities, which the browser shows literally.
    assert "*" not in out and "$" not in out and ":" not in out
    assert "&#42;nghiêng&#42;" in out


def test_highlight_html_keeps_text_and_handles_bad_spans():
    text = "a<b\nc"
    assert highlight_html(text, [(1, 2), (1, 2), (3, 99), (-5, 0)]) == "a<mark>&lt;</mark>b<mark><br>c</mark>"
    assert escape_text("x\r\ny & z") == "x<br>y &amp; z"


def test_labels():
    assert format_date("2020-06-26") == "26/06/2020"
    assert format_date("2023-01") == "01/2023"
    assert format_date(None) == ""
    assert plan_title("80/KH-UBND", "Thực hiện  Quy chế\ndân chủ") == "80/KH-UBND — Thực hiện Quy chế dân chủ"
    assert plan_title(None, None, "uploads/a.txt") == "Không số — uploads/a.txt"
    assert plan_meta("UBND tỉnh Quảng Ngãi", "Quảng Ngãi", "2020-06-26") == "UBND tỉnh Quảng Ngãi · Quảng Ngãi, 26/06/2020"
    assert plan_meta(None, None, "2023-01") == "01/2023"
    assert citation_label("II.9", 3) == "Mục II.9 · trang 3"
    assert citation_label("", None) == "Phần đầu văn bản"
    now = datetime(2024, 1, 2, 12, 0, tzinfo=timezone.utc)
    assert format_age(now - timedelta(minutes=5, seconds=3), now) == "5 phút trước"
    assert format_age(now - timedelta(days=2), now) == "2 ngày trước"
    assert format_age(now, now) == "vừa xong"
    assert format_age(None) == "chưa rõ"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Kế hoạch 80.pdf", "Kế_hoạch_80.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\Báo cáo (cuối).DOCX", "Báo_cáo_cuối.docx"),
        ("a;rm -rf $HOME.txt", "a_rm_-rf_HOME.txt"),
    ],
)
def test_sanitize_upload_name(name, expected):
    assert sanitize_upload_name(name) == expected


@pytest.mark.parametrize("name", ["virus.exe", "noext", "....txt", "../.txt", "plan.txt.sh"])
def test_sanitize_upload_name_rejects(name):
    with pytest.raises(UploadRejected, match="không"):
        sanitize_upload_name(name)


def test_store_upload_confined_and_no_overwrite(tmp_path):
    uploads = tmp_path / "corpus" / "uploads"
    first = store_upload("../../evil.txt", b"one", uploads, max_bytes=100)
    assert first == uploads / "evil.txt"
    assert not (tmp_path / "evil.txt").exists()
    assert store_upload("evil.txt", b"one", uploads, max_bytes=100) == first  # same content: reused
    second = store_upload("evil.txt", b"two", uploads, max_bytes=100)
    assert second == uploads / "evil-2.txt" and first.read_bytes() == b"one"
    with pytest.raises(UploadRejected, match="quá lớn"):
        store_upload("big.txt", b"x" * 101, uploads, max_bytes=100)
    with pytest.raises(UploadRejected, match="rỗng"):
        store_upload("empty.txt", b"", uploads, max_bytes=100)
    assert sorted(p.name for p in uploads.iterdir()) == ["evil-2.txt", "evil.txt"]


def test_store_upload_refuses_symlink_escape(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep")
    (uploads / "link.txt").symlink_to(outside)
    with pytest.raises(UploadRejected, match="ngoài"):
        store_upload("link.txt", b"new", uploads, max_bytes=100)
    assert outside.read_bytes() == b"keep"


def test_ingest_uploads_reports_each_file(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    calls = []

    def fake_build(paths, index_dir, **kwargs):
        calls.append((paths, index_dir, kwargs))
        return BuildReport(
            mode="lexical",
            model=None,
            documents=2,
            chunks=5,
            files=[
                FileOutcome("uploads/ke_hoach.txt", "indexed"),
                FileOutcome("uploads/scan.pdf", "skipped", "PDF không có lớp chữ"),
            ],
        )

    outcomes = ingest_uploads(
        [("kế hoạch.exe", b"x"), ("ke hoach.txt", "KẾ HOẠCH".encode("utf-8")), ("scan.pdf", b"%PDF-1.4")],
        corpus,
        index,
        max_bytes=1000,
        build=fake_build,
        model=None,
    )
    assert [o.status for o in outcomes] == ["rejected", "indexed", "skipped"]
    assert outcomes[1].source == "uploads/ke_hoach.txt" and outcomes[1].message == "đã lập chỉ mục"
    assert "PDF không có lớp chữ" in outcomes[2].message
    assert calls == [([corpus], index, {"model": None})]
    assert (corpus / "uploads" / "ke_hoach.txt").read_text(encoding="utf-8") == "KẾ HOẠCH"


def test_ingest_uploads_refuses_upload_dir_outside_corpus(tmp_path):
    with pytest.raises(UploadRejected, match="phải nằm trong"):
        ingest_uploads([("a.txt", b"a")], tmp_path / "corpus", tmp_path / "index", 10, build=print, upload_dir=tmp_path)


def test_rows_to_csv_roundtrip():
    rows = [{"Số ký hiệu": "80/KH-UBND", "Tần suất": "hàng quý", "Thời hạn": None}]
    data = rows_to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [{"Số ký hiệu": "80/KH-UBND", "Tần suất": "hàng quý", "Thời hạn": ""}]
    assert rows_to_csv([], ["a", "b"]).decode("utf-8-sig") == "a,b\r\n"


def test_ui_support_does_not_import_streamlit():
    source = Path(__file__).parents[1].joinpath("search", "ui_support.py").read_text(encoding="utf-8")
    assert "streamlit" not in source.replace("(no Streamlit here)", "")
