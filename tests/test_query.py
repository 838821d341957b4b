"""Query understanding: accent level, language, stopwords, abbreviations both ways, glossary."""
from __future__ import annotations

import pytest

from indexer.store.lexical import analyze
from search.query.parse import (W_STOP, QueryUnderstanding, guess_language, load_abbreviations, load_glossary)


@pytest.fixture(scope="module")
def qu() -> QueryUnderstanding:
    return QueryUnderstanding()


def weights(parsed, layer: str) -> dict[str, float]:
    return {" ".join(t.keys): t.weight for t in parsed.lexical.terms if t.layer == layer}


def keys_of(phrase: str, layer: str) -> list[str]:
    return [t.key(layer) for t in analyze(phrase, compounds=False)]


def test_tables_are_big_enough_and_well_formed() -> None:
    abbreviations = load_abbreviations()
    glossary = load_glossary()
    assert len(abbreviations) >= 40
    assert len(glossary) >= 80
    for entry in abbreviations + glossary:
        assert entry.variants and all(entry.variants) and all(t.strip() for t in entry.targets)


def test_unaccented_query_uses_loose_keys_only(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("ke hoach nao yeu cau bao cao hang quy ve so noi vu")
    assert parsed.is_unaccented and parsed.language == "vi"
    assert not weights(parsed, "exact") and not weights(parsed, "tone")
    loose = weights(parsed, "loose")
    assert loose["hang quy"] > 0 and loose["bao cao"] > 0 and loose["hang"] > 0


def test_accented_query_prefers_exact_then_tone_then_loose(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?")
    assert not parsed.is_unaccented
    exact, tone, loose = (weights(parsed, layer) for layer in ("exact", "tone", "loose"))
    word = analyze("quý", compounds=False)[0]
    assert exact[word.exact] > loose[word.loose] > 0 and exact[word.exact] > tone[word.tone] > 0
    # An unmarked word in an accented query is taken as written ("quy" of "quy chế"), not as a loose key only.
    parsed = qu.parse("quy chế dân chủ ở cơ sở")
    assert analyze("quy", compounds=False)[0].exact in weights(parsed, "exact")


def test_hoa_tone_placement_variants_parse_identically(qu: QueryUnderstanding) -> None:
    assert qu.parse("hòa giải").lexical == qu.parse("hoà giải").lexical


def test_question_words_get_low_weight_not_zero(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("Những kế hoạch nào yêu cầu báo cáo định kỳ 6 tháng?")
    exact = weights(parsed, "exact")
    nao, nhung, ke, bao = (keys_of(w, "exact")[0] for w in ("nào", "những", "kế", "báo"))
    assert 0 < exact[nao] < exact[bao] and 0 < exact[nhung] < exact[bao]
    assert exact[ke] == pytest.approx(exact[bao] * W_STOP)  # "kế hoạch" only names what is asked for
    english = qu.parse("which plans require quarterly reporting")
    assert 0 < weights(english, "exact").get("which", weights(english, "loose").get("which", 0)) < 0.5


def test_abbreviation_expands_to_its_meaning(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("UBND huyện chỉ đạo giải quyết đơn thư KNTC của công dân")
    added = {e.added for e in parsed.expansions}
    assert {"khiếu nại, tố cáo", "Ủy ban nhân dân"} <= added
    exact = weights(parsed, "exact")
    assert all(k in exact for k in keys_of("khiếu nại tố cáo", "exact"))
    # Lower-case codes that cannot be Vietnamese syllables expand too ("ubnd", "kntc").
    assert "Ủy ban nhân dân" in {e.added for e in qu.parse("ubnd tinh").expansions}


def test_meaning_expands_to_its_abbreviation(qu: QueryUnderstanding) -> None:
    for query in ("Ủy ban nhân dân tỉnh", "uy ban nhan dan tinh"):
        parsed = qu.parse(query)
        assert "ubnd" in weights(parsed, "loose")
        assert any(e.added == "UBND" for e in parsed.expansions)
    assert "kkt" in weights(qu.parse("ban quản lý khu kinh tế"), "loose")


def test_short_codes_expand_only_in_capitals(qu: QueryUnderstanding) -> None:
    # "tu" is also the syllable of "tự", "từ"…: only "TU" means Tỉnh ủy.
    assert not any(e.added == "Tỉnh ủy" for e in qu.parse("tu danh gia cham diem").expansions)
    assert any(e.added == "Tỉnh ủy" for e in qu.parse("Ban Dân vận TU").expansions)


def test_glossary_reaches_vietnamese_from_english(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("which plans require quarterly reporting to Sở Nội vụ")
    assert parsed.language == "en"
    exact = weights(parsed, "exact")
    for phrase in ("hàng quý", "báo cáo", "yêu cầu"):
        assert " ".join(keys_of(phrase, "exact")) in exact
    assert "Sở Nội vụ" in parsed.text
    deadline = qu.parse("deadline for submitting the self-assessment")
    added = {e.added for e in deadline.expansions if e.kind == "glossary"}
    assert {"thời hạn", "trước ngày", "tự đánh giá"} <= added


def test_glossary_is_not_applied_to_vietnamese(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("can bo cong chuc bao cao ket qua")
    assert parsed.language == "vi"
    assert not [e for e in parsed.expansions if e.kind == "glossary"]


@pytest.mark.parametrize("text,language", [
    ("deadline for submitting the self-assessment of government mass mobilization work", "en"),
    ("tang thoi luong phat song tuyen truyen dan van kheo", "vi"),
    ("Kế hoạch nào giao Sở Nội vụ làm đầu mối", "vi"),
    ("cải thiện chỉ số SIPAS và PAR INDEX", "vi"),
    ("PCI SIPAS PAPI", "vi"),
])
def test_language_guess(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_compound_identifiers_become_terms(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("Đề án số 32-ĐA/HU")
    assert "32-da/hu" in weights(parsed, "loose")


def test_concepts_group_the_layers_of_one_word(qu: QueryUnderstanding) -> None:
    parsed = qu.parse("báo cáo")
    layers = [sorted(layer for layer, _, _ in concept) for concept in parsed.concepts]
    assert ["exact", "loose", "tone"] in layers  # one word, three keys
    assert ["exact", "loose"] in layers  # the bigram "báo cáo"


def test_find_with_its_early_exit_equals_a_plain_scan() -> None:
    import random

    from search.query.parse import _find

    rng = random.Random(5)
    alphabet = ["ke", "hoach", "ubnd", "tinh", "bao", "cao", ""]
    for _ in range(2000):
        seq = [rng.choice(alphabet) for _ in range(rng.randint(0, 9))]
        pattern = tuple(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
        plain = [i for i in range(len(seq) - len(pattern) + 1) if pattern and tuple(seq[i:i + len(pattern)]) == pattern]
        assert _find(seq, pattern) == plain, (seq, pattern)


def test_abbreviations_expand_the_same_on_every_parse() -> None:
    # the expansions' keys are cached between queries: a second parser and a repeated query see the same terms
    first = QueryUnderstanding().parse("kế hoạch của UBND tỉnh về CCHC")
    again = QueryUnderstanding().parse("kế hoạch của UBND tỉnh về CCHC")
    assert first == again and first.expansions
    assert {e.added for e in first.expansions} == {"Ủy ban nhân dân", "cải cách hành chính"}
