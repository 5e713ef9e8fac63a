"""Generated protobuf package tncam.audit.v1 (from proto/; do not edit, run make proto)."""
