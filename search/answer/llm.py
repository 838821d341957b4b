"""Optional generated answer text from an OpenAI-compatible server; kept only when every sentence cites a passage."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace

from search.answer.result import Answer, plan_label_for

SYSTEM_PROMPT = (
    "Bạn trả lời câu hỏi về các kế hoạch của cơ quan nhà nước Việt Nam, chỉ dựa trên các đoạn trích được đánh số. "
    "Trả lời ngắn gọn bằng tiếng Việt. Mỗi câu phải ghi nguồn bằng số đoạn trong ngoặc vuông, ví dụ [1] hoặc [1][2]. "
    "Không thêm thông tin không có trong các đoạn trích."
)
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


class LLMError(Exception):
    """The generation server did not give a usable reply."""


@dataclass(frozen=True)
class LLMClient:
    """Client for POST {url}/v1/chat/completions (Ollama, vLLM, llama.cpp server, …); standard library only."""

    url: str
    model: str | None = None
    timeout: float = 60.0

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")

    def chat(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps({"model": self.model or "default", "messages": messages, "temperature": 0,
                           "stream": False}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.endpoint, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
            return str(payload["choices"][0]["message"]["content"])
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMError(f"Máy chủ sinh câu trả lời không phản hồi đúng ({self.endpoint}): {error}") from error


def numbered_passages(answer: Answer) -> list[str]:
    """"[n] plan, mục X: quote" for every citation of the answer's plans, numbered from 1."""
    passages = []
    for plan in answer.plans:
        for citation in plan.citations:
            where = f", mục {citation.section}" if citation.section else ""
            passages.append(f"{plan_label_for(plan)}{where}: {' '.join(citation.quote.split())}")
    return passages


def build_messages(question: str, passages: list[str]) -> list[dict[str, str]]:
    numbered = "\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Các đoạn trích:\n{numbered}\n\nCâu hỏi: {question}"}]


def citations_valid(text: str, n_passages: int) -> bool:
    """True when every sentence cites at least one [n] and every n is between 1 and n_passages."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s and s.strip()]
    if not sentences:
        return False
    for sentence in sentences:
        if not re.search(r"\w", _CITATION.sub("", sentence)):
            continue  # a bare "[2]." trailing a sentence belongs to it
        numbers = [int(n) for group in _CITATION.findall(sentence) for n in group.split(",")]
        if not numbers or any(n < 1 or n > n_passages for n in numbers):
            return False
    all_numbers = [int(n) for group in _CITATION.findall(text) for n in group.split(",")]
    return bool(all_numbers) and all(1 <= n <= n_passages for n in all_numbers)


def rewrite_answer(llm: LLMClient, answer: Answer) -> Answer:
    """The answer with generated text when the server replies with fully cited sentences; unchanged otherwise."""
    passages = numbered_passages(answer)
    if not passages:
        return answer
    try:
        text = llm.chat(build_messages(answer.question, passages)).strip()
    except LLMError:
        return answer
    if not citations_valid(text, len(passages)):
        return answer
    return replace(answer, answer=text)
