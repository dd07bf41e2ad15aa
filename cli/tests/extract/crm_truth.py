"""Who each CRM row really is: the simulation knows, the CRM file does not."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from jump.data_platform.sources.crm.crm import simulate_customers
from jump.data_platform.sources.extract import Simulation
from support.constants import AS_OF


def crm_truth(simulation: Simulation) -> dict[int, int | None]:
    """CRM customer id -> the App user id it stands for (None for a prospect)."""
    customers = simulate_customers(
        simulation.seed, simulation.scale, simulation.timeline, simulation.people
    )
    visible = np.flatnonzero(customers.created_second <= simulation.timeline.cutoff_second)
    return {
        int(row) + 1: (int(customers.person[row]) + 1 if customers.person[row] >= 0 else None)
        for row in visible
    }


def matching_inputs(
    seed: int, as_of: datetime = AS_OF
) -> tuple[list[tuple[int, str, str, str]], list[tuple[object, ...]], dict[int, int | None]]:
    """The App's users, the CRM's customers and the truth, at scale 1."""
    simulation = Simulation(seed, 1, as_of)
    users = simulation.tables("app")["users"].select(["id", "first_name", "last_name", "email"])
    customers = simulation.tables("crm")["customers"].select(
        ["id", "last_name", "first_name", "email", "satisfaction_score", "updated_at"]
    )
    return (
        [tuple(row.values()) for row in users.to_pylist()],  # type: ignore[misc]
        [tuple(row.values()) for row in customers.to_pylist()],
        crm_truth(simulation),
    )
