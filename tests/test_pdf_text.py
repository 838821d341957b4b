"""PDF text layers read as printed: spaced-apart syllables rejoined, running headers/footers and page numbers dropped,
wrapped lines joined into paragraphs (also over a page break), garbage text layers sent to OCR."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.pipeline import normalise, process_file
from indexer.read.legacy import is_syllable
from indexer.read.pdftext.layout import continues, drop_page_furniture, join_wrapped_lines
from indexer.read.pdftext.quality import text_quality
from indexer.read.pdftext.spacing import rejoin_spaced_syllables, spaced_syllable_evidence
from indexer.read.readers import _pdf_pages, read_file
from indexer.structure.parse import parse_structure
from indexer.text.vntext import normalize_pages, page_separator

DATA = Path(__file__).resolve().parent / "data"
CASE_01 = DATA / "01-pdf-syllables-split-by-spaces"
CASE_04 = DATA / "04-pdf-running-header-page-numbers"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NINHBINH = SHARED / "ninhbinh-pdfs"
PLANS_DEV = SHARED / "plans-dev"
needs_shared = pytest.mark.skipif(not NINHBINH.is_dir(), reason="../shared/data is not here")


def case(folder: Path) -> dict:
    return json.loads((folder / "case.json").read_text(encoding="utf-8"))


def text_of(path: Path) -> str:
    return normalise(read_file(path)).text


# ---- 1. syllables spaced apart --------------------------------------------------------------------------------------

def test_case01_spaced_syllables_read_as_printed():
    expected = case(CASE_01)["expected"]
    source = expected["search_top1"]["source"]
    text = text_of(CASE_01 / source)
    for quote in expected["search_top1"]["text_contains"]:
        assert quote in text
    assert "tậ p" not in text and "đ iề u" not in text
    structure = parse_structure(text)
    doc = expected["docs"][source]
    assert structure.doc_number == doc["doc_number"]
    assert structure.date == doc["date"]
    assert doc["title_contains"] in structure.title


def test_case01_search_finds_the_sentence(tmp_path):
    from indexer.build import build_index
    from search import Searcher

    spec = case(CASE_01)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in spec["files"]:
        shutil.copy(CASE_01 / name, corpus / name)
    build_index([corpus], tmp_path / "index", dense=False)
    top = Searcher.open(tmp_path / "index").search(spec["query"], k=1, mode="lexical")[0]
    assert top.source == spec["expected"]["search_top1"]["source"]
    for quote in spec["expected"]["search_top1"]["text_contains"]:
        assert quote in top.text


def test_spaced_syllables_of_a_document_rejoin_and_real_spaces_stay():
    # the layer doubles the real space after a precomposed letter ("Tổ  chứ c"), splits syllables with one space
    page = ("Số : 12/KH-UBND\nTổ  chứ c tậ p huấ n đ iề u tra viê n trư ớ c ngà y 20 thá ng 3 nă m 2024 tạ i "
            "Ủ y ban nhâ n dâ n xã , thị  trấ n.")
    fixed = rejoin_spaced_syllables([page])[0]
    assert fixed.split("\n")[0] == "Số: 12/KH-UBND"
    assert " ".join(fixed.split("\n")[1].split()) == (
        "Tổ chức tập huấn điều tra viên trước ngày 20 tháng 3 năm 2024 tại Ủy ban nhân dân xã, thị trấn.")


def test_two_valid_words_are_never_joined_into_a_non_syllable():
    # a spaced-apart document: "và nhà" / "cá nhân" / "tập huấn" with a single space stay two words
    page = "tậ p huấ n đ iề u tra viê n thá ng nă m\nvà nhà cá nhân tập huấn Sở Nội vụ"
    fixed = rejoin_spaced_syllables(["\n".join([page] * 3)])[0]
    assert "và nhà cá nhân tập huấn Sở Nội vụ" in fixed
    for word in fixed.split():
        assert is_syllable(word), word


def test_text_without_the_fault_is_left_alone():
    # single spaces after precomposed letters that merge into syllables, but no evidence of spacing apart
    page = "Bộ Y tế và Sở Y tế; cá nhân và y tế cơ sở; hộ gia đình; đi ô tô; Đà Nẵng"
    assert rejoin_spaced_syllables([page]) == [page]


@needs_shared
def test_no_real_pdf_of_the_archive_shows_spaced_syllables():
    files = sorted(NINHBINH.glob("*.pdf")) + sorted(PLANS_DEV.glob("*.pdf"))[:40]
    for path in files:
        pages = _pdf_pages(path)
        evidence, _ = spaced_syllable_evidence(pages)
        assert evidence == 0, path.name
        assert rejoin_spaced_syllables(pages) == pages, path.name


# ---- 2. wrapped lines -------------------------------------------------------------------------------------------------

BODY = [
    "KẾ HOẠCH",
    "Triển khai thực hiện Chỉ thị số 30/CT-TTg",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Các sở, ban, ngành và Ủy ban nhân dân các huyện tổng hợp kết quả giám",
    "sát, gửi Sở Kế hoạch và Đầu tư trước ngày 15 tháng 12 hằng năm để tổng hợp,",
    "báo cáo Ủy ban nhân dân tỉnh.",
    "- Tăng cường công tác chỉ đạo xuyên suốt từ tỉnh tới cơ sở, phối hợp đồng",
    "bộ, chặt chẽ giữa các cơ quan, đơn vị liên quan; kiểm tra, đôn đốc việc thực",
    "hiện các nội dung của Chỉ thị bảo đảm tiến độ, chất lượng và hiệu quả chung",
    "- Lãnh đạo UBND tỉnh;",
    "a) Sở Văn hóa và Thể thao chủ trì, phối hợp với các cơ quan liên quan tham mưu",
    "Nơi nhận:",
    "- Như trên;",
    "TM. ỦY BAN NHÂN DÂN",
    "KT. CHỦ TỊCH",
]


def test_wrapped_lines_join_and_line_structure_stays():
    joined = join_wrapped_lines(["\n".join(BODY)])[0].split("\n")
    assert joined == [
        "KẾ HOẠCH",
        "Triển khai thực hiện Chỉ thị số 30/CT-TTg",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Các sở, ban, ngành và Ủy ban nhân dân các huyện tổng hợp kết quả giám sát, gửi Sở Kế hoạch và Đầu tư "
        "trước ngày 15 tháng 12 hằng năm để tổng hợp, báo cáo Ủy ban nhân dân tỉnh.",
        "- Tăng cường công tác chỉ đạo xuyên suốt từ tỉnh tới cơ sở, phối hợp đồng bộ, chặt chẽ giữa các cơ quan, "
        "đơn vị liên quan; kiểm tra, đôn đốc việc thực hiện các nội dung của Chỉ thị bảo đảm tiến độ, chất lượng "
        "và hiệu quả chung",
        "- Lãnh đạo UBND tỉnh;",
        "a) Sở Văn hóa và Thể thao chủ trì, phối hợp với các cơ quan liên quan tham mưu",
        "Nơi nhận:",
        "- Như trên;",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
    ]


@pytest.mark.parametrize("line, following, joined", [
    ("của Ban Thường vụ Tỉnh ủy về tăng cường công tác trồng, chăm sóc và bảo vệ cây", "xanh trên địa bàn", True),
    ("Thực hiện Chỉ thị số 20-CT/TU, ngày 10/10/2024 của Ban Thường vụ Tỉnh ủy về", "Ninh Bình; Ủy ban", True),
    ("báo cáo kết quả thực hiện về Ủy ban nhân dân tỉnh qua Sở Nội vụ trước ngày", "15/11 hằng năm./.", True),
    ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM ĐỘC LẬP TỰ DO HẠNH PHÚC", "TỈNH NINH BÌNH", False),
    ("Thực hiện Chỉ thị số 20-CT/TU, ngày 10/10/2024 của Ban Thường vụ Tỉnh ủy về", "TỈNH NINH BÌNH", False),
    ("9 Tăng cường thanh tra, kiểm tra công tác quy hoạch, trồng, chăm sóc. Hàng năm", "10", False),
    ("Thực hiện Chỉ thị số 20-CT/TU, ngày 10/10/2024 của Ban Thường vụ Tỉnh ủy về", "2. Yêu cầu", False),
    ("Ninh Bình, ngày 15 tháng 11 năm 2024", "của Ban Thường vụ", False),  # a short line ends its paragraph
    ("Số: /UBND-VP7                       Ninh Bình, ngày tháng 11 năm 2024", "nhập ngũ năm 2025", False),
    ("UBND tỉnh nhận được Văn bản số 4705/HD-BQP ngày 31/10/2024 của", "V/v tuyển chọn", False),
])
def test_continues(line, following, joined):
    assert continues(line, following, full=60) is joined


@needs_shared
@pytest.mark.parametrize("name, recipient, deadline", [
    ("196.pdf", "Ủy ban nhân dân tỉnh", "trước ngày 15/11 hằng năm"),
    ("193.pdf", "Ủy ban nhân dân tỉnh", None),
])
def test_duties_of_wrapped_pdfs_read_whole(name, recipient, deadline):
    duties = process_file(NINHBINH / name).duties
    recipients = {duty.recipient for duty in duties if duty.recipient}
    assert recipient in recipients
    assert "Ủy ban nhân" not in recipients
    if deadline:
        assert deadline in {duty.deadline for duty in duties}


# ---- 3. running headers, footers, page numbers -------------------------------------------------------------------

def test_case04_running_header_and_page_numbers_leave_the_passage(tmp_path):
    from indexer.build import build_index
    from search import Searcher

    spec = case(CASE_04)
    expected = spec["expected"]["search_top1"]
    text = text_of(CASE_04 / expected["source"])
    for quote in expected["text_contains"]:
        assert quote in text
    for noise in expected["text_not_contains"]:
        assert noise not in text
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CASE_04 / expected["source"], corpus)
    build_index([corpus], tmp_path / "index", dense=False)
    top = Searcher.open(tmp_path / "index").search(spec["query"], k=1, mode="lexical")[0]
    assert top.source == expected["source"]
    assert all(quote in top.text for quote in expected["text_contains"])
    assert not any(noise in top.text for noise in expected["text_not_contains"])


def test_page_furniture_of_every_kind_is_dropped():
    pages = [
        "ỦY BAN NHÂN DÂN\nKế hoạch phòng chống thiên tai\nNội dung trang một.\n- 1 -",
        "CÔNG BÁO TỈNH SỐ 12 NGÀY 3/4/2024\nNội dung trang hai.\nGhi chú được in một lần\n- 2 -",
        "CÔNG BÁO TỈNH SỐ 12 NGÀY 3/4/2024\nNội dung trang ba.\nTrang 3/4",
        "CÔNG BÁO TỈNH SỐ 12 NGÀY 3/4/2024\nNội dung trang bốn.\n4",
    ]
    assert drop_page_furniture(pages) == [
        "ỦY BAN NHÂN DÂN\nKế hoạch phòng chống thiên tai\nNội dung trang một.",
        "Nội dung trang hai.\nGhi chú được in một lần",
        "Nội dung trang ba.",
        "Nội dung trang bốn.",
    ]


def test_a_digital_signature_stamp_is_furniture():
    pages = ["SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 06/01/2026; 16:42:26; +07:00\n\nBỘ CÔNG AN\nCÔNG AN TỈNH LÂM ĐỒNG\nSố: 03/BC"]
    assert drop_page_furniture(pages) == ["\nBỘ CÔNG AN\nCÔNG AN TỈNH LÂM ĐỒNG\nSố: 03/BC"]


def test_dates_and_other_numbers_at_a_page_edge_are_not_page_numbers():
    pages = ["Một\nHai\nBa", "15/11\nHai\n7", "Một\nHai\n3/4", "Bốn\nNăm\n2/3"]
    assert drop_page_furniture(pages) == ["Một\nHai\nBa", "15/11\nHai\n7", "Một\nHai", "Bốn\nNăm\n2/3"]


def test_a_line_repeated_on_one_page_only_or_in_the_body_stays():
    pages = ["Tiêu đề\nMột\nHai\nBa\nBốn", "Tiêu đề\nNăm\nSáu\nBảy\nTám", "Chín\nMười\nMười một\nMười hai"]
    assert drop_page_furniture(pages)[2] == pages[2]
    single = ["1. Mục đích\nNội dung", "Nội dung khác\n2. Yêu cầu"]
    assert drop_page_furniture(single) == single


def test_a_sentence_over_a_page_break_reads_whole():
    norm = normalize_pages(["1. Các sở tổng hợp kết quả, gửi Sở Tài chính", "trước ngày 15 hằng năm.", "II. NỘI DUNG"])
    assert norm.text == "1. Các sở tổng hợp kết quả, gửi Sở Tài chính trước ngày 15 hằng năm.\n\nII. NỘI DUNG"
    assert [norm.text[p.start:p.end] for p in norm.pages] == [
        "1. Các sở tổng hợp kết quả, gửi Sở Tài chính", "trước ngày 15 hằng năm.", "II. NỘI DUNG"]
    assert page_separator("kết thúc câu.", "trước") == "\n\n"
    assert page_separator("không kết thúc", "Trước") == "\n\n"


# ---- 4. garbage text layers ---------------------------------------------------------------------------------------

GOOD = ("Thực hiện Chỉ thị số 30/CT-TTg ngày 29/8/2024 của Thủ tướng Chính phủ về phát triển các ngành công nghiệp "
        "văn hóa; theo đề nghị của Sở Văn hóa và Thể thao tại Tờ trình số 150/TTr-SVHTT ngày 21/10/2024, UBND tỉnh "
        "ban hành Kế hoạch phát triển các ngành công nghiệp văn hóa trên địa bàn tỉnh Ninh Bình, cụ thể như sau:")


def test_quality_score_tells_garbage_from_printed_text():
    assert not text_quality(GOOD).garbage
    stripped = "UY BAN NHAN DAN CONG HOA xA HO! CHIJ NGHIA VIT NAM TINH NINH B!NH Dc 1p Tir do Hinh phüc " * 3
    assert text_quality(stripped).garbage
    mapped = "CÔNG AN TÈNH LÂM ÒNG ng°Ýi sí dång tr£i phép ch¥t ma túy nguÝi nghiÇn ngoài xã hÙi " * 3
    assert text_quality(mapped).garbage
    assert not text_quality("SAO Y; CÔNG AN TỈNH LÂM ĐỒNG").garbage  # too few words to judge


@needs_shared
def test_garbage_layers_of_the_archive_are_found_and_good_ones_are_not():
    from indexer.read.ocr import pages_to_ocr
    from indexer.read.legacy import fix_legacy_text

    def layer(path):
        return fix_legacy_text("\f".join(_pdf_pages(path)))[0].split("\f")

    assert pages_to_ocr(NINHBINH / "968.pdf", layer(NINHBINH / "968.pdf")) == [1]
    assert pages_to_ocr(PLANS_DEV / "lamdong-vbai_298-PC04.pdf", layer(PLANS_DEV / "lamdong-vbai_298-PC04.pdf")) == [1]
    assert pages_to_ocr(PLANS_DEV / "lamdong-vbai_493-TB.pdf", layer(PLANS_DEV / "lamdong-vbai_493-TB.pdf")) == [1, 2, 3]
    stamp = PLANS_DEV / "lamdong-vbai_03-BCDX-CAT-PC04.pdf"
    assert 1 in pages_to_ocr(stamp, layer(stamp))  # a "SAO Y" stamp over a scanned page
    good = [p for p in sorted(NINHBINH.glob("*.pdf")) if p.name != "968.pdf"]
    good += [PLANS_DEV / name for name in ("lamdong-vbai_329-BAO-CAO-CCHC-NAM-2025.pdf",
                                           "lamdong-vbai_2003-CD-VPCP-07102025-2-signed.pdf")]
    for path in good:
        pages = layer(path)
        assert [n for n in pages_to_ocr(path, pages) if text_quality(pages[n - 1]).words >= 40] == [], path.name


def test_ocr_text_replaces_a_layer_only_when_it_reads_better():
    from indexer.read.ocr import prefer_ocr

    garbage = "UY BAN NHAN DAN CONG HOA xA HO! CHIJ NGHIA VIT NAM TINH NINH B!NH Dc 1p Tir do Hinh phüc " * 3
    assert prefer_ocr(garbage, GOOD)
    assert not prefer_ocr(garbage, "")
    assert not prefer_ocr(garbage, garbage.replace("Hinh", "Hnh"))  # OCR no better than the layer
    assert prefer_ocr("SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 06/01/2026", GOOD)  # a stamp gives way to the page
    assert not prefer_ocr(GOOD, GOOD + " " + GOOD)  # a good layer is never replaced


def _pdf_with_broken_second_page(second: str | None) -> bytes:
    from test_readers import make_pdf

    data = make_pdf(["Ke hoach trien khai thuc hien nhiem vu nam 2024", second])
    broken = data.replace(b"/Contents 6 0 R >>", b"/Contents 6 0 R /Kids [1 0 R] >>")  # page 2 is also a page tree
    assert broken != data
    return broken


def test_a_page_pdfium_cannot_load_does_not_fail_the_file(tmp_path):
    import pypdfium2

    path = tmp_path / "broken.pdf"
    path.write_bytes(_pdf_with_broken_second_page(None))  # page 2: no text layer, an OCR candidate if it had an image
    with pytest.raises(pypdfium2.PdfiumError):
        pypdfium2.PdfDocument(str(path))[1]
    raw = read_file(path)
    assert raw.pages == ["Ke hoach trien khai thuc hien nhiem vu nam 2024", ""]


def test_a_garbage_page_pdfium_cannot_render_keeps_its_layer(tmp_path):
    from indexer.read.ocr import ocr_pdf_pages, pages_to_ocr, tesseract_binary

    garbage = " ".join(["Dc 1p Tir do Hinh phuc Chj tjch Uy ban nhn dan huyn Yen Khanh nhim k Phe chun kt qua"] * 4)
    path = tmp_path / "broken.pdf"
    path.write_bytes(_pdf_with_broken_second_page(garbage))
    assert pages_to_ocr(path, ["Ke hoach", garbage]) == [2]
    if tesseract_binary() is not None:
        assert ocr_pdf_pages(path, [2]) == []
    raw = read_file(path)
    assert raw.pages[1] == garbage and raw.ocr_pages == {}


@pytest.mark.slow
@needs_shared
@pytest.mark.parametrize("folder, name, quote", [
    (NINHBINH, "968.pdf", "Phê chuẩn kết quả bầu chức vụ Chủ tịch Ủy ban nhân dân huyện Yên Khánh"),
    (PLANS_DEV, "lamdong-vbai_298-PC04.pdf", "CÔNG AN TỈNH LÂM"),
    (PLANS_DEV, "lamdong-vbai_03-BCDX-CAT-PC04.pdf", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
])
def test_garbage_and_stamp_pages_are_read_by_ocr(folder, name, quote):
    from indexer.read.ocr import tesseract_binary

    if tesseract_binary() is None:
        pytest.skip("Tesseract is not installed")
    raw = read_file(folder / name)
    assert 1 in raw.ocr_pages
    assert quote in normalise(raw).text
    assert not text_quality(raw.pages[0]).garbage
