"""Generated protobuf package tncam.audit (from proto/; do not edit, run make proto)."""
