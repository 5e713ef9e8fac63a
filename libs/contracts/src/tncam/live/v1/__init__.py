"""Generated protobuf package tncam.live.v1 (from proto/; do not edit, run make proto)."""
