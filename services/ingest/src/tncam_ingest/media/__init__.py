"""Byte formats and the RTSP/RTP reading of the hot path: RTSP client, RTP depacketizer, fMP4,
the session thread that cuts segments, snapshot decoding."""
