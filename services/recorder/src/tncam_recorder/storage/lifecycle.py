"""Lifecycle rules between the recorder's own form and the minio SDK's."""

from __future__ import annotations

from minio.commonconfig import ENABLED, AndOperator, Filter, Tag, Tags
from minio.lifecycleconfig import Expiration, NoncurrentVersionExpiration, Rule

from tncam_recorder.domain.retention import LifecycleRule


def to_rule(r: LifecycleRule) -> Rule:
    """The SDK rule of ``r``."""
    if r.tag is not None:
        tags = Tags(for_object=False)
        tags[r.tag[0]] = r.tag[1]
        rule_filter = (
            Filter(and_operator=AndOperator(r.prefix, tags))
            if r.prefix
            else Filter(tag=Tag(r.tag[0], r.tag[1]))
        )
    else:
        rule_filter = Filter(prefix=r.prefix)
    expiration = None
    if r.expiration_days is not None or r.expired_delete_marker:
        expiration = Expiration(
            days=r.expiration_days, expired_object_delete_marker=r.expired_delete_marker or None
        )
    noncurrent = (
        NoncurrentVersionExpiration(noncurrent_days=r.noncurrent_days)
        if r.noncurrent_days is not None
        else None
    )
    return Rule(
        ENABLED,
        rule_filter=rule_filter,
        rule_id=r.rule_id,
        expiration=expiration,
        noncurrent_version_expiration=noncurrent,
    )


def from_rule(r: Rule) -> LifecycleRule:
    """The recorder's form of a stored rule."""
    f = r.rule_filter
    prefix = ""
    tag: tuple[str, str] | None = None
    if f is not None:
        if f.and_operator is not None:
            prefix = f.and_operator.prefix or ""
            items = list((f.and_operator.tags or {}).items())
            tag = items[0] if len(items) == 1 else None
        else:
            prefix = f.prefix or ""
            if f.tag is not None:
                tag = (f.tag.key, f.tag.value)
    exp = r.expiration
    nc = r.noncurrent_version_expiration
    return LifecycleRule(
        rule_id=r.rule_id or "",
        prefix=prefix,
        tag=tag,
        expiration_days=exp.days if exp is not None else None,
        noncurrent_days=nc.noncurrent_days if nc is not None else None,
        expired_delete_marker=bool(exp.expired_object_delete_marker) if exp is not None else False,
    )
