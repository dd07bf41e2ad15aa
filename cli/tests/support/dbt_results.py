"""What the last dbt build of a data folder did, from its `run_results.json`."""

from __future__ import annotations

import json

from jump.data_platform.settings import Settings


def rebuilt_models(settings: Settings) -> set[str]:
    """The names of the models and snapshots the last build ran."""
    results = json.loads(settings.run_results_file.read_text(encoding="utf-8"))["results"]
    return {
        str(result["unique_id"]).split(".")[-1]
        for result in results
        if str(result["unique_id"]).split(".")[0] in ("model", "snapshot")
    }
