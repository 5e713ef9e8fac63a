"""Signed webhooks: the notice as JSON, POSTed with an HMAC-SHA256 signature and timestamp."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from tncam_mesh.clock import Clock
from tncam_registry.clients.mail import DeliveryError
from tncam_registry.domain.notify import HEADER_NOTICE_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign


class WebhookSender:
    """POSTs notices; one pooled HTTP client for the process."""

    def __init__(self, *, timeout_s: float, clock: Clock) -> None:
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)
        # httpx logs every request's URL at INFO; a webhook URL may carry the receiver's token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._clock = clock

    async def send(
        self, notice_id: str, url: str, secret: bytes | None, document: Mapping[str, Any]
    ) -> None:
        """Deliver, or raise DeliveryError (a 2xx answer is a delivery)."""
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
        stamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            HEADER_NOTICE_ID: notice_id,
            HEADER_TIMESTAMP: str(stamp),
        }
        if secret:
            headers[HEADER_SIGNATURE] = sign(secret, stamp, body)
        try:
            r = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            raise DeliveryError(f"webhook: {type(e).__name__}: {e}"[:300]) from e
        if not 200 <= r.status_code < 300:
            raise DeliveryError(f"webhook: HTTP {r.status_code}")

    async def close(self) -> None:
        """Release the connections."""
        await self._client.aclose()
