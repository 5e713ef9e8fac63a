"""``tncam units|sites|tickets|maintenance|needs``: the operator duties from the command line
(parity with the gateway's endpoints; replies printed as JSON, one message)."""

from __future__ import annotations

import argparse
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts import catalog
from tncam_mesh.bus import Bus
from tncam_registry.cli import EXIT_OK, _call, _run, actor


def _ask(spec: catalog.RequestSpec, build: Any, reply: type[Message]) -> Any:
    """A command: build the request from the arguments, call, print the reply as JSON."""

    def command(args: argparse.Namespace) -> int:
        async def work(bus: Bus, ns: str) -> int:
            answer = await _call(bus, ns, spec, build(args), reply)
            print(json_format.MessageToJson(answer, preserving_proto_field_name=True))
            return EXIT_OK

        return _run(work)

    return command


def _contact(args: argparse.Namespace, prefix: str) -> rpb.UnitContact:
    return rpb.UnitContact(
        **{f: getattr(args, f"{prefix}_{f}") or "" for f in ("name", "position", "phone", "email")}
    )


def _contact_args(p: argparse.ArgumentParser) -> None:
    for prefix in ("leader", "it"):
        for f in ("name", "position", "phone", "email"):
            p.add_argument(f"--{prefix}-{f}")


def _unit_update(args: argparse.Namespace) -> rpb.UpdateUnitRequest:
    mask = [
        m
        for m, prefix in (("leader", "leader"), ("it_focal", "it"))
        if getattr(args, f"{prefix}_name")
    ]
    unit = rpb.Unit(id=args.id, leader=_contact(args, "leader"), it_focal=_contact(args, "it"))
    return rpb.UpdateUnitRequest(actor=actor(), id=args.id, unit=unit, update_mask=mask)


def register_units(subparsers: Any) -> None:
    """``tncam units list|create|contacts``."""
    sub = subparsers.add_parser("units", help="owning units and their contacts").add_subparsers(
        dest="units_command", metavar="COMMAND", required=True
    )
    p = sub.add_parser("list", help="every unit with its leader and IT focal point")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_UNITS,
            lambda a: rpb.ListUnitsRequest(actor=actor()),
            rpb.ListUnitsReply,
        )
    )
    p = sub.add_parser("create", help="add a department, service center or sector center")
    p.add_argument("id")
    p.add_argument("--name", required=True)
    p.add_argument(
        "--kind", required=True, choices=["department", "service_center", "sector_center"]
    )
    p.add_argument("--sector", default="")
    _contact_args(p)
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_CREATE_UNIT,
            lambda a: rpb.CreateUnitRequest(
                actor=actor(),
                unit=rpb.Unit(
                    id=a.id,
                    name=a.name,
                    kind=a.kind,
                    sector_code=a.sector,
                    leader=_contact(a, "leader"),
                    it_focal=_contact(a, "it"),
                ),
            ),
            rpb.UnitReply,
        )
    )
    p = sub.add_parser("contacts", help="set a unit's leader and/or IT focal point")
    p.add_argument("id")
    _contact_args(p)
    p.set_defaults(func=_ask(catalog.REGISTRY_UPDATE_UNIT, _unit_update, rpb.UnitReply))


def register_sites(subparsers: Any) -> None:
    """``tncam sites list|notice``."""
    sub = subparsers.add_parser("sites", help="sites and their notice sign").add_subparsers(
        dest="sites_command", metavar="COMMAND", required=True
    )
    p = sub.add_parser("list", help="sites (by commune, unit, missing sign)")
    p.add_argument("--commune", default="")
    p.add_argument("--unit", default="")
    p.add_argument("--notice-missing", action="store_true")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_SITES,
            lambda a: rpb.ListSitesRequest(
                actor=actor(),
                commune_code=a.commune,
                unit_id=a.unit,
                notice_missing=a.notice_missing,
                page_size=500,
            ),
            rpb.ListSitesReply,
        )
    )
    p = sub.add_parser("notice", help="record the notice sign's check at a site")
    p.add_argument("id")
    p.add_argument("--absent", action="store_true", help="no sign found (default: present)")
    p.add_argument("--checked-on", required=True, help="YYYY-MM-DD")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_UPDATE_SITE,
            lambda a: rpb.UpdateSiteRequest(
                actor=actor(),
                id=a.id,
                site=rpb.Site(notice_present=not a.absent, notice_checked_on=a.checked_on),
                update_mask=["notice_present", "notice_checked_on"],
            ),
            rpb.SiteReply,
        )
    )


