"""Retrieval: Searcher (lexical + dense + proximity), score fusion, document-number match; a query → ranked Hits."""
