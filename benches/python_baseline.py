"""The same gate as benches/gate-10m.policy, scripted the way a user would without verdict:
polars to read, scikit-learn for AUROC, Evidently's PSI, numpy for quantiles.

Also times the floor the issue sets: only reading the needed columns and sorting the score
columns. Prints one JSON object with the timings in seconds.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
import polars as pl
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.core import ColumnType
from sklearn.metrics import roc_auc_score

FEATURES = [f"f{k:02}" for k in range(20)]
COLUMNS = ["label", "score", "latency_ms", "memory_mb"] + FEATURES


def read(path):
    return pl.read_parquet(path, columns=COLUMNS)


def floor(champion, challenger):
    start = time.perf_counter()
    a, b = read(champion), read(challenger)
    np.sort(a["score"].to_numpy())
    np.sort(b["score"].to_numpy())
    return time.perf_counter() - start


def python_gate(champion, challenger):
    start = time.perf_counter()
    a, b = read(champion), read(challenger)
    results = {}
    results["auroc"] = (
        roc_auc_score(b["label"].to_numpy(), b["score"].to_numpy()),
        roc_auc_score(a["label"].to_numpy(), a["score"].to_numpy()),
    )
    for column in ["score"] + FEATURES:
        reference = pd.Series(a[column].to_numpy())
        current = pd.Series(b[column].to_numpy())
        results[f"psi({column})"] = _psi(reference, current, ColumnType.Numerical, 0.1)[0]
    for q in (50, 99):
        results[f"p{q}"] = (
            np.percentile(b["latency_ms"].to_numpy(), q),
            np.percentile(a["latency_ms"].to_numpy(), q),
        )
    results["max_memory"] = (b["memory_mb"].max(), a["memory_mb"].max())
    return time.perf_counter() - start


def evidently_drift(reference, current):
    """Evidently's DataDriftPreset on the score, the 20 features and the two text columns, as
    benches/drift-1m.policy tests them. Prints the per-column values for the cross-check; returns
    the seconds taken by reading and the report."""
    start = time.perf_counter()
    columns = ["score"] + FEATURES + ["segment", "device"]
    ref = pl.read_parquet(reference, columns=columns).to_pandas()
    cur = pl.read_parquet(current, columns=columns).to_pandas()
    from evidently import Report
    from evidently.presets import DataDriftPreset

    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    seconds = time.perf_counter() - start
    values = {}
    for metric in snapshot.dict()["metrics"]:
        column = metric["config"].get("column")
        if column is not None:
            values[column] = metric["value"]
    print(json.dumps(values))
    return seconds


if __name__ == "__main__":
    champion, challenger = sys.argv[1], sys.argv[2]
    print(json.dumps({"floor_s": floor(champion, challenger), "python_gate_s": python_gate(champion, challenger)}))
