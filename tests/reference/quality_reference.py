#!/usr/bin/env python3
"""Reference values for verdict's quality and summary metrics (DESIGN.md §3).

Builds fixture cases, computes each metric with the library DESIGN.md names (scikit-learn 1.9,
NumPy 2), and writes them to quality.json beside this script. The JSON is committed;
tests/suite/quality_reference.rs reads it and compares verdict's functions to it within 1e-9
relative. Regenerate after changing a fixture, with the versions pinned in requirements.txt:

    python -m venv ~/.cache/verdict-refvenv
    ~/.cache/verdict-refvenv/bin/pip install -r tests/reference/requirements.txt
    ~/.cache/verdict-refvenv/bin/python tests/reference/quality_reference.py

When a metric is undefined on a fixture, the case records why instead of a value. Those rules
are verdict's, not the libraries' (scikit-learn returns 0 for a zero denominator, NumPy sums an
empty column to 0), so `undefined()` below restates them, in the order the Rust checks run:
lengths, parameters, no rows, NaN/±inf, probabilities outside [0, 1], then per metric.

Each fixture's columns are stored once under "datasets"; a case names its dataset in "inputs"
and the metric reads the columns it needs (label/score, target/prediction, values, mask). The
million-row cases are not stored at all: "inputs" is a generator spec that the Rust test
implements too (see GENERATORS), so they cost a few bytes of JSON.
"""

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics as skm

OUT = Path(__file__).with_name("quality.json")

RANKING = ("auroc", "auprc")
CALIBRATION = ("logloss", "brier", "ece")
THRESHOLD = ("accuracy", "precision", "recall", "f1", "balanced_accuracy")
REGRESSION = ("rmse", "mae", "mape", "r2")
SUMMARY = ("quantile", "mean", "min", "max", "sum", "std", "count")
LEVELS = (0.5, 0.9, 0.95, 0.99, 0.999)  # p50, p90, p95, p99, p999

GENERATORS = {
    "splitmix64": (
        "state = seed; next(): state += 0x9E3779B97F4A7C15 (mod 2^64); z = state; "
        "z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; "
        "return z ^ (z >> 31). unit(x) = (x >> 11) * 2^-53, in [0, 1). Row i (0-based) takes "
        "u = unit(draw 2i) and v = unit(draw 2i + 1), draws counted from 0 after seeding."
    ),
    "columns": {
        "binary": "score = floor(u * 1024) / 1024; label = v < score * score",
        "regression": "target = 100 * u; prediction = 100 * u + 20 * (v - 0.5)",
        "values": "values = 1000 * u * u * u; mask = v < 0.25",
    },
}


