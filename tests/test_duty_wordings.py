"""Duty wordings as a class: every frequency/deadline/recipient wording of tests/data/duty_wordings.tsv (found in the
real archives, see docs/DUTY_WORDINGS.md), and the complete quarterly list of handed case 15."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.duties.deadlines import find_frequencies, yearly_days
from indexer.duties.extract import analyse_sentence
from search.answer.compose import ask
from search.retrieve.searcher import Searcher

DATA = Path(__file__).resolve().parent / "data"
CASE = DATA / "15-ask-complete-list"


def _rows() -> list[list[str]]:
    lines = (DATA / "duty_wordings.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _none(value: str) -> str | None:
    return None if value == "-" else value


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[0][:40])
def test_wording_gives_frequency_deadline_and_recipient(row):
    sentence, action, frequency, deadline, deadline_date, recurrence, recipient, intermediary, _ = row
    duties = analyse_sentence(sentence)
    assert len(duties) == 1, [(d.action, d.frequency) for d in duties]
    [duty] = duties

    def cut(span):
        return sentence[span[0]:span[1]] if span else None

    got = (duty.action, duty.frequency, cut(duty.deadline), duty.deadline_date, duty.deadline_recurrence,
           cut(duty.recipient), cut(duty.intermediary))
    assert got == (action, _none(frequency), _none(deadline), _none(deadline_date), _none(recurrence),
                   _none(recipient), _none(intermediary))


@pytest.mark.parametrize("phrase, frequency", [
    ("mỗi quý một lần", "quarterly"), ("mỗi tháng 01 lần", "monthly"), ("mỗi năm một lần", "annual"),
    ("mỗi năm 02 lần", "semiannual"), ("03 tháng một lần", "quarterly"), ("06 tháng/lần", "semiannual"),
    ("định kỳ 6 tháng", "semiannual"), ("hằng tuần", "weekly"), ("định kỳ 02 tuần/lần", "periodic"),
])
def test_frequency_phrases(phrase, frequency):
    assert [f.frequency for f in find_frequencies(f"Các đơn vị báo cáo {phrase} về Sở Nội vụ.")] == [frequency]


def test_numbers_in_other_senses_are_not_frequencies():
    # "mỗi tháng 02 chuyên mục" counts programmes, "mỗi năm ít nhất 02 kỳ" is not a reporting period.
    assert find_frequencies("phát sóng mỗi tháng 02 chuyên mục") == []
    assert analyse_sentence("UBND huyện 03 tháng một lần báo cáo Sở Nội vụ.")[0].frequency == "quarterly"


def test_two_yearly_dates_are_both_kept():
    assert yearly_days("trước ngày 15/6 và 15/12 hằng năm", "--06-15") == ["--06-15", "--12-15"]
    assert yearly_days("trước ngày 15 tháng 12", "--12-15") == ["--12-15"]
    assert yearly_days(None, None) == []


@pytest.fixture(scope="module")
def case15_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("case15") / "index"
    build_index([CASE], index_dir, dense=False)
    return index_dir


@pytest.mark.parametrize("question", [
    "Kế hoạch nào yêu cầu báo cáo hằng quý về Sở Nội vụ?",
    "ke hoach nao yeu cau bao cao hang quy ve SNV",
    "which plans require quarterly reporting to the Department of Home Affairs",
])
def test_case15_every_quarterly_plan_and_no_distractor(case15_index, question):
    expected = json.loads((CASE / "case.json").read_text(encoding="utf-8"))
    answer = ask(Searcher.open(case15_index), question)
    got = sorted(Path(p.source).name for p in answer.plans)
    assert got == sorted(expected["expected"]["ask_plans_exact"])
