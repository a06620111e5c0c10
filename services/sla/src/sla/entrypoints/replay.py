"""How ``helpdesk replay sla`` rebuilds the clocks and timers from the log (helpdesk_runtime.replay).

Ticket events are applied exactly as live (``step``: due times derive from event time, not from now). The
SLA service's own ``SlaWarning`` / ``SlaBreached`` in the log say where a timer fired: the replay fires the
armed timer of that target and kind at that point of the ticket's history, through the live timer
handler, so clocks, the remaining timers and even the re-derived event ids come out as they were. A fact
with no matching armed timer (the live service fired a timer that the replay's order no longer arms: an
input that reached the log before the firing but was consumed after it) is logged; the comparison with
the live schema then shows the ticket.

Configuration is history too: a ticket opens under the policy-set version its first ``SlaPolicyApplied``
names (found by a pre-scan of the log; the versions themselves are carried over from the live schema's
``policy_sets``). Calendars are not versioned: a calendar edited since is replayed as it is now.
"""

from __future__ import annotations

import dataclasses
import logging

from helpdesk_events import (
    SlaBreached,
    SlaPolicyApplied,
    SlaWarning,
    TicketEvent,
    TicketOpened,
    decode_ticket_event,
)
from helpdesk_runtime.consumer import Record
from helpdesk_runtime.replay import Compare, ReplaySpec
from helpdesk_runtime.timers import Timer, TimerHandler
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..adapters.store import timer_prefix
from .process import Configuration, step
from .tickets_consumer import RELEVANT, tickets_consumer

log = logging.getLogger("helpdesk.sla.replay")


async def fire_recorded(tx: Tx, event: SlaWarning | SlaBreached, fire: TimerHandler) -> bool:
    """Fire the armed timer the live service fired to record ``event``; False if none is armed."""
    kind = "warning" if isinstance(event, SlaWarning) else "breach"
    rows = await tx.conn.fetch(
        """SELECT timer_key, due_at, kind, entity_id, payload, attempts FROM timers
           WHERE entity_id = $1 AND kind = $2 AND payload->>'target' = $3 FOR UPDATE""",
        event.ticket_id,
        kind,
        event.data.target,
    )
    prefix = timer_prefix(event.ticket_id)
    for row in rows:
        threshold = row["payload"].get("threshold")
        if not row["timer_key"].startswith(prefix):
            continue
        if isinstance(event, SlaWarning) and (threshold is None or abs(float(threshold) - event.data.threshold) > 1e-9):
            continue
        timer = Timer(row["timer_key"], row["due_at"], row["kind"], row["entity_id"], row["payload"], row["attempts"])
        await fire(tx, timer)
        # As the scheduler does: the fired row goes, unless the handler re-armed it with another due time.
        await tx.conn.execute("DELETE FROM timers WHERE timer_key = $1 AND due_at = $2", timer.key, timer.due_at)
        return True
    return False


class OpeningVersions:
    """Which policy-set version each ticket opened under, as the log recorded it (its first
    ``SlaPolicyApplied``): the replay opens it under that version, not under today's configuration."""

    def __init__(self, config: Configuration) -> None:
        self.config = config
        self.opened: dict[str, str] = {}
        self._configs: dict[str, Configuration] = {config.policies.version: config}

    def see(self, record: Record) -> None:
        if dict(record.headers).get("type") != b"SlaPolicyApplied" or record.key is None:
            return
        ticket = record.key.decode()
        if ticket not in self.opened:
            event = decode_ticket_event(record.value)
            if isinstance(event, SlaPolicyApplied):
                self.opened[ticket] = event.data.policy_version

    async def for_ticket(self, tx: Tx, ticket_id: str) -> Configuration:
        version = self.opened.get(ticket_id, self.config.policies.version)
        if version not in self._configs:
            older = (await store.policy_sets(tx.conn)).get(version)
            if older is None:
                log.warning(
                    "policy set version not stored; replaying under the current one", extra={"version": version}
                )
                return self.config
            self._configs[version] = Configuration(older, self.config.calendars)
        return self._configs[version]


def replay_spec(config: Configuration, fire: TimerHandler, *, topic: str) -> ReplaySpec:
    versions = OpeningVersions(config)

    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        if isinstance(event, TicketOpened):
            await step(tx, await versions.for_ticket(tx, event.ticket_id), event.ticket_id, event)
        elif isinstance(event, RELEVANT):
            await step(tx, config, event.ticket_id, event)
        elif isinstance(event, SlaWarning | SlaBreached) and not await fire_recorded(tx, event, fire):
            log.warning(
                "recorded SLA fact has no armed timer in the replay",
                extra={"ticket_id": event.ticket_id, "type": event.type, "target": event.data.target},
            )

    # The live consumer's identity, decoding and dedupe; every record (its own facts too), this handler.
    live = tickets_consumer(config, topic=topic)
    return ReplaySpec(
        consumers=[dataclasses.replace(live, handle=handle, handle_batch=None, wants=None)],
        compare=[
            Compare("sla_tickets", "ticket_id", ignore=("updated_at",)),
            Compare("timers", "timer_key", ignore=("attempts",)),
        ],
        carry=["policy_sets"],
        prescan=versions.see,
    )
