"""Generated protobuf package tncam.deadletter.v1 (from proto/; do not edit, run make proto)."""
