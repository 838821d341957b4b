"""Duties: reporting duties with deadlines, frequencies, agencies and actors, read from the structured text."""
