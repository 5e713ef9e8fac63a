"""The gateway's context: every service the API needs at request time, composed once per
process from settings, its database and the bus (also used by the CLI and the benchmark)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_gateway.clients.audit import AuditLog, Auditor, AuditSink
from tncam_gateway.clients.live import LiveEdge
from tncam_gateway.clients.notify import NotifyDirectory
from tncam_gateway.clients.recorder import Recordings
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.clients.registry_ops import RegistryOps
from tncam_gateway.clients.snapshots import SnapshotSource
from tncam_gateway.domain.live import LiveTokenCodec
from tncam_gateway.domain.lockout import LockoutPolicy
from tncam_gateway.domain.passwords import Argon2Parameters, PasswordHasher, PasswordPolicy
from tncam_gateway.domain.playback import PlaybackCodec
from tncam_gateway.domain.ratelimit import RateLimit
from tncam_gateway.domain.tokens import TokenCodec
from tncam_gateway.domain.totp import SeedBox
from tncam_gateway.service.accounts import AccountAdmin
from tncam_gateway.service.analytics import AnalyticsGate
from tncam_gateway.service.annual import AnnualReports
from tncam_gateway.service.audit_log import AuditLogReader
from tncam_gateway.service.auth import AuthConfig, AuthService
from tncam_gateway.service.camera_changes import CameraChanges
from tncam_gateway.service.cameras import CameraService
from tncam_gateway.service.exports import ExportService
from tncam_gateway.service.footage import FootageGuard
from tncam_gateway.service.grants import GrantService
from tncam_gateway.service.live import LiveConfig, LiveService
from tncam_gateway.service.notify import NotifyService
from tncam_gateway.service.operations import Operations
from tncam_gateway.service.playback import PlaybackService
from tncam_gateway.service.ratelimits import RateLimiter
from tncam_gateway.service.snapshots import SnapshotService
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.aead import derive_key
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus
from tncam_mesh.clock import Clock, utc_now
from tncam_mesh.jetstream import publish

# HKDF labels of the keys derived from the JWT signing key: unchanged, so that tokens issued
# before a restart or by another replica still verify.
JWT_LABEL = "tncam-gateway-jwt"
PLAYBACK_LABEL = "tncam-gateway-playback"
LIVE_LABEL = "tncam-gateway-live"


@dataclass
class GatewayState:
    """The gateway's services, shared by all requests of one process."""

    settings: GatewaySettings
    auth: AuthService
    accounts: AccountAdmin
    grants: GrantService
    footage: FootageGuard
    cameras: CameraService
    recordings: Recordings
    playback: PlaybackService
    live: LiveService
    exports: ExportService
    analytics: AnalyticsGate
    snapshots: SnapshotService
    audit_log: AuditLogReader
    operations: Operations
    changes: CameraChanges
    annual: AnnualReports
    user_limiter: RateLimiter
    address_limiter: RateLimiter
    clock: Clock
    notify: NotifyService


def _auth_config(settings: GatewaySettings) -> AuthConfig:
    def lockout(threshold: int) -> LockoutPolicy:
        return LockoutPolicy(
            threshold=threshold, base_s=settings.lockout_base_s, max_s=settings.lockout_max_s
        )

    return AuthConfig(
        refresh_ttl_s=settings.refresh_token_ttl_s,
        session_max_age_s=settings.session_max_age_s,
        password_max_age_days=settings.password_max_age_days,
        lockout=lockout(settings.lockout_threshold),
        address_lockout=lockout(settings.lockout_address_threshold),
        revocation_cache_s=settings.revocation_cache_s,
        totp_issuer=settings.totp_issuer,
    )


def build_auth(
    settings: GatewaySettings,
    sessions: async_sessionmaker[AsyncSession],
    sink: AuditSink,
    clock: Clock = utc_now,
) -> AuthService:
    """The authentication service from settings (also used by the CLI and the benchmark)."""
    return AuthService(
        sessions=sessions,
        codec=TokenCodec(
            derive_key(settings.jwt_signing_key.get_secret_value(), JWT_LABEL),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_s=settings.access_token_ttl_s,
        ),
        hasher=PasswordHasher(
            Argon2Parameters(
                time_cost=settings.argon2_time_cost,
                memory_cost_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            )
        ),
        passwords=PasswordPolicy(min_length=settings.password_min_length),
        box=SeedBox(settings.mfa_encryption_key.get_secret_value().encode()),
        auditor=Auditor(sink, clock),
        config=_auth_config(settings),
        clock=clock,
    )


def _publisher(js: JetStreamContext) -> Any:
    async def publish_event(subject: str, message: Any, msg_id: str) -> None:
        assert isinstance(message, Message)
        await publish(js, subject, message, msg_id=msg_id)

    return publish_event


