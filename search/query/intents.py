"""Question intents read off the loose keys of a query: who signed, which number/date/issuer, which documents."""
from __future__ import annotations

# Intents: loose-key phrases that ask for something the document metadata answers better than the body text.
_INTENTS = {
    "signer": (("ai", "ky"), ("nguoi", "ky"), ("ky", "boi"), ("nguoi", "da", "ky"), ("who", "signed"),
               ("signed", "by"), ("signer",), ("signatory",)),
    # "which number / date / issuer does document X have": the answer is the document's header passage.
    "issued": (("so", "hieu"), ("so", "ky", "hieu"), ("ngay", "ban", "hanh"), ("ban", "hanh", "ngay"),
               ("co", "quan", "nao", "ban", "hanh"), ("ai", "ban", "hanh"), ("ban", "hanh", "khi", "nao"),
               ("ky", "ban", "hanh", "ngay"),
               ("so", "ngay", "nao"), ("so", "va", "ngay"), ("so", "may"), ("mang", "so"), ("who", "issued"), ("issued", "by"), ("issued", "on"),
               ("when", "was", "it", "issued"), ("document", "number"), ("reference", "number")),
}

# Document types that, named as what a question asks for, make it a "which documents …" question.
_DOCUMENT_TYPES = frozenset({
    "ke hoach", "van ban", "quyet dinh", "bao cao", "cong van", "to trinh", "nghi quyet", "huong dan", "thong bao",
    "tham luan", "chuong trinh", "de an", "chi thi", "cong dien", "nghi dinh", "thong tu", "quy che", "quy dinh",
    "plan", "plans", "document", "documents", "decision", "decisions", "report", "reports", "letters",
    "resolutions", "guidelines", "programmes", "programs",
})


def asks_for_documents_question(loose: list[str]) -> bool:
    """ "Những quyết định nào …", "báo cáo nào …", "which reports …": a document type named as what is asked for."""
    for i in range(len(loose)):
        for n in (1, 2):
            if " ".join(loose[i:i + n]) not in _DOCUMENT_TYPES:
                continue
            after = loose[i + n] if i + n < len(loose) else ""
            before = loose[i - 1] if i else ""
            if after == "nao" or before in ("nhung", "which"):
                return True
    return False


def detect_intent(loose_words: list[str]) -> str | None:
    """The intent whose phrase occurs in the query's loose keys, or None."""
    for intent, phrases in _INTENTS.items():
        if any(_find(loose_words, phrase) for phrase in phrases):
            return intent
    return None


def _find(seq: list[str], pattern: tuple[str, ...]) -> list[int]:
    n = len(pattern)
    if not n:
        return []
    return [i for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == pattern]