def _ticket(spec: catalog.RequestSpec) -> Any:
    return _ask(
        spec,
        lambda a: rpb.FaultTicketActionRequest(
            actor=actor(),
            ticket_id=a.id,
            note=getattr(a, "note", "") or "",
            cause=getattr(a, "cause", "") or "",
        ),
        rpb.FaultTicketReply,
    )


def register_tickets(subparsers: Any) -> None:
    """``tncam tickets list|ack|note|close``."""
    sub = subparsers.add_parser("tickets", help="fault tickets").add_subparsers(
        dest="tickets_command", metavar="COMMAND", required=True
    )
    p = sub.add_parser("list", help="fault tickets, newest first")
    p.add_argument("--camera", default="")
    p.add_argument("--unit", default="")
    p.add_argument("--open", action="store_true")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_FAULT_TICKETS,
            lambda a: rpb.ListFaultTicketsRequest(
                actor=actor(),
                camera_id=a.camera,
                owner_unit_id=a.unit,
                open_only=a.open,
                page_size=500,
            ),
            rpb.ListFaultTicketsReply,
        )
    )
    p = sub.add_parser("ack", help="acknowledge a ticket")
    p.add_argument("id")
    p.set_defaults(func=_ticket(catalog.REGISTRY_ACKNOWLEDGE_FAULT_TICKET))
    p = sub.add_parser("note", help="add a note")
    p.add_argument("id")
    p.add_argument("note")
    p.set_defaults(func=_ticket(catalog.REGISTRY_ADD_FAULT_TICKET_NOTE))
    p = sub.add_parser("close", help="close with its cause")
    p.add_argument("id")
    p.add_argument("--cause", required=True)
    p.set_defaults(func=_ticket(catalog.REGISTRY_CLOSE_FAULT_TICKET))


def register_maintenance(subparsers: Any) -> None:
    """``tncam maintenance list|record`` and ``tncam needs list``."""
    sub = subparsers.add_parser("maintenance", help="maintenance records (Art. 14)").add_subparsers(
        dest="maintenance_command", metavar="COMMAND", required=True
    )
    p = sub.add_parser("list", help="maintenance visits, newest first")
    p.add_argument("--camera", default="")
    p.add_argument("--unit", default="")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_MAINTENANCE_RECORDS,
            lambda a: rpb.ListMaintenanceRecordsRequest(
                actor=actor(), camera_id=a.camera, owner_unit_id=a.unit, page_size=500
            ),
            rpb.ListMaintenanceRecordsReply,
        )
    )
    p = sub.add_parser("record", help="record a visit")
    p.add_argument("camera")
    p.add_argument("--done-on", default="", help="YYYY-MM-DD (default today)")
    p.add_argument("--note", default="")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_RECORD_MAINTENANCE,
            lambda a: rpb.RecordMaintenanceRequest(
                actor=actor(), camera_id=a.camera, done_on=a.done_on, note=a.note
            ),
            rpb.RecordMaintenanceReply,
        )
    )


def register_needs(subparsers: Any) -> None:
    """``tncam needs list``."""
    sub = subparsers.add_parser("needs", help="annual connection needs (Art. 22)").add_subparsers(
        dest="needs_command", metavar="COMMAND", required=True
    )
    p = sub.add_parser("list", help="a year's registrations and the units still missing")
    p.add_argument("--year", type=int, default=0, help="default: next year")
    p.add_argument("--unit", default="")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_CONNECTION_NEEDS,
            lambda a: rpb.ListConnectionNeedsRequest(
                actor=actor(), year=a.year, unit_id=a.unit, page_size=500
            ),
            rpb.ListConnectionNeedsReply,
        )
    )