# ---------------------------------------------------------------------------------------------
# The generator, vectorised: splitmix64's state is a counter, so draw k is mix(seed + k * gamma).

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix64_units(seed, count):
    k = np.arange(1, count + 1, dtype=np.uint64)
    z = k * np.uint64(GAMMA) + np.uint64(seed & MASK64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def generate(spec):
    draws = splitmix64_units(spec["seed"], 2 * spec["n"])
    u, v = draws[0::2], draws[1::2]
    if spec["columns"] == "binary":
        score = np.floor(u * 1024) / 1024
        return {"label": v < score * score, "score": score}
    if spec["columns"] == "regression":
        return {"target": 100 * u, "prediction": 100 * u + 20 * (v - 0.5)}
    return {"values": 1000 * u * u * u, "mask": v < 0.25}


def splitmix64_scalar(seed, count):
    """The textbook sequential form, to check the vectorised one against."""
    state, out = seed & MASK64, []
    for _ in range(count):
        state = (state + GAMMA) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append((z ^ (z >> 31)) >> 11)
    return np.array(out, dtype=np.float64) * 2.0**-53


# ---------------------------------------------------------------------------------------------
# verdict's undefined rules.


def undefined(metric, inputs, params):
    if metric in REGRESSION:
        floats = [inputs["target"], inputs["prediction"]]
    elif metric in SUMMARY:
        floats = [inputs["values"]]
    elif metric == "rate":
        floats = [np.asarray(inputs["mask"], dtype=np.float64)]
    else:
        floats = [inputs["score"]]
        if len(inputs["label"]) != len(inputs["score"]):
            return {"kind": "LengthMismatch", "left": len(inputs["label"]), "right": len(inputs["score"])}
    if metric in REGRESSION and len(floats[0]) != len(floats[1]):
        return {"kind": "LengthMismatch", "left": len(floats[0]), "right": len(floats[1])}
    if metric in THRESHOLD and math.isnan(params["threshold"]):
        return {"kind": "OutOfRange"}
    if metric == "quantile" and not 0.0 <= params["q"] <= 1.0:
        return {"kind": "OutOfRange"}
    if metric == "count":
        return None
    if len(floats[0]) == 0:
        return {"kind": "Empty"}
    not_finite = int(sum(np.count_nonzero(~np.isfinite(f)) for f in floats))
    if not_finite:
        return {"kind": "NotFinite", "count": not_finite}
    if metric in CALIBRATION and np.any((floats[0] < 0) | (floats[0] > 1)):
        return {"kind": "OutOfRange"}
    if metric in RANKING or metric in THRESHOLD:
        label = np.asarray(inputs["label"], dtype=bool)
        positives, negatives = int(label.sum()), int((~label).sum())
        predicted = int((inputs["score"] >= params.get("threshold", 0.0)).sum())
        # scikit-learn's balanced accuracy on one class averages the one recall it has (with a
        # warning); verdict refuses it, as it refuses AUROC there.
        if metric in ("auroc", "balanced_accuracy") and positives == 0:
            return {"kind": "SingleClass", "class": 0}
        if metric in ("auroc", "balanced_accuracy") and negatives == 0:
            return {"kind": "SingleClass", "class": 1}
        if metric == "auprc" and positives == 0:
            return {"kind": "NoPositives"}
        if (
            (metric == "precision" and predicted == 0)
            or (metric == "recall" and positives == 0)
            or (metric == "f1" and positives + predicted == 0)
        ):
            return {"kind": "ZeroDenominator"}
    if metric == "r2" and np.all(inputs["target"] == inputs["target"][0]):
        return {"kind": "ConstantTarget"}
    return None


# ---------------------------------------------------------------------------------------------
# The reference implementations.


def ece(label, score):
    """Expected calibration error, verdict's definition (calibration.rs): 10 equal-width bins,
    bin = min(floor(score * 10), 9), ece = sum over non-empty bins of
    (rows in bin / rows) * |mean label in bin - mean score in bin|."""
    bins = np.minimum(np.floor(score * 10).astype(np.int64), 9)
    label = label.astype(np.float64)
    total = 0.0
    for b in range(10):
        in_bin = bins == b
        rows = int(in_bin.sum())
        if rows:
            total += rows / len(score) * abs(label[in_bin].mean() - score[in_bin].mean())
    return total


def reference(metric, inputs, params):
    if metric in RANKING + CALIBRATION + THRESHOLD:
        y = np.asarray(inputs["label"], dtype=np.int64)
        s = inputs["score"]
    if metric == "auroc":
        return skm.roc_auc_score(y, s)
    if metric == "auprc":
        return skm.average_precision_score(y, s)
    if metric == "logloss":
        # labels=[0, 1]: scikit-learn otherwise refuses a single class, where the loss is defined.
        return skm.log_loss(y, s, labels=[0, 1])
    if metric == "brier":
        return skm.brier_score_loss(y, s, pos_label=1)
    if metric == "ece":
        return ece(y, s)
    if metric in THRESHOLD:
        predicted = (s >= params["threshold"]).astype(np.int64)
        if metric == "accuracy":
            return skm.accuracy_score(y, predicted)
        if metric == "balanced_accuracy":
            return skm.balanced_accuracy_score(y, predicted)
        score_fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
        return score_fn[metric](y, predicted, labels=[0, 1], pos_label=1, zero_division=np.nan)
    if metric == "rmse":
        return skm.root_mean_squared_error(inputs["target"], inputs["prediction"])
    if metric == "mae":
        return skm.mean_absolute_error(inputs["target"], inputs["prediction"])
    if metric == "mape":
        return skm.mean_absolute_percentage_error(inputs["target"], inputs["prediction"])
    if metric == "r2":
        return skm.r2_score(inputs["target"], inputs["prediction"])
    if metric == "rate":
        return np.mean(np.asarray(inputs["mask"], dtype=bool))
    x = inputs["values"]
    if metric == "quantile":
        # np.percentile(x, 100 * q) is the same computation; q itself is passed so that no
        # rescaling rounds it differently from the q the Rust test passes.
        return np.quantile(x, params["q"], method="linear")
    if metric == "count":
        return np.count_nonzero(~np.isnan(x))
    return {"mean": np.mean, "min": np.min, "max": np.max, "sum": np.sum, "std": np.std}[metric](x)


# ---------------------------------------------------------------------------------------------
# Cases.


def encode_float(v):
    """JSON has no NaN or infinity; the Rust loader reads these three strings back. Finite values
    are written as repr(v), the shortest text that reads back to the same double in Python; the
    assertion makes sure serde_json reads back the same double too."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    assert serde_json_default_parse(repr(v)) == v, f"{v!r} would read back differently in Rust"
    return v


POW10 = [float(f"1e{i}") for i in range(309)]


def serde_json_default_parse(text):
    """serde_json without its `float_roundtrip` feature (as verdict builds it) reads a number as
    `significand as f64` scaled by one power of ten, which can be one ulp off for long decimals.
    An input read differently would move ties and bin edges, so inputs are kept short enough
    (see `short`) to read exactly; this emulation checks that they do."""
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?", text)
    sign, whole, fraction, exponent = m.group(1), m.group(2), m.group(3) or "", m.group(4) or "0"
    significand, exponent = int(whole + fraction), int(exponent) - len(fraction)
    assert significand < 2**64, text
    f = float(significand)
    while exponent < -308 and f != 0.0:
        f, exponent = f / 1e308, exponent + 308
    f = f * POW10[exponent] if exponent >= 0 else f / POW10[-exponent]
    return -f if sign else f


def short(values):
    """Random inputs rounded to 12 significant digits, so they read back exactly in Rust."""
    return np.array([float(f"{x:.12g}") for x in values])


def encode_inputs(inputs):
    out = {}
    for key, column in inputs.items():
        if key in ("label", "mask"):
            out[key] = [int(bool(x)) for x in column]
        else:
            out[key] = [encode_float(x) for x in column]
    return out


def as_arrays(inputs):
    return {
        k: np.asarray(v, dtype=bool if k in ("label", "mask") else np.float64) for k, v in inputs.items()
    }


def make_case(name, metric, arrays, params, source):
    """`source` is what the JSON says about the inputs: a dataset name or a generator spec."""
    picked = {k: v for k, v in arrays.items() if k in needed(metric)}
    case = {"name": name, "metric": metric, "inputs": source}
    case["params"] = {k: encode_float(v) for k, v in params.items()}
    reason = undefined(metric, picked, params)
    if reason is None:
        value = float(reference(metric, picked, params))
        assert math.isfinite(value), (name, value)
        case["expected"] = value
    else:
        case["undefined"] = reason
    return case


def param_sets(metric, thresholds, levels):
    if metric in THRESHOLD:
        return [({"threshold": t}, f"@{t}") for t in thresholds]
    if metric == "quantile":
        return [({"q": q}, f"@{q}") for q in levels]
    return [({}, "")]


def family_cases(dataset, arrays, metrics, source, thresholds=(0.5,), levels=LEVELS):
    out = []
    for metric in metrics:
        for params, suffix in param_sets(metric, thresholds, levels):
            out.append(make_case(f"{dataset}/{metric}{suffix}", metric, arrays, params, source))
    return out


def needed(metric):
    if metric in REGRESSION:
        return ("target", "prediction")
    if metric in SUMMARY:
        return ("values",)
    if metric == "rate":
        return ("mask",)
    return ("label", "score")


def classification_fixtures(rng):
    nan, inf = float("nan"), float("inf")
    random = short(rng.random(500))
    tied = np.round(rng.random(200), 1)
    # 0.5% positives: 20 of 4000, scored higher on average; 4 decimals keep the JSON small and
    # leave ties between the classes.
    imbalanced_label = np.zeros(4000, dtype=bool)
    imbalanced_label[rng.choice(4000, 20, replace=False)] = True
    imbalanced_score = np.round(np.clip(rng.beta(2, 8, 4000) + 0.25 * imbalanced_label, 0, 1), 4)
    logits = np.round(rng.normal(0, 2, 300), 3)
    return {
        "sklearn_example": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], (0.5, 0.35)),
        "random_500": (rng.random(500) < random, random, (0.5, 0.0, 1.0)),
        "tied_scores": (rng.random(200) < tied, tied, (0.5, 0.3)),
        "imbalanced_0.5pct": (imbalanced_label, imbalanced_score, (0.5, 0.3)),
        "all_equal_scores": ([i % 3 == 0 for i in range(60)], [0.3] * 60, (0.3, 0.5)),
        "single_class_negative": ([0] * 20, np.round(rng.random(20), 3), (0.5,)),
        "single_class_positive": ([1] * 20, np.round(rng.random(20), 3), (0.5,)),
        "nan_and_inf_scores": ([0, 1, 0, 1, 1, 0], [0.2, nan, 0.4, inf, 0.9, 0.1], (0.5,)),
        "n1_positive": ([1], [0.7], (0.5, 0.8)),
        "n1_negative": ([0], [0.7], (0.5, 0.8)),
        "n2": ([0, 1], [0.2, 0.9], (0.5,)),
        "n2_tied": ([0, 1], [0.5, 0.5], (0.5,)),
        "signed_zero_tie": ([0, 1, 0, 1], [-0.0, 0.0, 0.5, 0.5], (0.0, 0.5)),
        "perfect": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], (0.5,)),
        "inverted": ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9], (0.5,)),
        "certain_and_wrong": ([1, 0, 1, 0, 1], [0.0, 1.0, 1.0, 0.0, 1e-20], (0.5,)),
        "ece_bin_edges": ([1, 0, 1, 0, 1, 0, 1], [0.0, 0.1, 0.3, 0.7, 0.9, 0.99, 1.0], (0.5,)),
        "logit_scores": (rng.random(300) < 1 / (1 + np.exp(-logits)), logits, (0.0, 1.5)),
        "out_of_range": ([0, 1, 1, 0], [-0.1, 0.6, 1.2, 0.3], (0.5,)),
        "empty": ([], [], (0.5,)),
        "length_mismatch": ([0, 1, 1], [0.2, 0.8], (0.5,)),
        "nan_threshold": ([0, 1, 1], [0.2, 0.8, 0.6], (float("nan"),)),
    }


def regression_fixtures(rng):
    nan, inf = float("nan"), float("inf")
    target = short(rng.normal(50, 10, 300))
    offset = short(1e6 + rng.normal(0, 1, 200))
    return {
        "sklearn_example": ([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]),
        "random_300": (target, short(target + rng.normal(0, 3, 300))),
        "large_offset": (offset, short(offset + rng.normal(0, 0.1, 200))),
        "perfect": ([1.0, 2.0, 4.0, 8.0], [1.0, 2.0, 4.0, 8.0]),
        "worse_than_mean": ([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]),
        "constant_target": ([2.5] * 30, np.round(rng.normal(2.5, 1, 30), 3)),
        "constant_inexact_mean": ([0.1] * 7, [0.1, 0.2, 0.0, 0.1, 0.3, 0.1, 0.1]),
        "n1": ([1.5], [2.0]),
        "n2": ([1.0, 2.0], [1.5, 1.5]),
        # MAPE divides by max(|y|, eps): zero targets give huge terms, not a division by zero.
        "zero_targets": ([0.0, 0.0, 1.0, -2.0, -0.0], [0.1, 0.0, 1.5, -2.0, 3.0]),
        "all_zero_targets_exact": ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
        "small_targets": ([1e-20, -3e-17, 2.5, 4.0], [2e-20, 0.0, 2.0, 4.4]),
        "nan_and_inf": ([1.0, inf, 3.0, 4.0], [1.0, 2.0, nan, 4.0]),
        "empty": ([], []),
        "length_mismatch": ([1.0, 2.0], [1.0, 2.0, 3.0]),
    }


def summary_fixtures(rng):
    nan, inf = float("nan"), float("inf")
    levels = LEVELS + (0.0, 0.25, 1.0)
    return {
        "small": ([1.0, 2.0, 3.0, 4.0], levels),
        "lognormal_1001": (short(rng.lognormal(0, 1, 1001)), levels),
        "lognormal_1000": (short(rng.lognormal(3, 2, 1000)), levels),
        "ties_and_signed_zero": ([5.0, -2.0, 0.0, -0.0, 5.0, 1e-300, 5.0, -0.0], levels),
        "constant_column": ([4.2] * 50, (0.5, 0.999)),
        # Cancellation: only NumPy's pairwise summation order gives NumPy's sum (8.0) here.
        "cancellation": ([1e16] + [1.0] * 8 + [-1e16], (0.5,)),
        "n1": ([3.5], (0.0, 0.5, 0.999, 1.0)),
        "n2": ([10.0, 1.0], (0.0, 0.5, 0.9, 0.999, 1.0)),
        "nan_present": ([1.0, nan, 3.0], (0.5,)),
        "inf_present": ([1.0, -inf, 3.0, inf], (0.5,)),
        "empty": ([], (0.5,)),
        "level_out_of_range": ([1.0, 2.0], (-0.1, 1.5, float("nan"))),
    }


def mask_fixtures():
    return {
        "mixed": [1, 0, 0, 1, 1],
        "all_false": [0] * 9,
        "all_true": [1] * 3,
        "n1": [1],
        "empty": [],
    }


def build():
    """Returns the stored datasets (name → columns) and the cases computed on them."""
    rng = np.random.default_rng(20240611)
    datasets, cases = {}, []

    def add(name, inputs, metrics, **options):
        assert name not in datasets, name
        datasets[name] = encode_inputs(inputs)
        cases.extend(family_cases(name, as_arrays(inputs), metrics, name, **options))

    for name, (label, score, thresholds) in classification_fixtures(rng).items():
        add(f"classification/{name}", {"label": label, "score": score}, RANKING + CALIBRATION + THRESHOLD, thresholds=thresholds)
    for name, (target, prediction) in regression_fixtures(rng).items():
        add(f"regression/{name}", {"target": target, "prediction": prediction}, REGRESSION)
    for name, (values, levels) in summary_fixtures(rng).items():
        add(f"summary/{name}", {"values": values}, SUMMARY, levels=levels)
    for name, mask in mask_fixtures().items():
        add(f"rate/{name}", {"mask": mask}, ("rate",))

    assert np.array_equal(splitmix64_units(7, 1000), splitmix64_scalar(7, 1000))
    for columns, metrics, seed in (
        ("binary", RANKING + CALIBRATION + THRESHOLD, 1),
        ("regression", REGRESSION, 2),
        ("values", SUMMARY + ("rate",), 3),
    ):
        spec = {"generator": "splitmix64", "seed": seed, "n": 1_000_000, "columns": columns}
        cases += family_cases(f"generated/splitmix64_1m_{columns}", generate(spec), metrics, spec)
    return datasets, cases


def write(document):
    """One dataset column and one case per line: compact, yet a regenerated file diffs readably."""
    dump = lambda v: json.dumps(v, separators=(",", ":"))  # noqa: E731
    lines = ["{"]
    for key in ("generated_by", "versions", "tolerance", "encoding", "generators"):
        lines.append(f" {json.dumps(key)}: {json.dumps(document[key])},")
    lines.append(' "datasets": {')
    datasets = list(document["datasets"].items())
    for i, (name, columns) in enumerate(datasets):
        lines.append(f"  {json.dumps(name)}: {{")
        body = [f"   {json.dumps(k)}: {dump(v)}" for k, v in columns.items()]
        lines.append(",\n".join(body))
        lines.append("  }" + ("," if i + 1 < len(datasets) else ""))
    lines.append(" },")
    lines.append(' "cases": [')
    lines.append(",\n".join(f"  {dump(c)}" for c in document["cases"]))
    lines.append(" ]")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")


def main():
    warnings.simplefilter("ignore")  # scikit-learn warns on the edge cases it is fed on purpose
    datasets, cases = build()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    document = {
        "generated_by": "tests/reference/quality_reference.py",
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "tolerance": "abs(got - expected) <= 1e-9 * max(1, abs(expected))",
        "encoding": "labels and masks as 0/1; NaN and infinities as the strings NaN, inf, -inf",
        "generators": GENERATORS,
        "datasets": datasets,
        "cases": cases,
    }
    write(document)
    assert json.loads(OUT.read_text()) == json.loads(json.dumps(document))
    undefined_count = sum("undefined" in c for c in cases)
    print(f"wrote {len(cases)} cases ({undefined_count} undefined) to {OUT}")


if __name__ == "__main__":
    main()
