"""``tncam export verify FILE``: check an export file offline (no network, no service)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tncam_recorder.domain.signing import SigningKeyError, load_public_key
from tncam_recorder.media.exportfile import verify_bundle


def register(subparsers: Any) -> None:
    """Add the ``export`` command group to the ``tncam`` command."""
    parser = subparsers.add_parser("export", help="export files (trích xuất): offline verification")
    sub = parser.add_subparsers(dest="export_command", metavar="COMMAND", required=True)
    verify = sub.add_parser(
        "verify",
        help="verify an export file: signature, every hash, nothing changed or missing",
    )
    verify.add_argument("file", type=Path, help="the export file (.zip)")
    verify.add_argument(
        "--public-key",
        type=Path,
        help="the recorder's published Ed25519 public key (PEM); without it the key inside "
        "the file is used and its fingerprint must be compared by hand",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the file verifies, 1 when it does not, 2 on a usage error."""
    key = None
    if args.public_key is not None:
        try:
            key = load_public_key(args.public_key.read_bytes())
        except (OSError, SigningKeyError, ValueError) as e:
            print(f"tncam export verify: cannot read public key: {e}", file=sys.stderr)
            return 2
    if not args.file.is_file():
        print(f"tncam export verify: {args.file}: no such file", file=sys.stderr)
        return 2
    result = verify_bundle(args.file, key)
    m = result.manifest
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "problems": result.problems,
                    "signer": result.signer,
                    "export_id": m.get("export_id"),
                    "camera_id": m.get("camera_id"),
                    "segments": len(m.get("segments", [])),
                },
                ensure_ascii=False,
            )
        )
        return 0 if result.ok else 1
    if result.ok:
        rng = m.get("range", {})
        print("HỢP LỆ — tệp trích xuất nguyên vẹn, chữ ký hợp lệ (export file verified)")
        print(f"  camera: {m.get('camera_id')}  từ {rng.get('start')} đến {rng.get('end')}")
        print(
            f"  đoạn ghi (segments): {len(m.get('segments', []))}, gaps: {len(m.get('gaps', []))}"
        )
        print(f"  người yêu cầu (requester): {m.get('requester', {}).get('display_name')}")
        print(f"  mục đích (purpose): {m.get('purpose', {}).get('text')}")
        print(f"  khóa ký (signer): {result.signer}")
        if key is None:
            print("  lưu ý: so khớp dấu vân tay khóa ký với khóa công bố (compare the fingerprint)")
        return 0
    print("KHÔNG HỢP LỆ — tệp trích xuất đã bị thay đổi hoặc thiếu (export file FAILED)")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1
