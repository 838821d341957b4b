"""Text: RawText pages → NormalizedText (Unicode and Vietnamese normalisation, tokens, search keys)."""
