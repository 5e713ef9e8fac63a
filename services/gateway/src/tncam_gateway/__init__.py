"""tncam_gateway."""

#: Where the public API lives (every route, the OpenAPI document, playback URLs).
API_PREFIX = "/api/v1"
