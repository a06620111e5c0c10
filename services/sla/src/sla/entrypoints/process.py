"""One SLA step inside the processing transaction: load the clocks, decide, record, publish, re-arm timers."""

from __future__ import annotations

import logging
from typing import Any

from helpdesk_events import TicketEvent
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.clocks import evolve_all
from ..domain.decide import Rules, TimerFired, decide, timers
from ..domain.policy import SlaPolicies
from ..domain.publish import Cause, to_events

log = logging.getLogger("helpdesk.sla")


class Configuration:
    """The current policy set and calendars, plus older policy set versions read from the database."""

    def __init__(self, policies: SlaPolicies, calendars: dict[str, Any]) -> None:
        self.policies = policies
        self.calendars = calendars
        self._versions: dict[str, SlaPolicies] = {policies.version: policies}

    async def rules(self, tx: Tx, version: str | None) -> Rules:
        if version is not None and version not in self._versions:
            self._versions.update(await store.policy_sets(tx.conn))
            self._versions[self.policies.version] = self.policies
        return Rules(current=self.policies, calendars=self.calendars, versions=dict(self._versions))


async def step(
    tx: Tx, config: Configuration, ticket_id: str, when: TicketEvent | TimerFired, cause: Cause | None = None
) -> None:
    before, row = await store.load(tx, ticket_id)
    version = before.policy.policy_version if before.policy else None
    rules = await config.rules(tx, version)
    facts = decide(before, when, rules)
    if not facts:
        if isinstance(when, TimerFired) and before.policy is not None:
            # A stale firing (re-planned meanwhile): make sure the current plan is armed.
            await store.sync_timers(tx, ticket_id, timers(before, config.calendars[before.policy.calendar]))
        return
    after = evolve_all(before, facts)
    tenant = row["tenant"] if row else getattr(when, "tenant", "default")
    correlation = row["correlation"] if row else getattr(when, "correlation_id", None)
    if cause is None:
        event_id = getattr(when, "event_id", None)
        cause = Cause(str(event_id), ticket_id, tenant, event_id, getattr(when, "correlation_id", None) or correlation)
    for event in to_events(facts, before, after, cause):
        tx.emit(event)
    await store.save(tx, after, tenant, correlation)
    if after.policy is not None:
        await store.sync_timers(tx, ticket_id, timers(after, config.calendars[after.policy.calendar]))
