"""Look-ups over a scenario: entities by id and a gap's effective place and client."""

from __future__ import annotations

from functools import cached_property

from flexbank.models import Client, Gap, Location, Provider, Scenario, Worker
from flexbank.policy import Limits, Policy, policy_from


class ScenarioIndex:
    """Read-only views of one scenario that every module needs."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.providers: dict[str, Provider] = {p.id: p for p in scenario.providers}
        self.clients: dict[str, Client] = {c.id: c for c in scenario.clients}
        self.workers: dict[str, Worker] = {w.id: w for w in scenario.workers}
        self.gaps: dict[str, Gap] = {g.id: g for g in scenario.gaps}

    @cached_property
    def policy(self) -> Policy:
        return policy_from(self.scenario.policy, self.scenario.version)

    @cached_property
    def limits(self) -> Limits:
        """The policy's section 2 thresholds in minutes."""
        return Limits.of(self.policy)

    @property
    def version(self) -> int:
        return self.scenario.version

    @property
    def tz(self) -> str:
        return self.scenario.timezone

    def client_of(self, gap: Gap) -> Client | None:
        return self.clients.get(gap.client_id) if gap.client_id else None

    def location_of(self, gap: Gap) -> Location:
        """The gap's own location, else its client's, else its provider's."""
        if gap.location is not None:
            return gap.location
        client = self.client_of(gap)
        if client is not None:
            return client.location
        return self.providers[gap.provider_id].location
