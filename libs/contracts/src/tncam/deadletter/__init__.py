"""Generated protobuf package tncam.deadletter (from proto/; do not edit, run make proto)."""
