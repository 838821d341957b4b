"""Readers and helpers added beside the main readers: .xlsx workbooks, font-aware TCVN3 in PDFs, .VnTimeH capitals."""
