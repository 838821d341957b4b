"""PDF text layers made to read as printed: syllables rejoined, running headers dropped, wrapped lines joined, garbage found."""
