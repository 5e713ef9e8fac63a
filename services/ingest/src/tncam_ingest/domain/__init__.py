"""Pure logic of ingest: no I/O, plain values and a clock; unit-tested without network."""
