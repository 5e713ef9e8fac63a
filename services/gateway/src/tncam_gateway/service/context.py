"""Everything the API needs at request time, built once per process from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import Message
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_contracts.catalog import RequestSpec
from tncam_gateway.clients.audit import Auditor, AuditSink
from tncam_gateway.clients.recorder import Recordings
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.clients.snapshots import SnapshotSource
from tncam_gateway.domain.lockout import LockoutPolicy
from tncam_gateway.domain.passwords import Argon2Parameters, PasswordHasher, PasswordPolicy
from tncam_gateway.domain.playback import PlaybackCodec
from tncam_gateway.domain.ratelimit import RateLimiter
from tncam_gateway.domain.tokens import TokenCodec
from tncam_gateway.domain.totp import SeedBox
from tncam_gateway.service.accounts import AccountAdmin
from tncam_gateway.service.analytics import AnalyticsGate
from tncam_gateway.service.auth import AuthConfig, AuthService
from tncam_gateway.service.exports import ExportService
from tncam_gateway.service.footage import FootageGuard
from tncam_gateway.service.grants import GrantService
from tncam_gateway.service.playback import PlaybackService
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.aead import derive_key
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus
from tncam_mesh.clock import Clock, utc_now
from tncam_mesh.jetstream import publish
from tncam_mesh.rpc import call

Rep = TypeVar("Rep", bound=Message)


@dataclass
class GatewayState:
    """The gateway's services, shared by all requests of one process."""

    settings: GatewaySettings
    auth: AuthService
    accounts: AccountAdmin
    grants: GrantService
    footage: FootageGuard
    directory: CameraDirectory
    recordings: Recordings
    playback: PlaybackService
    exports: ExportService
    analytics: AnalyticsGate
    snapshots: SnapshotSource
    bus: Bus
    user_limiter: RateLimiter
    address_limiter: RateLimiter
    clock: Clock

    async def rpc(
        self,
        spec: RequestSpec,
        request: Message,
        reply_type: type[Rep],
        *,
        timeout: float | None = None,
    ) -> Rep:
        """Call another service's operation in this gateway's namespace (the configured RPC
        timeout unless ``timeout`` is given)."""
        return await call(
            self.bus,
            spec,
            request,
            reply_type,
            namespace=self.settings.nats_namespace,
            timeout=self.settings.rpc_timeout_s if timeout is None else timeout,
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
            derive_key(settings.jwt_signing_key.get_secret_value(), "tncam-gateway-jwt"),
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
        config=AuthConfig(
            refresh_ttl_s=settings.refresh_token_ttl_s,
            session_max_age_s=settings.session_max_age_s,
            password_max_age_days=settings.password_max_age_days,
            lockout=LockoutPolicy(
                threshold=settings.lockout_threshold,
                base_s=settings.lockout_base_s,
                max_s=settings.lockout_max_s,
            ),
            address_lockout=LockoutPolicy(
                threshold=settings.lockout_address_threshold,
                base_s=settings.lockout_base_s,
                max_s=settings.lockout_max_s,
            ),
            revocation_cache_s=settings.revocation_cache_s,
            totp_issuer=settings.totp_issuer,
        ),
        clock=clock,
    )


def build_state(
    settings: GatewaySettings,
    sessions: async_sessionmaker[AsyncSession],
    bus: Bus,
    *,
    clock: Clock = utc_now,
    audit_sink: AuditSink | None = None,
) -> GatewayState:
    """Compose the gateway from settings, its database and the bus."""
    ns = settings.nats_namespace
    sink = audit_sink or AuditClient(bus.js, service="gateway", namespace=ns)
    auth = build_auth(settings, sessions, sink, clock)
    directory = CameraDirectory(bus, namespace=ns, timeout_s=settings.rpc_timeout_s)
    js: JetStreamContext = bus.js

    async def publish_event(subject: str, message: Any, msg_id: str) -> None:
        assert isinstance(message, Message)
        await publish(js, subject, message, msg_id=msg_id)

    footage = FootageGuard(
        sessions=sessions, auditor=auth.auditor, clock=clock, scope_of=directory.scope
    )
    recordings = Recordings(
        bus,
        namespace=ns,
        timeout_s=settings.rpc_timeout_s,
        export_timeout_s=settings.export_rpc_timeout_s,
    )
    return GatewayState(
        settings=settings,
        auth=auth,
        accounts=AccountAdmin(auth, inactive_days=settings.account_inactive_days),
        grants=GrantService(
            sessions=sessions,
            auditor=auth.auditor,
            clock=clock,
            scope_of=directory.scope,
            publish=publish_event,
            namespace=ns,
        ),
        footage=footage,
        directory=directory,
        recordings=recordings,
        playback=PlaybackService(
            footage=footage,
            recordings=recordings,
            auth=auth,
            codec=PlaybackCodec(
                derive_key(settings.jwt_signing_key.get_secret_value(), "tncam-gateway-playback")
            ),
            clock=clock,
            ttl_s=settings.playback_token_ttl_s,
            max_range_s=settings.playback_max_range_s,
            live_window_s=settings.live_window_s,
        ),
        exports=ExportService(
            sessions=sessions,
            footage=footage,
            recordings=recordings,
            clock=clock,
            download_window_s=settings.export_download_window_s,
            max_range_s=settings.export_max_range_s,
        ),
        analytics=AnalyticsGate(
            sessions=sessions, auditor=auth.auditor, clock=clock, scope_of=directory.scope
        ),
        snapshots=SnapshotSource(js, namespace=ns),
        bus=bus,
        user_limiter=RateLimiter(settings.rate_limit_user_per_minute),
        address_limiter=RateLimiter(settings.rate_limit_address_per_minute),
        clock=clock,
    )
