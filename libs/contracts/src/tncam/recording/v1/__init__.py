"""Generated protobuf package tncam.recording.v1 (from proto/; do not edit, run make proto)."""
