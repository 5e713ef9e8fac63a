"""The live edge's settings: a replica id per process, ICE servers and addresses checked."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from tncam_live.settings import LiveSettings
from tncam_mesh.errors import ConfigurationError
from tncam_mesh.settings import load_settings


def settings(**values: Any) -> LiveSettings:
    return load_settings(LiveSettings, environment="test", **values)


def test_defaults_are_safe() -> None:
    a, b = settings(), settings()
    assert a.replica_id != b.replica_id  # a new one per process (here, per object)
    assert a.replica_id.startswith("live-")
    assert a.ice_server_urls == ()  # never a public STUN server
    assert a.host_addresses == ()  # the machine's own
    assert a.http_port == 9106


def test_ice_servers_and_addresses() -> None:
    s = settings(
        ice_servers="stun:stun.tn:3478, turns:turn.tn:5349?transport=tcp",
        turn_username="edge",
        turn_password=SecretStr("s3cret-from-a-file"),
        ice_host_addresses="127.0.0.1,10.1.2.3",
    )
    assert s.ice_server_urls == ("stun:stun.tn:3478", "turns:turn.tn:5349?transport=tcp")
    assert s.host_addresses == ("127.0.0.1", "10.1.2.3")


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ice_servers": "http://stun.tn"}, "TNCAM_LIVE_ICE_SERVERS"),
        ({"ice_servers": "stuns:stun.tn:5349"}, "TNCAM_LIVE_ICE_SERVERS"),  # aiortc has none
        ({"ice_host_addresses": "not-an-ip"}, "TNCAM_LIVE_ICE_HOST_ADDRESSES"),
        ({"replica_id": "a.b"}, "TNCAM_LIVE_REPLICA_ID"),
        ({"ice_servers": "turn:turn.tn:3478"}, "TNCAM_LIVE_TURN_PASSWORD"),
        ({"max_viewers": 10, "max_viewers_per_camera": 20}, "TNCAM_LIVE_MAX_VIEWERS"),
    ],
)
def test_bad_settings_name_their_variable(values: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        settings(**values)


def test_turn_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_LIVE_TURN_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("TNCAM_LIVE_TURN_USERNAME", "edge")
    monkeypatch.setenv("TNCAM_LIVE_ICE_SERVERS", "turn:turn.tn:3478")
    s = load_settings(LiveSettings, environment="test")
    assert "hunter2" not in repr(s)
    assert s.turn_password is not None
    assert s.turn_password.get_secret_value() == "hunter2-secret"
