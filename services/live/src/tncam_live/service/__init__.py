"""Use cases of the live edge: fan-outs per camera stream, transcodes, viewer sessions."""
