"""Edges of the live edge: ``tncam.live.v1.open_session`` and the replica's control subject."""
