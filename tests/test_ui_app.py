"""The Streamlit app driven through streamlit.testing.v1.AppTest on the sample corpus."""
from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer.store.generations import current_generation
from ui_texts import QUESTION, SCRIPT_PLAN

APP = str(Path(__file__).resolve().parents[1] / "ui_streamlit.py")
QUOTE = "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ)"


def _app(monkeypatch, index_dir: Path, corpus_dir: Path) -> AppTest:
    monkeypatch.setenv("TRACUU_INDEX", str(index_dir))
    monkeypatch.setenv("TRACUU_CORPUS", str(corpus_dir))
    monkeypatch.delenv("TRACUU_MODEL", raising=False)
    monkeypatch.delenv("TRACUU_LLM_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> list[str]:
    """Everything shown as Markdown/HTML, with entities decoded (the app escapes document text)."""
    return [html.unescape(m.value) for m in at.markdown]


def _titles(at: AppTest) -> list[str]:
    return [t for t in _texts(at) if t.startswith('<div class="tracuu-title">')]


def _ask(at: AppTest, question: str) -> AppTest:
    at.text_input(key="question").input(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["tab"] = name
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def script_corpus(tmp_path_factory) -> Path:
    """The sample corpus plus a plan whose body contains a <script> element."""
    corpus = tmp_path_factory.mktemp("ui-corpus") / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[1] / "corpus", corpus)
    (corpus / "005_script.txt").write_text(SCRIPT_PLAN, encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def built_index(script_corpus, tmp_path_factory) -> Path:
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("ui-index") / "index"
    build_index([script_corpus], index_dir, dense=False)
    return index_dir


@pytest.mark.parametrize("question", [QUESTION, "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?"])
def test_quarterly_question_shows_80_kh_ubnd_with_its_quote(monkeypatch, built_index, script_corpus, question):
    at = _ask(_app(monkeypatch, built_index, script_corpus), question)
    texts = _texts(at)
    answer = next(t for t in texts if 'class="tracuu-answer"' in t)
    assert "80/KH-UBND" in answer
    first_plan = _titles(at)[0]
    assert "80/KH-UBND" in first_plan and "Quy chế dân chủ" in first_plan
    quotes = [t for t in texts if 'class="tracuu-quote"' in t]
    plain_first = quotes[0].replace("<mark>", "").replace("</mark>", "")
    assert QUOTE in plain_first and "Mục II.9" in plain_first
    assert "<mark>hàng quý báo cáo</mark>" in quotes[0] and "<mark>Sở Nội vụ</mark>" in quotes[0]
    # An unaccented question says what it was read as; an accented one does not.
    restored = [c.value for c in at.caption if c.value.startswith("Tìm theo:")]
    if question == QUESTION and QUESTION.isascii():
        assert restored == ["Tìm theo: kế hoạch nào yêu cầu báo cáo hàng quý về sở nội vụ"]
    if not question.isascii():
        assert restored == []
    # The lexical-mode banner says how to add the model.
    assert any("tracuu model prepare" in w.body and "tracuu model download" in w.body for w in at.warning)


def test_document_text_is_escaped(monkeypatch, built_index, script_corpus):
    at = _ask(_app(monkeypatch, built_index, script_corpus), "kiem tra noi dung hien thi nhu chu thuong")
    raw = [m.value for m in at.markdown]
    shown = [t for t in raw if "alert" in t]
    assert shown, "the plan with the script should be found"
    assert all("<script>" not in t for t in raw)
    assert any("&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;" in t for t in shown)


def test_filters_narrow_the_results(monkeypatch, built_index, script_corpus):
    at = _ask(_app(monkeypatch, built_index, script_corpus), "công tác dân vận chính quyền")
    before = set(_titles(at))
    assert len(before) >= 3
    at.selectbox(key="f_place").set_value("Gia Lai").run()
    after = set(_titles(at))
    assert len(after) == 1 and "/KH-BQLKKT" in after.pop()
    at.selectbox(key="f_place").set_value("Tất cả").run()
    at.slider[0].set_value((2020, 2020)).run()
    years = _titles(at)
    assert years and all("80/KH-UBND" in t for t in years)


def test_filters_hide_answer_plans(monkeypatch, built_index, script_corpus):
    at = _ask(_app(monkeypatch, built_index, script_corpus), QUESTION)
    at.selectbox(key="f_place").set_value("Gia Lai").run()
    assert not any("80/KH-UBND" in t for t in _titles(at))
    assert any("Bộ lọc đang ẩn 1 kế hoạch" in c.value for c in at.caption)


def test_read_button_opens_the_plan_at_the_cited_section(monkeypatch, built_index, script_corpus):
    at = _ask(_app(monkeypatch, built_index, script_corpus), QUESTION)
    next(b for b in at.button if b.label == "Đọc toàn văn").click().run()
    assert at.session_state["tab"] == "Văn bản"
    assert at.session_state["read_section"] == "II.9"
    expanded = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in expanded] == ["II. Nội dung thực hiện"]
    focus = [t for t in _texts(at) if 'id="tracuu-focus"' in t]
    assert len(focus) == 1
    cited = focus[0].split('id="tracuu-focus">', 1)[1].split("</div>", 1)[0]
    assert cited.startswith("9. Phối hợp với Mặt trận") and "<mark>" in cited
    # The outline lists every section of the plan, the cited one in bold.
    outline = next(t for t in _texts(at) if 'class="tracuu-outline"' in t)
    assert outline.count('class="tracuu-outline"') == 25 and "<b>9. Phối hợp" in outline


def test_precedents_from_a_plan_and_from_a_draft(monkeypatch, built_index, script_corpus):
    at = _open_tab(_app(monkeypatch, built_index, script_corpus), "Tương tự")
    plans = _titles(at)
    assert 1 <= len(plans) <= 5
    assert any(m.value == "**Tổ chức thực hiện**" for m in at.markdown)
    at.radio(key="prec_source").set_value("Bản dự thảo dán vào").run()
    draft = (Path(script_corpus) / "004_ca09a627ff227fa6.txt").read_text(encoding="utf-8")
    at.text_area(key="prec_draft").input(draft).run()
    assert not at.exception
    assert "/KH-BQLKKT" in _titles(at)[0]  # the same text is its own best precedent
    assert any(m.value == "**Mục đích, yêu cầu**" for m in at.markdown)


def test_duties_table_filters(monkeypatch, built_index, script_corpus):
    at = _open_tab(_app(monkeypatch, built_index, script_corpus), "Nhiệm vụ & thời hạn")
    everything = at.dataframe[0].value
    # the seeds' one-off dates (2020, 2023) are past: marked, sorted last, and hidden on request
    passed = [m.startswith("đã qua (") for m in everything["Hạn kế tiếp"]]
    assert passed[-1] and passed == sorted(passed)
    at.checkbox(key="duty_hide_passed").check().run()
    assert not any(m.startswith("đã qua") for m in at.dataframe[0].value["Hạn kế tiếp"])
    at.checkbox(key="duty_hide_passed").uncheck().run()
    at.text_input(key="duty_to").input("so noi vu").run()
    at.multiselect(key="duty_freq").set_value(["quarterly"]).run()
    table = at.dataframe[0].value
    assert 0 < len(table) < len(everything)
    assert set(table["Số ký hiệu"]) == {"80/KH-UBND"}
    assert set(table["Tần suất"]) == {"hàng quý"}
    assert any("hàng quý báo cáo UBND tỉnh" in q for q in table["Trích dẫn"])
    assert list(table.columns[:5]) == ["Cơ quan thực hiện", "Việc", "Gửi đến", "Tần suất", "Hạn kế tiếp"]
    at.text_input(key="duty_by").input("Sở Y tế không có").run()
    assert len(at.dataframe[0].value) == 0
    labels = [b.label for b in at.get("download_button")]
    assert "Tải bảng (CSV)" in labels and any(label.startswith("Tải lịch thời hạn") for label in labels)


def test_upload_is_indexed(monkeypatch, tmp_path, corpus_copy):
    from indexer.build import build_index

    from search.access import UserStore

    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, dense=False)
    UserStore(index_dir / "users.json").add("hoa", "mat-khau-hoa", "editor")  # only editors may upload
    at = _app(monkeypatch, index_dir, corpus_copy)
    at.text_input(key="signin_name").input("hoa")
    at.text_input(key="signin_password").input("mat-khau-hoa")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    at = _open_tab(at, "Thêm văn bản")
    body = SCRIPT_PLAN.replace("12/KH-UBND", "77/KH-UBND").replace("Phòng Nội vụ", "Phòng Tài nguyên và Môi trường")
    at.get("file_uploader")[0].set_value([("../Kế hoạch mới.txt", body.encode("utf-8"), "text/plain"),
                                          ("trống.txt", b"", "text/plain")]).run()
    next(b for b in at.button if b.label == "Lập chỉ mục các tệp đã chọn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    outcomes = at.table[0].value
    assert list(outcomes["Tệp"]) == ["../Kế hoạch mới.txt", "trống.txt"]
    assert outcomes["Kết quả"][0] == "đã lập chỉ mục"
    assert "rỗng" in outcomes["Kết quả"][1]
    stored = corpus_copy / "uploads" / "Kế_hoạch_mới.txt"
    assert stored.read_text(encoding="utf-8") == body
    assert sorted(p.name for p in (corpus_copy / "uploads").iterdir()) == ["Kế_hoạch_mới.txt"]
    assert [m.value for m in at.sidebar.get("metric")][0] == "6"
    at = _open_tab(at, "Hỏi đáp")
    _ask(at, "phong tai nguyen va moi truong")
    assert "77/KH-UBND" in _titles(at)[0]


def test_pdf_plan_shows_page_numbers_and_the_page_image(monkeypatch, tmp_path):
    pdf = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ninhbinh-pdfs" / "706.pdf"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(pdf, corpus / "706.pdf")
    at = _ask(_app(monkeypatch, tmp_path / "index", corpus), "tuyen chon va goi cong dan nhap ngu")
    quotes = [t for t in _texts(at) if 'class="tracuu-quote"' in t]
    assert quotes and all("trang 1" in q for q in quotes)
    next(b for b in at.button if b.label == "Đọc toàn văn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    page_view = next(e for e in at.expander if e.label == "Trang gốc (PDF)")
    assert page_view.proto.expanded
    images = at.get("image")
    assert len(images) == 1


def test_first_start_builds_the_index(monkeypatch, tmp_path, corpus_copy):
    index_dir = tmp_path / "fresh-index"
    at = _app(monkeypatch, index_dir, corpus_copy)
    assert current_generation(index_dir) is not None
    assert [m.value for m in at.sidebar.get("metric")] == ["5", str(_chunk_count(index_dir))]
    assert at.text_input(key="question") is not None


def test_missing_corpus_and_index_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACUU_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("TRACUU_CORPUS", str(tmp_path / "nowhere"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "TRACUU_CORPUS" in at.error[0].value
    assert not (tmp_path / "index").exists()


@pytest.mark.slow
def test_hybrid_index_shows_model_and_no_lexical_banner(monkeypatch, tiny_index_dir, corpus_dir):
    at = _app(monkeypatch, tiny_index_dir, corpus_dir)
    assert not at.warning
    assert any("kết hợp" in c.value and "tiny-test-bert" in c.value for c in at.sidebar.caption)
    _ask(at, QUESTION)
    assert "80/KH-UBND" in _titles(at)[0]


@pytest.mark.slow
def test_first_start_uses_the_bundled_model(monkeypatch, tmp_path, corpus_copy, bundled_model_home):
    """`make run` on a fresh machine: the model is prepared, the first start indexes corpus/ in hybrid mode with it."""
    monkeypatch.setenv("TRACUU_MODEL_HOME", str(bundled_model_home))
    index_dir = tmp_path / "fresh-index"
    at = _app(monkeypatch, index_dir, corpus_copy)
    assert not at.warning  # no lexical-mode banner
    status = next(c.value for c in at.sidebar.caption if "Mô hình" in c.value)
    assert "kết hợp" in status and "multilingual-e5-small-q4 (ONNX int8)" in status
    assert "bản 4-bit của intfloat/multilingual-e5-small" in status and "mã token khớp 25/25" in status
    _ask(at, QUESTION)
    assert "80/KH-UBND" in _titles(at)[0]


def _chunk_count(index_dir: Path) -> int:
    from indexer.store.reader import IndexReader

    reader = IndexReader.open(index_dir)
    try:
        return reader.n_rows
    finally:
        reader.close()