# long: the composition root lists every service of the gateway once
def build_state(
    settings: GatewaySettings,
    sessions: async_sessionmaker[AsyncSession],
    bus: Bus,
    *,
    clock: Clock = utc_now,
    audit_sink: AuditSink | None = None,
) -> GatewayState:
    """Compose the gateway from settings, its database and the bus."""
    ns, timeout = settings.nats_namespace, settings.rpc_timeout_s
    sink = audit_sink or AuditClient(bus.js, service="gateway", namespace=ns)
    auth = build_auth(settings, sessions, sink, clock)
    auditor = auth.auditor
    directory = CameraDirectory(bus, namespace=ns, timeout_s=timeout)
    audit_reader = AuditLog(bus, namespace=ns, timeout_s=timeout)
    recordings = Recordings(
        bus, namespace=ns, timeout_s=timeout, export_timeout_s=settings.export_rpc_timeout_s
    )
    footage = FootageGuard(
        sessions=sessions, auditor=auditor, clock=clock, scope_of=directory.scope
    )
    cameras = CameraService(directory=directory, clock=clock, footage=footage)
    return GatewayState(
        settings=settings,
        auth=auth,
        accounts=AccountAdmin(
            auth, inactive_days=settings.account_inactive_days, units=directory.known_units
        ),
        grants=GrantService(
            sessions=sessions,
            auditor=auditor,
            clock=clock,
            scope_of=directory.scope,
            publish=_publisher(bus.js),
            namespace=ns,
        ),
        footage=footage,
        cameras=cameras,
        recordings=recordings,
        playback=_playback(settings, footage, recordings, auth, clock),
        live=_live(settings, sessions, bus, footage, auth, clock),
        exports=ExportService(
            sessions=sessions,
            footage=footage,
            recordings=recordings,
            clock=clock,
            download_window_s=settings.export_download_window_s,
            max_range_s=settings.export_max_range_s,
        ),
        analytics=AnalyticsGate(
            sessions=sessions, auditor=auditor, clock=clock, scope_of=directory.scope
        ),
        snapshots=SnapshotService(
            footage=footage, source=SnapshotSource(bus.js, namespace=ns), recordings=recordings
        ),
        audit_log=AuditLogReader(log=audit_reader, auditor=auditor, clock=clock),
        changes=CameraChanges(directory=directory, clock=clock),
        annual=AnnualReports(
            sessions=sessions, directory=directory, audit_log=audit_reader, clock=clock
        ),
        operations=Operations(
            ops=RegistryOps(bus, namespace=ns, timeout_s=timeout), cameras=cameras, clock=clock
        ),
        user_limiter=_limiter(sessions, "user", settings.rate_limit_user_per_minute),
        address_limiter=_limiter(sessions, "address", settings.rate_limit_address_per_minute),
        clock=clock,
        notify=NotifyService(NotifyDirectory(bus, namespace=ns, timeout_s=timeout)),
    )


def _limiter(
    sessions: async_sessionmaker[AsyncSession], scope: str, per_minute: int
) -> RateLimiter:
    """A rate limit over the buckets every replica shares."""
    return RateLimiter(sessions, RateLimit(scope, per_minute))


def _playback(
    settings: GatewaySettings,
    footage: FootageGuard,
    recordings: Recordings,
    auth: AuthService,
    clock: Clock,
) -> PlaybackService:
    return PlaybackService(
        footage=footage,
        recordings=recordings,
        auth=auth,
        codec=PlaybackCodec(
            derive_key(settings.jwt_signing_key.get_secret_value(), PLAYBACK_LABEL)
        ),
        clock=clock,
        ttl_s=settings.playback_token_ttl_s,
        max_range_s=settings.playback_max_range_s,
        live_window_s=settings.live_window_s,
        recheck_s=settings.revocation_cache_s,
    )


def _live(
    settings: GatewaySettings,
    sessions: async_sessionmaker[AsyncSession],
    bus: Bus,
    footage: FootageGuard,
    auth: AuthService,
    clock: Clock,
) -> LiveService:
    return LiveService(
        sessions=sessions,
        footage=footage,
        auth=auth,
        auditor=auth.auditor,
        edge=LiveEdge(
            bus,
            namespace=settings.nats_namespace,
            open_timeout_s=settings.live_open_timeout_s,
            control_timeout_s=settings.live_control_timeout_s,
        ),
        codec=LiveTokenCodec(derive_key(settings.jwt_signing_key.get_secret_value(), LIVE_LABEL)),
        clock=clock,
        config=LiveConfig(
            token_ttl_s=settings.live_token_ttl_s,
            retry_after_s=settings.live_retry_after_s,
            ws_queue_frames=settings.live_ws_queue_frames,
            ws_keepalive_s=settings.live_ws_keepalive_s,
        ),
    )
