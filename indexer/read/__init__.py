"""Reading: files in, RawText out (format readers, PDF compatibility, OCR, office conversion, legacy encodings, input guards, external processes, file discovery)."""
