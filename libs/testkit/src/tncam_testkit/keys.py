"""Fresh keys for every secret setting of the services, as environment variables.

Services run with ``TNCAM_ENVIRONMENT=test`` refuse development defaults, so tests give them
real keys, new each session. The audit key is made by the audit service's own command
(``tncam audit keygen``) so that this kit never imports a service.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
from pathlib import Path


def _audit_key() -> str:
    tncam = Path(sys.executable).with_name("tncam")
    out = subprocess.run(
        [str(tncam), "audit", "keygen"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    for line in out.splitlines():
        if line.startswith("TNCAM_AUDIT_SIGNING_KEY="):
            return line.split("=", 1)[1]
    raise RuntimeError("tncam audit keygen printed no TNCAM_AUDIT_SIGNING_KEY")


def service_keys() -> dict[str, str]:
    """Environment variables with a new key for each service secret."""
    return {
        "TNCAM_REGISTRY_CREDENTIALS_KEY": secrets.token_urlsafe(32),
        "TNCAM_RECORDER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TNCAM_GATEWAY_JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "TNCAM_AUDIT_SIGNING_KEY": _audit_key(),
    }
