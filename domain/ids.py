"""Relay global ids ("Type:id", base64) and their safe decoding."""

from __future__ import annotations

from strawberry.relay import GlobalID, GlobalIDValueError

from domain.errors import DomainError, ErrorCode


def to_global_id(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


def parse_global_id(value: str) -> tuple[str, int] | None:
    """(type name, primary key), or None for anything that is not one of our ids."""
    try:
        gid = GlobalID.from_id(value)
        pk = int(gid.node_id)
    except (GlobalIDValueError, ValueError, TypeError):
        return None
    if pk <= 0 or pk > 2**62:
        return None
    if to_global_id(gid.type_name, pk) != value:  # one id per object: no padding, NULs or leading zeros
        return None
    return gid.type_name, pk


def decode_id(value: str, *type_names: str, field: list[str] | None = None) -> int:
    """The primary key of an id of one of `type_names`; NOT_FOUND for anything else."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] not in type_names:
        raise DomainError(ErrorCode.NOT_FOUND, f"no {' or '.join(type_names)} with id {value!r}", field)
    return parsed[1]


def decode_ids(values: list[str], *type_names: str, field: list[str] | None = None) -> list[int]:
    return [decode_id(v, *type_names, field=field) for v in values]
