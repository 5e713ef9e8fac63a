"""Generated protobuf package tncam.common.v1 (from proto/; do not edit, run make proto)."""
