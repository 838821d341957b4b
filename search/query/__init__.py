"""Query understanding: the text of a search or question → ParsedQuery / Question (language, abbreviations, glossary, filters, concepts)."""
