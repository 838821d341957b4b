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

QUOTE = ("Thường xuyên trao đổi thông tin hai chiều … và định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ) "
         "để theo dõi, chỉ đạo.")


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


# ---------------------------------------------------------------- reading a plan

PLAN = "KẾ HOẠCH\nCăn cứ …\nI. Mục đích\n1. Một <b>\n2. Hai\nII. Tổ chức thực hiện\nSở Nội vụ báo cáo hàng quý.\n"


def _sections():
    from indexer.model import Section

    i1, i11, i12, i2 = (PLAN.index(m) for m in ("I. Mục", "1. Một", "2. Hai", "II. Tổ"))
    return [
        Section("I", "I. Mục đích", 1, i1, i2, i11),
        Section("I.1", "1. Một <b>", 2, i11, i12, i12),
        Section("I.2", "2. Hai", 2, i12, i2, i2),
        Section("II", "II. Tổ chức thực hiện", 1, i2, len(PLAN), i2 + 22),
    ]


def test_reading_blocks_cover_the_text_and_mark_the_cited_section():
    import html as html_lib

    from search.reading import reading_blocks

    blocks = reading_blocks(PLAN, _sections(), "I.2.a")  # deeper than the outline: falls back to I.2
    assert [(b.path, b.title, b.has_focus) for b in blocks] == [
        ("", "Phần đầu (tiêu đề, căn cứ)", False), ("I", "I. Mục đích", True), ("II", "II. Tổ chức thực hiện", False)]
    assert "".join(PLAN[b.start:b.end] for b in blocks) == PLAN
    focus = blocks[1].html.split('id="tracuu-focus">')[1].split("</div>")[0]
    assert focus == "2&#46; Hai<br>"
    assert "&lt;b&gt;" in blocks[1].html and "<b>" not in blocks[1].html
    unwrapped = blocks[1].html.replace('<div class="tracuu-focus" id="tracuu-focus">', "").replace("</div>", "")
    shown = html_lib.unescape(unwrapped.replace("<br>", "\n"))
    assert shown == PLAN[blocks[1].start:blocks[1].end]


def test_reading_blocks_highlight_the_quote_and_default_focus():
    from search.reading import quote_span, reading_blocks

    span = quote_span(PLAN, "báo cáo hàng quý")
    blocks = reading_blocks(PLAN, _sections(), None, [span])
    assert blocks[0].has_focus and not any('id="tracuu-focus"' in b.html for b in blocks)
    assert "<mark>báo cáo hàng quý</mark>" in blocks[2].html
    assert quote_span(PLAN, "không có") is None and quote_span(PLAN, "") is None
    text = "ab ab ab"
    assert quote_span(text, "ab", near=5) == (6, 8)


def test_outline_html_escapes_and_bolds_the_focus():
    from search.reading import outline, outline_html

    out = outline_html(outline(_sections()), "I.1")
    assert out.count('class="tracuu-outline"') == 4
    assert "<b>1&#46; Một &lt;b&gt;</b>" in out and 'margin-left:1.1em' in out


def test_document_file_stays_inside_the_corpus(tmp_path):
    from search.reading import document_file

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF")
    assert document_file(tmp_path / "corpus", "a.pdf") == (tmp_path / "corpus" / "a.pdf").resolve()
    assert document_file(tmp_path / "corpus", "../secret.pdf") is None
    assert document_file(tmp_path / "corpus", "missing.pdf") is None


def test_pdf_page_png_renders_the_asked_page(tmp_path):
    import pypdfium2

    from search.reading import pdf_page_png

    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(200, 100)
    pdf.new_page(100, 300)
    pdf.save(str(tmp_path / "two.pdf"))
    pdf.close()
    from PIL import Image

    second = pdf_page_png(tmp_path / "two.pdf", 2, scale=1.0)
    assert second.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(second)).size == (100, 300)
    assert Image.open(io.BytesIO(pdf_page_png(tmp_path / "two.pdf", 9, scale=1.0))).size == (100, 300)


def test_duty_rows_and_notice():
    from indexer.model import DocumentInfo, Duty
    from search.ui_support import DUTY_COLUMNS, duty_rows, lexical_notice, paged_page, shorten

    doc = DocumentInfo("d", "kh.txt", "Kế hoạch", "80/KH-UBND", "Thực hiện   Quy chế", "UBND tỉnh", "Quảng Ngãi",
                       "2020-06-26", 2020, [], [], [], 3)
    duty = Duty("d", "II.9", "định kỳ hàng quý báo cáo\nUBND tỉnh", 0, 10, None, "báo cáo", None, "UBND tỉnh",
                "Sở Nội vụ", "quarterly", None, None, None, page=1)
    [row] = duty_rows([duty], {"d": doc})
    assert tuple(row) == DUTY_COLUMNS
    assert row["Kế hoạch"] == "80/KH-UBND “Thực hiện Quy chế” (26/6/2020)" and row["Tần suất"] == "hàng quý" and row["Qua"] == "Sở Nội vụ"
    assert row["Trang"] is None  # a .txt has no real pages
    assert row["Trích dẫn"] == "định kỳ hàng quý báo cáo UBND tỉnh" and row["Trích yếu"] == "Thực hiện Quy chế"
    assert paged_page("a/B.PDF", 3) == 3
    assert shorten("một hai ba bốn", 9) == "một hai…" and shorten(" a  b ", 9) == "a b"
    notice = lexical_notice(None, "intfloat/multilingual-e5-small")
    assert "tracuu model download intfloat/multilingual-e5-small" in notice and "TRACUU_MODEL" in notice
