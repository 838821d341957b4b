"""Embedding: chunk texts → vectors (sentence-transformers, ONNX) with a cache keyed by text hash."""
