"""ask: the complete set of plans for "which plans …" questions, the best passage for fact questions, with quotes."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indexer.duties.deadlines import ANNUAL, MONTHLY, PERIODIC, QUARTERLY, SEMIANNUAL, WEEKLY
from indexer.duties.extract import duty_quote_span
from indexer.model import DocumentInfo, Duty
from indexer.text.vntext import key_loose
from search.answer.aboutness import HEAD_CHARS, header_citation, split_by_subject, with_subject
from search.answer.constraints import applied_constraints, document_ok
from search.answer.facts import other_round, pick_sentence
from search.answer.meta import number_and_date
from search.answer.signer import best_document_id, signers_found
from search.answer.evidence import ENGLISH_FULL_COVERAGE, FULL_COVERAGE, NEAR_COVERAGE, Corpus, best_sentence, corpus_for, coverage, text_coverage
from search.answer.result import Answer, Citation, PlanAnswer, plan_label, plan_label_for, show_date
from search.ocr_note import with_ocr_confidence
from search.query.questions import Question, agency_matches, understand

MAX_CITATIONS = 3
VALUE_HITS = 8  # passages searched for the sentence holding the asked value
MAX_NEAR = 10  # near matches are a hint, not a second result list
_RECURRING = {PERIODIC, WEEKLY, MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL}
_FREQUENCY_WORDS = {WEEKLY: "hằng tuần", MONTHLY: "hàng tháng", QUARTERLY: "hàng quý", SEMIANNUAL: "định kỳ 6 tháng",
                    ANNUAL: "hàng năm", PERIODIC: "định kỳ"}


@dataclass
class _Verdict:
    status: str | None  # "full" | "near" | None
    citations: list[Citation]
    via_intermediary: bool = False
    score: float = 0.0  # how much of the question a near match meets (near matches are shown best first)


def ask(searcher, question: str, llm=None) -> Answer:
    """Answer a question from the index behind `searcher` (a search.retrieve.searcher.Searcher); `llm` may rewrite the text."""
    corpus = corpus_for(searcher.reader)
    parsed = understand(question, known_agencies=corpus.agency_names, known_places=corpus.place_names)
    if parsed.kind == "list":
        answer = _answer_list(corpus, parsed)
    else:
        answer = _answer_fact(corpus, searcher, parsed)
    answer = _with_constraints(with_ocr_confidence(searcher.reader, _verified(corpus, answer)), parsed)
    if llm is not None and answer.plans:
        from search.answer.llm import rewrite_answer

        answer = rewrite_answer(llm, answer)
    return answer


def _with_constraints(answer: Answer, q: Question) -> Answer:
    said = applied_constraints(q, fact=q.kind != "list")
    if not said:
        return answer
    text = f"{answer.answer}\nĐiều kiện đã áp dụng: {'; '.join(said)}."
    return replace(answer, answer=text, constraints=said)


# ---- list questions -------------------------------------------------------------------------------------------


def _answer_list(corpus: Corpus, q: Question) -> Answer:
    full: list[tuple[DocumentInfo, _Verdict]] = []
    near: list[tuple[DocumentInfo, _Verdict]] = []
    candidates = corpus.candidate_documents(q.concepts, NEAR_COVERAGE) if q.concepts else None
    for doc in _ordered(corpus.documents.values()):
        if candidates is not None and doc.doc_id not in candidates:
            continue
        head = corpus.normalized(doc.doc_id).text[:HEAD_CHARS] if q.doc_type and not doc.doc_type else ""
        if not document_ok(doc, q, head, lambda: corpus.normalized(doc.doc_id).text):
            continue
        verdict = _judge_plan(corpus, doc, q)
        if verdict.status == "full":
            full.append((doc, verdict))
        elif verdict.status == "near":
            near.append((doc, verdict))
    full, mentions = split_by_subject(corpus, full, q, _full_share(q))
    near.sort(key=lambda item: -item[1].score)
    near = (mentions + near)[:max(MAX_NEAR, len(mentions))]
    plans = [_plan(doc, v.citations) for doc, v in full]
    near_plans = [_plan(doc, v.citations) for doc, v in near]
    sentence = _list_sentence(q, full, near)
    if q.unknown_words:
        sentence += f" Chưa hiểu các từ: {', '.join(q.unknown_words)} (không có trong bảng thuật ngữ Anh – Việt)."
    if full and mentions:
        sentence += (f" … và {len(mentions)} văn bản khác chỉ nhắc đến chủ đề trong nội dung, không phải chủ đề chính"
                     " (xem mục Gần đúng).")
    return Answer(q.text, sentence, plans, near_plans)


def _ordered(docs) -> list[DocumentInfo]:
    # Newest first: the current plan is what officials usually want; undated plans go last.
    return sorted(docs, key=lambda d: (d.date is None, "" if d.date is None else _negate(d.date), d.source))


def _negate(iso: str) -> str:
    return "".join(chr(ord("9") - int(c) + ord("0")) if c.isdigit() else c for c in iso)


def _judge_plan(corpus: Corpus, doc: DocumentInfo, q: Question) -> _Verdict:
    parts: list[_Verdict] = []
    if q.has_duty_constraints:
        parts.append(_judge_duties(corpus, corpus.duties.get(doc.doc_id, []), q))
    if q.concepts:
        parts.append(_judge_passages(corpus, doc.doc_id, q))
    if not parts:  # only document constraints ("các công văn của Bộ Nội vụ"): each document meeting them answers
        about_documents = q.doc_type or q.issuer or q.place or q.signer or q.year is not None
        return _Verdict("full" if about_documents and not q.unknown_words else None, [header_citation(corpus, doc)])
    citations = [c for part in parts for c in part.citations]
    if all(p.status == "full" for p in parts):
        status = "full"
    elif any(p.status for p in parts):
        status = "near"
    else:
        status = None
    score = sum(p.score for p in parts) / len(parts)
    return _Verdict(status, _unique(citations)[:MAX_CITATIONS], any(p.via_intermediary for p in parts), score)


# Periodic review meetings (giao ban, sơ kết, tổng kết) are where units report their results: a question about
# periodic reporting counts them, while a recipient constraint still tells them apart from reports to an agency.
_ACTION_FAMILY = {"báo cáo": {"báo cáo", "trực báo", "giao ban", "sơ kết", "tổng kết"}}


def _duty_checks(duty: Duty, q: Question) -> dict[str, bool]:
    """Each duty constraint of the question → does this duty meet it."""
    checks: dict[str, bool] = {}
    if q.frequency:
        checks["frequency"] = duty.frequency in _RECURRING if q.frequency == PERIODIC else duty.frequency == q.frequency
    if q.recipient:
        checks["recipient"] = agency_matches(q.recipient, duty.recipient) or \
            agency_matches(q.recipient, duty.intermediary)
    if q.deadline:
        checks["deadline"] = q.deadline in (duty.deadline_date, duty.deadline_recurrence) or (
            q.deadline.startswith("--") and (duty.deadline_date or "").endswith(q.deadline[1:]))
    elif q.asks_deadline:
        checks["deadline"] = duty.deadline is not None
    if q.action:
        quote = key_loose(duty.sentence)
        checks["action"] = duty.action in _ACTION_FAMILY.get(q.action, {q.action}) or \
            f" {key_loose(q.action)} " in f" {' '.join(quote.split())} "
    return checks


def _judge_duties(corpus: Corpus, duties: list[Duty], q: Question) -> _Verdict:
    full, near, score = [], [], 0.0
    for duty in duties:
        checks = _duty_checks(duty, q)
        if all(checks.values()):
            full.append(duty)
        elif any(ok for name, ok in checks.items() if name != "action"):
            near.append(duty)
            score = max(score, sum(checks.values()) / len(checks))
    chosen = full or near
    via = bool(full) and q.recipient is not None and all(
        agency_matches(q.recipient, d.intermediary) and not agency_matches(q.recipient, d.recipient) for d in full)
    citations = [_duty_citation(corpus, d) for d in chosen]
    return _Verdict("full" if full else "near" if near else None, citations, via, 1.0 if full else score)


def _duty_citation(corpus: Corpus, duty: Duty) -> Citation:
    start, end = duty_quote_span(duty)
    text = corpus.normalized(duty.doc_id).text
    return Citation(duty.section, corpus.page_at(duty.doc_id, start), text[start:end])


def _judge_passages(corpus: Corpus, doc_id: str, q: Question) -> _Verdict:
    best = None
    for passage in corpus.passages(doc_id):
        required_ok, share = coverage(q.concepts, *with_subject(corpus.documents[doc_id], passage, q))
        score = (required_ok and share >= _full_share(q), required_ok, share)
        if best is None or score > best[0]:
            best = (score, passage)
    if best is None:
        return _Verdict(None, [])
    # A near match still holds every required concept (codes, acronyms, named agencies): without them the passage
    # is about something else.
    (is_full, required_ok, share), passage = best
    status = "full" if is_full else "near" if required_ok and share >= NEAR_COVERAGE else None
    start, end = best_sentence(passage.text, q.concepts)
    offset = passage.start + start
    citation = Citation(passage.section, corpus.page_at(doc_id, offset), passage.text[start:end])
    return _Verdict(status, [citation] if status else [], score=share)


def _full_share(q: Question) -> float:
    # With few concepts every one must be there; with many, paraphrase and spelling leave some out, and an
    # English question's glossary translation leaves out more.
    if len(q.concepts) < 4:
        return 1.0
    return ENGLISH_FULL_COVERAGE if q.language == "en" else FULL_COVERAGE


def _unique(citations: list[Citation]) -> list[Citation]:
    seen, out = set(), []
    for citation in citations:
        if citation.quote not in seen:
            seen.add(citation.quote)
            out.append(citation)
    return out


def _description(q: Question, via_intermediary: bool) -> str:
    words = []
    if q.action:
        words.append(f"yêu cầu {q.action}")
    elif q.has_duty_constraints:
        words.append("giao nhiệm vụ")
    if q.frequency:
        words.append(_FREQUENCY_WORDS[q.frequency])
    if q.recipient:
        words.append(f"{'qua' if via_intermediary else 'về'} {q.recipient}")
    if q.deadline:
        words.append(f"có thời hạn trước ngày {_show_deadline(q.deadline)}")
    elif q.asks_deadline:
        words.append("có thời hạn")
    topic = _topic_phrase(q)
    if topic:
        words.append(f"đề cập đến “{topic}”")
    if q.issuer:
        words.append(f"của {q.issuer}")
    words += [f"ở {q.place}"] * bool(q.place) + [f"do {q.signer} ký"] * bool(q.signer)
    if q.year:
        words.append(f"năm {q.year}")
    return " ".join(words) or "thỏa mãn câu hỏi"


def _topic_phrase(q: Question) -> str:
    """The topic as the user wrote it: the stretch of the question from the first to the last concept label."""
    labels = [c.label for c in q.concepts]
    if not labels:
        return ""
    loose = key_loose(q.text)  # length-preserving, so offsets found here are offsets in q.text
    spans = []
    for label in labels:
        at = loose.rfind(key_loose(label))  # framing words ("đề cập đến") come first, the topic last
        if at < 0:
            return " ".join(labels)  # a concept that came from translation or expansion: list the labels
        spans.append((at, at + len(label)))
    return q.text[min(s for s, _ in spans):max(e for _, e in spans)].strip(" ?.,;:")


def _show_deadline(value: str) -> str:
    if value.startswith("--"):
        return f"{int(value[5:7])}/{int(value[2:4])} hàng năm"
    year, month, day = value.split("-")
    return f"{int(day)}/{int(month)}/{year}"


def _list_sentence(q: Question, full, near) -> str:
    via = bool(full) and all(v.via_intermediary for _, v in full)
    description = _description(q, via)
    noun = (q.doc_type or "văn bản").lower()
    if full:
        items = "; ".join(_label_with_sections(doc, v.citations) for doc, v in full)
        return f"{len(full)} {noun} {description}: {items}."
    sentence = f"Không tìm thấy {noun} nào {description}."
    if near:
        sentence += " Gần đúng (chỉ đáp ứng một phần): " + "; ".join(plan_label(doc) for doc, _ in near) + "."
    return sentence


def _label_with_sections(doc: DocumentInfo, citations: list[Citation]) -> str:
    sections = list(dict.fromkeys(c.section for c in citations if c.section))
    where = f", mục {', '.join(sections)}" if sections else ""
    return plan_label(doc) + where


def _plan(doc: DocumentInfo, citations: list[Citation]) -> PlanAnswer:
    return PlanAnswer(doc.doc_id, doc.source, doc.doc_number, doc.title, doc.issuer, doc.date, list(citations),
                      doc.doc_type)


# ---- fact questions -------------------------------------------------------------------------------------------


def _answer_fact(corpus: Corpus, searcher, q: Question) -> Answer:
    answer = number_and_date(corpus, searcher, q, _plan)  # "số mấy, ngày nào?" (also "sau khi ký ban hành …")
    if answer is not None:
        return answer
    if q.asks_signer:
        answer = _answer_signer(corpus, searcher, q)
        if answer is not None:
            return answer
    if q.frequency or q.recipient or q.deadline or q.asks_deadline and not q.wants:
        answer = _answer_from_duties(corpus, q)
        if answer is not None:
            return answer
    if q.wants:
        answer = _answer_value(corpus, searcher, q)
        if answer is not None:
            return answer
    for hit in searcher.search(q.text, k=10):
        doc = corpus.documents.get(hit.doc_id)
        if doc is None or not document_ok(doc, doc_ok_question(q)):
            continue
        start, end = best_sentence(hit.text, q.concepts)
        quote = hit.text[start:end]
        offset = corpus.normalized(doc.doc_id).text.find(quote)
        page = corpus.page_at(doc.doc_id, offset) if offset >= 0 else hit.page
        citation = Citation(hit.section, page, quote)
        where = f", mục {hit.section}" if hit.section else ""
        return Answer(q.text, f"Theo {plan_label(doc)}{where}: “{quote}”", [_plan(doc, [citation])])
    return Answer(q.text, "Không tìm thấy đoạn văn nào trả lời câu hỏi.", [])


def _answer_value(corpus: Corpus, searcher, q: Question) -> Answer | None:
    """The sentence that holds the asked kind of value, among the passages of the best hits (facts.py)."""
    best = None
    for rank, hit in enumerate(searcher.search(q.text, k=VALUE_HITS)):
        doc = corpus.documents.get(hit.doc_id)
        if doc is None or not document_ok(doc, doc_ok_question(q)) or other_round(q, doc.title):
            continue
        sections = searcher.reader.sections(doc.doc_id)
        at = corpus.normalized(doc.doc_id).text.find(hit.text[:80])
        span, score = pick_sentence(hit.text, q, f"{hit.heading}\n{_trail(sections, at)}")
        quote = hit.text[span[0]:span[1]]
        offset = corpus.normalized(doc.doc_id).text.find(quote)
        # The headings above the sentence name its round ("2. Hội nghị hiệp thương lần thứ hai" above "- Thời gian: …").
        trail = _trail(sections, offset)
        key = (not other_round(q, trail),) + score[:5] + (-rank, score[5])
        if best is None or key > best[0]:
            best = (key, hit, doc, span, offset)
    if best is None:
        return None
    _, hit, doc, (start, end), offset = best
    quote = hit.text[start:end]
    page = corpus.page_at(doc.doc_id, offset) if offset >= 0 else hit.page
    where = f", mục {hit.section}" if hit.section else ""
    shown = " ".join(quote.split())
    return Answer(q.text, f"Theo {plan_label(doc)}{where}: “{shown}”", [_plan(doc, [Citation(hit.section, page, quote)])])


def _trail(sections, offset: int) -> str:
    return " ".join(s.heading for s in sections if s.start <= offset < s.end) if offset >= 0 else ""


def doc_ok_question(q: Question) -> Question:
    """The question's document filters for a fact: without the "which plans" document type (a fact may be in any
    document) and without the year, which is often about the content ("gọi công dân nhập ngũ năm 2025" is answered
    by a plan issued in 2024): the year counts through the ranking (each passage is indexed with its document's
    year), not as a filter."""
    return replace(q, doc_type=None, year=None)


def _answer_from_duties(corpus: Corpus, q: Question) -> Answer | None:
    best = None
    for doc in _ordered(corpus.documents.values()):
        if not document_ok(doc, doc_ok_question(q)):
            continue
        for duty in corpus.duties.get(doc.doc_id, []):
            if not all(_duty_checks(duty, q).values()):
                continue
            share = text_coverage(q.concepts, duty.sentence)[1]
            if best is None or share > best[0]:
                best = (share, doc, duty)
    if best is None:
        return None
    _, doc, duty = best
    citation = _duty_citation(corpus, duty)
    where = f", mục {duty.section}" if duty.section else ""
    return Answer(q.text, f"Theo {plan_label(doc)}{where}: “{citation.quote}”", [_plan(doc, [citation])])


def _answer_signer(corpus: Corpus, searcher, q: Question) -> Answer | None:
    docs = [d for d in _ordered(corpus.documents.values()) if document_ok(d, doc_ok_question(q))]
    if not q.issuer:
        # The best-ranked document (not another one's signature put first): its signer, or that it was not read.
        best = best_document_id(searcher, q.text)
        docs = [corpus.documents[best]] if best in corpus.documents else []
        if docs and not signers_found(docs[0], corpus.normalized(best).text):
            return Answer(q.text, f"Không đọc được người ký của văn bản {plan_label(docs[0])}.", [_plan(docs[0], [])])
    for doc in docs:
        text = corpus.normalized(doc.doc_id).text
        found = [(name, text.rfind(name)) for name in doc.signers if name and text.rfind(name) >= 0]
        if not found:
            continue
        citations = [Citation("", corpus.page_at(doc.doc_id, at), name) for name, at in found]
        names = " và ".join(name for name, _ in found)
        return Answer(q.text, f"{plan_label(doc)} do {names} ký.", [_plan(doc, citations)])
    return None


def _verified(corpus: Corpus, answer: Answer) -> Answer:
    """Drop any citation whose quote is not an exact substring of its document (a guard; none should be)."""
    def keep(plan: PlanAnswer) -> PlanAnswer:
        text = corpus.normalized(plan.doc_id).text
        return replace(plan, citations=[c for c in plan.citations if c.quote and c.quote in text])
    return replace(answer, plans=[keep(p) for p in answer.plans], near_matches=[keep(p) for p in answer.near_matches])


__all__ = ["Answer", "PlanAnswer", "Citation", "ask", "plan_label", "plan_label_for", "show_date"]
