"""Optional generated answers: a fake OpenAI-compatible server on 127.0.0.1; uncited or out-of-range text is refused."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.answer.compose import ask
from search.cli import main
from search.answer.llm import LLMClient, LLMError, citations_valid
from search.retrieve.searcher import Searcher

QUESTION = "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?"
EXTRACTIVE_START = "1 kế hoạch yêu cầu báo cáo hàng quý qua Sở Nội vụ"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server API)
        length = int(self.headers.get("Content-Length", 0))
        self.server.requests.append((self.path, json.loads(self.rfile.read(length).decode("utf-8"))))
        status, content = self.server.reply
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]},
                          ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.reply = (200, "")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def searcher(lexical_index_dir) -> Searcher:
    return Searcher.open(lexical_index_dir)


def _client(server) -> LLMClient:
    host, port = server.server_address
    return LLMClient(f"http://{host}:{port}", model="fake", timeout=5)


def test_cited_generated_text_replaces_the_extractive_sentence(fake_server, searcher):
    fake_server.reply = (200, "Chỉ Kế hoạch 80/KH-UBND yêu cầu báo cáo hàng quý, qua Sở Nội vụ [1].")
    answer = ask(searcher, QUESTION, llm=_client(fake_server))
    assert answer.answer == fake_server.reply[1]
    assert [p.doc_number for p in answer.plans] == ["80/KH-UBND"]
    [(path, request)] = fake_server.requests
    assert path == "/v1/chat/completions" and request["model"] == "fake"
    prompt = request["messages"][-1]["content"]
    assert "[1] 80/KH-UBND" in prompt and "định kỳ hàng quý báo cáo UBND tỉnh" in prompt and "[2]" not in prompt


@pytest.mark.parametrize("reply", [
    (200, "80/KH-UBND yêu cầu báo cáo hàng quý [2]."),  # cites a passage that does not exist
    (200, "80/KH-UBND yêu cầu báo cáo hàng quý [1]. Ngoài ra còn nhiều kế hoạch khác."),  # an uncited claim
    (200, "80/KH-UBND yêu cầu báo cáo hàng quý."),  # no citation at all
    (500, "lỗi máy chủ"),
])
def test_bad_generations_fall_back_to_the_extractive_answer(fake_server, searcher, reply):
    fake_server.reply = reply
    answer = ask(searcher, QUESTION, llm=_client(fake_server))
    assert answer.answer.startswith(EXTRACTIVE_START)
    assert len(fake_server.requests) == 1


def test_unreachable_server_falls_back(searcher):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LLMClient(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(LLMError, match="không phản hồi"):
        client.chat([{"role": "user", "content": "x"}])
    assert ask(searcher, QUESTION, llm=client).answer.startswith(EXTRACTIVE_START)


def test_cli_uses_tracuu_llm_url(fake_server, lexical_index_dir, monkeypatch, capsys):
    host, port = fake_server.server_address
    monkeypatch.setenv("TRACUU_LLM_URL", f"http://{host}:{port}/v1")
    fake_server.reply = (200, "Kế hoạch 80/KH-UBND, mục II.9 [1].")
    assert main(["ask", QUESTION, "--index", str(lexical_index_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "Kế hoạch 80/KH-UBND, mục II.9 [1]."
    assert fake_server.requests[0][0] == "/v1/chat/completions"


def test_citation_check():
    assert citations_valid("Một câu [1]. Câu hai [1][2].", 2)
    assert citations_valid("Một câu [1, 2].\n- Ý khác [2]", 2)
    assert not citations_valid("Một câu [1]. Câu hai [3].", 2)
    assert not citations_valid("Một câu [0].", 2)
    assert not citations_valid("Một câu [1]. Câu không nguồn.", 2)
    assert not citations_valid("", 2)
