"""The planted hand-over (docs/sources.md): user 1 goes from a blue contract to a green one in
June 2024 and invoices under both, at every seed and scale."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.as_of import parse_as_of
from jump.data_platform.sources.extract import extract_sources
from support.sqlite_rows import rows


@pytest.mark.parametrize(("seed", "scale"), [(42, 1), (7, 1), (3, 2)])
def test_user_1_hands_over_from_blue_to_green_mid_june_2024(
    tmp_path: Path, seed: int, scale: int
) -> None:
    settings = Settings(data_folder=tmp_path, random_seed=seed)
    extract_sources(settings, ["app"], parse_as_of("2024-06-30"), scale)
    app = settings.sources_folder / "app.sqlite"
    contracts = rows(
        app, "select entity, start_date, end_date from job_contracts where user_id = 1 order by 2"
    )
    assert contracts[0][0] == "blue" and contracts[0][2] == "2024-06-14"
    assert contracts[1] == ("green", "2024-06-17", None)  # not ended yet, as of June
    june = rows(
        app,
        "select distinct c.entity from invoices i join job_contracts c on c.id = i.job_contract_id"
        " where c.user_id = 1 and i.issue_date like '2024-06-%' order by 1",
    )
    assert june == [("blue",), ("green",)]
