"""Structure: NormalizedText → DocumentStructure and Chunks (lines, header, outline, signatures, references, chunking)."""
