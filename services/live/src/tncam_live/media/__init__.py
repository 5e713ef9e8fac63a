"""Byte formats of live view: the RFC 7798 H.265 RTP payload format and its aiortc codec."""
