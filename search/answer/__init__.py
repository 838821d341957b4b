"""Answers: ask() over the index (evidence, quotes, verification), optional LLM rewrite, duty calendar (iCalendar)."""
