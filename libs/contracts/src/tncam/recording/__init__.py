"""Generated protobuf package tncam.recording (from proto/; do not edit, run make proto)."""
