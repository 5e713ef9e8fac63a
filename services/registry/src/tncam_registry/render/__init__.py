"""Typesetting of printable documents (PDF) from the domain's document model."""
