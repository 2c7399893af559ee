#!/usr/bin/env python3
"""Reference values for verdict's DeLong test (src/stats/delong.rs; DESIGN.md §3, `at 95%` on
auroc).

Builds paired and unpaired fixture cases, computes DeLong's test on each, and writes them to
delong.json beside this script. The JSON is committed; tests/suite/stats_reference.rs reads it
and compares verdict's `delong_paired`, `delong_unpaired` and `auroc_variance` with it: AUROCs,
variances, standard errors and z within 1e-9 relative, p-values within 1e-9 relative (or both
below 1e-300), undefined cases with the same `Undefined` variant. Regenerate with the versions
pinned in requirements.txt:

    ~/.cache/verdict-refvenv/bin/python tests/reference/delong_reference.py

How the values are computed. The test follows Sun and Xu (2014), "Fast implementation of
DeLong's algorithm for comparing the areas under correlated receiver operating characteristic
curves" (IEEE Signal Processing Letters 21(11)), written here from the paper rather than copied
from an implementation:

- midranks from `scipy.stats.rankdata` (method "average") of each score column over all rows
  (T_Z), over the positives (T_X) and over the negatives (T_Y);
- structural components V10_i = (T_Z(i) − T_X(i)) / n for the m positives and
  V01_j = 1 − (T_Z(j) − T_Y(j)) / m for the n negatives, AUC = mean of V10;
- S10, S01 = sample covariance matrices (divisor count − 1) of the components, S = S10/m + S01/n,
  var(AUC_a − AUC_b) = S_aa + S_bb − 2 S_ab; unpaired: var_a + var_b of independent samples.

Midranks are multiples of one half, so 2·n·V10 and 2·m·V01 are integers and every quantity above
is a ratio of integers: this script evaluates them exactly (Python integers and `Fraction`) and
rounds once, so the reference carries no rounding error of its own. Three independent checks
guard it: the AUROCs equal scikit-learn's `roc_auc_score`; on every case small enough the
components equal DeLong et al. (1988)'s definition (the mean of the pairwise kernel ψ, 1 for a
correctly ordered pair and ½ for a tie) computed by brute force; and the variances equal the
floating-point computation with `numpy.cov` written as in the paper. z = difference / se, the
p-value is 2·`scipy.stats.norm.sf(|z|)`, and the one-sided bounds use `scipy.stats.norm.ppf`.
When these values were generated, the widely used fast DeLong implementation of the
yandexdataschool/roc_comparison repository (compare_auc_delong_xu.py, run locally with `np.float`
replaced for NumPy 2; not vendored) agreed with every defined case: AUROCs to 3e-16, variances
to 4e-15 except 1.1e-11 on the generated paired case, where its floating-point
S_aa + S_bb − 2 S_ab cancels (the two models there are 99% the same score).

Undefined cases record verdict's reasons (scipy and numpy would return nan or warn), in the order
the Rust checks run: lengths, no rows, NaN/±inf, one class only, fewer than two rows of a class,
zero variance.

The million-row cases store a generator spec instead of data: quality_reference.py's splitmix64
(imported from it), with the columns in GENERATORS below.
"""

import json
import math
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).parent))
from quality_reference import encode_float, splitmix64_scalar, splitmix64_units  # noqa: E402

OUT = Path(__file__).with_name("delong.json")
CONFIDENCES = (0.95, 0.975)
BRUTE_FORCE_PAIRS = 4_000_000  # m·n up to which the 1988 definition is checked pair by pair

GENERATORS = {
    "splitmix64": (
        "as in quality.json, except that row i (0-based) takes three draws: u = unit(draw 3i), "
        "v = unit(draw 3i + 1), w = unit(draw 3i + 2)"
    ),
    "columns": {
        "delong": (
            "label = v < u * u; tested = floor(u * 1024) / 1024; "
            "baseline = floor((0.99 * u + 0.01 * w) * 1024) / 1024"
        ),
    },
}


def generate(spec):
    draws = splitmix64_units(spec["seed"], 3 * spec["n"])
    u, v, w = draws[0::3], draws[1::3], draws[2::3]
    assert spec["columns"] == "delong"
    return {
        "label": v < u * u,
        "tested": np.floor(u * 1024) / 1024,
        "baseline": np.floor((0.99 * u + 0.01 * w) * 1024) / 1024,
    }


# ---------------------------------------------------------------------------------------------
# DeLong, exactly.


def twice_placements(label, score):
    """Per row, twice its structural component's numerator, as an integer: for a positive
    2·n·V10 = 2 (T_Z − T_X), for a negative 2·m·V01 = 2m − 2 (T_Z − T_Y)."""
    m = int(label.sum())
    tz = stats.rankdata(score)
    out = np.empty(len(score), dtype=np.int64)
    out[label] = np.rint(2 * (tz[label] - stats.rankdata(score[label])))
    out[~label] = 2 * m - np.rint(2 * (tz[~label] - stats.rankdata(score[~label])))
    return out


def exact_auc(label, placements):
    m, n = int(label.sum()), int((~label).sum())
    return Fraction(int(placements[label].sum()), 2 * m * n)


def exact_variance(label, a, b=None):
    """var(AUC_a − AUC_b), or var(AUC_a) without b: S10/m + S01/n of the differences of the
    components, each a sample variance of integers over a known denominator."""
    d = a if b is None else a - b
    m, n = int(label.sum()), int((~label).sum())
    total = Fraction(0)
    for cls, own, other in ((True, m, n), (False, n, m)):
        x = [int(v) for v in d[label == cls]]
        s, ss = sum(x), sum(v * v for v in x)
        total += Fraction(own * ss - s * s, own * own * (own - 1) * 4 * other * other)
    return total


def paper_covariance(label, columns):
    """S = S10/m + S01/n in floating point, with numpy.cov as the paper writes it."""
    m, n = int(label.sum()), int((~label).sum())
    v10 = np.vstack([twice_placements(label, s)[label] / (2 * n) for s in columns])
    v01 = np.vstack([twice_placements(label, s)[~label] / (2 * m) for s in columns])
    return np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n


def brute_force_components(label, score):
    """DeLong et al. (1988): V10(X_i) = mean_j ψ(X_i, Y_j), V01(Y_j) = mean_i ψ(X_i, Y_j)."""
    x, y = score[label], score[~label]
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def check_auc(label, score, placements):
    m, n = int(label.sum()), int((~label).sum())
    auc = exact_auc(label, placements)
    sklearn_auc = roc_auc_score(label.astype(int), score)
    assert abs(float(auc) - sklearn_auc) <= 1e-12, ("AUROC differs from scikit-learn", float(auc), sklearn_auc)
    if m * n <= BRUTE_FORCE_PAIRS:
        v10, v01 = brute_force_components(label, score)
        assert np.allclose(v10, placements[label] / (2 * n), rtol=0, atol=1e-15)
        assert np.allclose(v01, placements[~label] / (2 * m), rtol=0, atol=1e-15)
    return auc


def close(a, b, scale):
    return abs(a - b) <= 1e-9 * scale


# ---------------------------------------------------------------------------------------------
# verdict's undefined rules.


def side_undefined(label, *scores):
    for s in scores:
        if len(label) != len(s):
            return {"kind": "LengthMismatch", "left": len(label), "right": len(s)}
    if len(label) == 0:
        return {"kind": "Empty"}
    not_finite = sum(int(np.count_nonzero(~np.isfinite(s))) for s in scores)
    if not_finite:
        return {"kind": "NotFinite", "count": not_finite}
    m, n = int(label.sum()), int((~label).sum())
    if m == 0:
        return {"kind": "SingleClass", "class": 0}
    if n == 0:
        return {"kind": "SingleClass", "class": 1}
    if m < 2 or n < 2:
        return {"kind": "ZeroDenominator"}
    return None


def result(auc_a, auc_b, difference, variance, extra=None):
    """The expected values from exact AUROCs, difference and variance."""
    if variance == 0:
        return {"undefined": {"kind": "ZeroDenominator"}}
    se = math.sqrt(float(variance))
    diff = float(difference)
    z = diff / se
    expected = {
        "auc_tested": float(auc_a),
        "auc_baseline": float(auc_b),
        "difference": diff,
        "variance": float(variance),
        "std_error": se,
        "z": z,
        "p_value": float(2 * stats.norm.sf(abs(z))),
    }
    for c in CONFIDENCES:
        q = float(stats.norm.ppf(c))
        expected[f"lower_{c}"] = diff - q * se
        expected[f"upper_{c}"] = diff + q * se
    expected.update(extra or {})
    return {"expected": expected}


def paired(label, tested, baseline):
    label = np.asarray(label, dtype=bool)
    tested, baseline = np.asarray(tested, dtype=float), np.asarray(baseline, dtype=float)
    reason = side_undefined(label, tested, baseline)
    if reason:
        return {"undefined": reason}
    a, b = twice_placements(label, tested), twice_placements(label, baseline)
    auc_a, auc_b = check_auc(label, tested, a), check_auc(label, baseline, b)
    variance = exact_variance(label, a, b)
    s = paper_covariance(label, [tested, baseline])
    paper = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    assert close(paper, float(variance), s[0, 0] + s[1, 1] + 1e-6), (paper, float(variance))
    return result(auc_a, auc_b, auc_a - auc_b, variance)


def single(label, score):
    """(AUC, variance) of one sample, exactly, or the reason it is undefined."""
    label, score = np.asarray(label, dtype=bool), np.asarray(score, dtype=float)
    reason = side_undefined(label, score)
    if reason:
        return None, reason
    p = twice_placements(label, score)
    auc, variance = check_auc(label, score, p), exact_variance(label, p)
    paper = paper_covariance(label, [score])[0, 0]
    assert close(paper, float(variance), float(variance) + 1e-6), (paper, float(variance))
    return (auc, variance), None


def unpaired(tested, baseline):
    (t, reason_t), (b, reason_b) = single(*tested), single(*baseline)
    if reason_t or reason_b:
        return {"undefined": reason_t or reason_b}
    # The AUROCs have different denominators; the difference is that of the two doubles, as
    # the Rust code computes it.
    difference = float(t[0]) - float(b[0])
    extra = {"variance_tested": float(t[1]), "variance_baseline": float(b[1])}
    return result(t[0], b[0], difference, t[1] + b[1], extra)


# ---------------------------------------------------------------------------------------------
# Fixtures.


def binormal(rng, label, separation, noise=None, decimals=3):
    """Scores of a binormal model, separation · label + unit normal noise, rounded (which keeps
    the JSON small and leaves ties between the classes)."""
    label = np.asarray(label, dtype=bool)
    noise = rng.normal(0, 1, len(label)) if noise is None else noise
    return np.round(separation * label + noise, decimals)


def paired_fixtures(rng):
    nan, inf = float("nan"), float("inf")
    fixtures = {}
    label = [0, 0, 1, 1, 0, 1, 1, 0]
    fixtures["tiny_8"] = (label, [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.9, 0.3], [0.2, 0.3, 0.5, 0.6, 0.1, 0.65, 0.8, 0.45])
    fixtures["two_per_class"] = ([0, 1, 0, 1], [0.1, 0.6, 0.3, 0.8], [0.2, 0.5, 0.6, 0.1])
    label = np.array([1, 0, 0, 1, 0, 0, 1, 0, 0, 0], dtype=bool)
    fixtures["three_positives"] = (label, np.round(rng.random(10) + 0.3 * label, 2), np.round(rng.random(10), 2))

    label = rng.random(400) < 0.4
    shared = rng.normal(0, 1, 400)
    tested = binormal(rng, label, 1.0, shared + 0.5 * rng.normal(0, 1, 400), decimals=1)
    baseline = binormal(rng, label, 0.8, shared + 0.5 * rng.normal(0, 1, 400), decimals=1)
    fixtures["ties_1_decimal"] = (label, tested, baseline)

    label = [0, 1, 0, 1, 1, 0, 1, 0]
    fixtures["signed_zero_ties"] = (label, [-0.0, 0.0, 0.5, 0.5, 1.0, 0.25, -0.0, 0.0], [0.0, -0.0, 0.3, 0.3, 0.9, 0.3, 0.1, -0.0])

    # 0.5% positives: 20 of 4000, both models fairly good, 4 decimals leave ties.
    label = np.zeros(4000, dtype=bool)
    label[rng.choice(4000, 20, replace=False)] = True
    base = rng.beta(2, 8, 4000)
    tested = np.round(np.clip(base + 0.25 * label + 0.05 * rng.normal(0, 1, 4000), 0, 1), 3)
    baseline = np.round(np.clip(base + 0.15 * label + 0.05 * rng.normal(0, 1, 4000), 0, 1), 3)
    fixtures["imbalanced_0.5pct"] = (label, tested, baseline)

    # Equal AUROCs, different rankings: swapping the scores of the lowest and highest positive
    # keeps U but moves both rows' components, so z = 0 with a positive variance.
    label = rng.random(300) < 0.3
    tested = binormal(rng, label, 1.2, decimals=3)
    positives = np.flatnonzero(label)
    low, high = positives[np.argmin(tested[positives])], positives[np.argmax(tested[positives])]
    baseline = tested.copy()
    baseline[low], baseline[high] = tested[high], tested[low]
    fixtures["equal_auc_z0"] = (label, tested, baseline)

    label = rng.random(1000) < 0.3
    noise = rng.normal(0, 1, 1000)
    tested = binormal(rng, label, 1.0, noise)
    baseline = binormal(rng, label, 1.0, 0.9 * noise + math.sqrt(1 - 0.81) * rng.normal(0, 1, 1000))
    fixtures["near_equal_correlated"] = (label, tested, baseline)

    label = rng.random(800) < 0.3
    fixtures["clearly_different"] = (label, binormal(rng, label, 2.0), binormal(rng, label, 0.7))
    label = rng.random(1000) < 0.5
    fixtures["very_different_tiny_p"] = (label, binormal(rng, label, 3.0), binormal(rng, label, 0.2))

    label = rng.random(200) < 0.5
    fixtures["constant_baseline"] = (label, binormal(rng, label, 1.0, decimals=2), [0.5] * 200)
    label = rng.random(300) < 0.5
    fixtures["logit_scale"] = (label, np.round(rng.normal(0, 3, 300) + 2 * label, 3), np.round(1e3 * rng.normal(0, 1, 300) - 1e3 * label, 1))

    fixtures["empty"] = ([], [], [])
    fixtures["length_mismatch_tested"] = ([0, 1, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4])
    fixtures["length_mismatch_baseline"] = ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2])
    fixtures["nan_in_tested"] = ([0, 1, 0, 1], [0.1, nan, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4])
    fixtures["inf_in_both"] = ([0, 1, 0, 1], [0.1, inf, 0.3, 0.4], [-inf, 0.2, 0.3, nan])
    fixtures["single_class_negative"] = ([0] * 5, [0.1, 0.2, 0.3, 0.4, 0.5], [0.5, 0.4, 0.3, 0.2, 0.1])
    fixtures["single_class_positive"] = ([1] * 5, [0.1, 0.2, 0.3, 0.4, 0.5], [0.5, 0.4, 0.3, 0.2, 0.1])
    fixtures["one_positive"] = ([0, 0, 1, 0], [0.1, 0.2, 0.3, 0.4], [0.5, 0.4, 0.3, 0.2])
    fixtures["one_negative"] = ([1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.5, 0.4, 0.3, 0.2])
    label = [0, 1, 1, 0, 1, 0]
    fixtures["same_ranking"] = (label, [0.1, 0.4, 0.35, 0.8, 0.2, 0.7], [1.2, 1.8, 1.7, 2.6, 1.4, 2.4])
    fixtures["both_perfect"] = (label, [0.1, 0.9, 0.8, 0.2, 0.7, 0.3], [0.0, 0.6, 0.7, 0.1, 0.5, 0.2])
    return fixtures


def unpaired_fixtures(rng):
    nan = float("nan")
    fixtures = {}
    fixtures["tiny"] = (
        ([1, 0, 1, 0, 1, 0, 0], [0.9, 0.1, 0.4, 0.4, 0.6, 0.3, 0.8]),
        ([0, 1, 1, 0, 1, 1, 0], [0.2, 0.7, 0.5, 0.5, 0.9, 0.1, 0.3]),
    )
    label_t, label_b = rng.random(300) < 0.4, rng.random(250) < 0.5
    fixtures["ties_1_decimal"] = (
        (label_t, binormal(rng, label_t, 1.0, decimals=1)),
        (label_b, binormal(rng, label_b, 0.8, decimals=1)),
    )
    label_t = np.zeros(2000, dtype=bool)
    label_t[rng.choice(2000, 10, replace=False)] = True
    label_b = np.zeros(1600, dtype=bool)
    label_b[rng.choice(1600, 8, replace=False)] = True
    fixtures["imbalanced_0.5pct"] = (
        (label_t, np.round(np.clip(rng.beta(2, 8, 2000) + 0.25 * label_t, 0, 1), 3)),
        (label_b, np.round(np.clip(rng.beta(2, 8, 1600) + 0.15 * label_b, 0, 1), 3)),
    )
    label = rng.random(500) < 0.3
    score = binormal(rng, label, 1.0)
    fixtures["same_sample"] = ((label, score), (label, score))
    label_t, label_b = rng.random(600) < 0.3, rng.random(500) < 0.3
    fixtures["clearly_different"] = (
        (label_t, binormal(rng, label_t, 2.0)),
        (label_b, binormal(rng, label_b, 0.7)),
    )
    label_t = rng.random(100) < 0.5
    fixtures["baseline_constant"] = (
        (label_t, binormal(rng, label_t, 1.0, decimals=2)),
        ([0, 1, 0, 1, 1, 0], [0.3] * 6),
    )
    fixtures["tested_single_class"] = (([1, 1, 1], [0.1, 0.2, 0.3]), ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]))
    fixtures["baseline_nan"] = (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), ([0, 1, 0, 1], [0.1, nan, 0.3, nan]))
    fixtures["baseline_one_negative"] = (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), ([0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4]))
    fixtures["baseline_empty"] = (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), ([], []))
    fixtures["both_perfect"] = (([0, 1, 0, 1], [0.1, 0.6, 0.3, 0.8]), ([1, 0, 1, 0, 0], [0.9, 0.1, 0.8, 0.3, 0.2]))
    return fixtures


# ---------------------------------------------------------------------------------------------
# The document.


def labels(column):
    return [int(bool(x)) for x in column]


def floats(column):
    return [encode_float(x) for x in column]


def build():
    rng = np.random.default_rng(20260514)
    cases = []
    for name, (label, tested, baseline) in paired_fixtures(rng).items():
        inputs = {"label": labels(label), "tested": floats(tested), "baseline": floats(baseline)}
        cases.append({"name": f"paired/{name}", "kind": "paired", "inputs": inputs, **paired(label, tested, baseline)})
    for name, (tested, baseline) in unpaired_fixtures(rng).items():
        inputs = {
            "tested": {"label": labels(tested[0]), "score": floats(tested[1])},
            "baseline": {"label": labels(baseline[0]), "score": floats(baseline[1])},
        }
        cases.append({"name": f"unpaired/{name}", "kind": "unpaired", "inputs": inputs, **unpaired(tested, baseline)})

    assert np.array_equal(splitmix64_units(5, 999), splitmix64_scalar(5, 999))
    spec = lambda seed: {"generator": "splitmix64", "seed": seed, "n": 1_000_000, "columns": "delong"}  # noqa: E731
    g = generate(spec(21))
    cases.append({"name": "paired/generated_splitmix64_1m", "kind": "paired", "inputs": spec(21), **paired(g["label"], g["tested"], g["baseline"])})
    t, b = generate(spec(22)), generate(spec(23))
    cases.append({
        "name": "unpaired/generated_splitmix64_1m",
        "kind": "unpaired",
        "inputs": {"tested": {**spec(22), "score": "tested"}, "baseline": {**spec(23), "score": "baseline"}},
        **unpaired((t["label"], t["tested"]), (b["label"], b["baseline"])),
    })
    return cases


def encode_expected(case):
    """Expected values are plain JSON numbers, read back within an ulp: inside the tolerance."""
    assert all(math.isfinite(v) for v in case.get("expected", {}).values()), case["name"]
    return case


def write(document):
    """One case per line: compact, yet a regenerated file diffs readably."""
    lines = ["{"]
    for key in ("generated_by", "versions", "tolerance", "encoding", "generators"):
        lines.append(f" {json.dumps(key)}: {json.dumps(document[key])},")
    lines.append(' "cases": [')
    dump = lambda v: json.dumps(v, separators=(",", ":"))  # noqa: E731
    lines.append(",\n".join(f"  {dump(c)}" for c in document["cases"]))
    lines.append(" ]")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")


def main():
    warnings.simplefilter("ignore")
    cases = [encode_expected(c) for c in build()]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    document = {
        "generated_by": "tests/reference/delong_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "tolerance": (
            "abs(got - expected) <= 1e-9 * abs(expected); p_value also when both are below 1e-300; "
            "bounds: abs(got - expected) <= 1e-9 * (abs(difference) + 3 * std_error)"
        ),
        "encoding": (
            "labels as 0/1; NaN and infinities as the strings NaN, inf, -inf; expected.lower_C and "
            "upper_C are the one-sided bounds of tested - baseline at confidence C"
        ),
        "generators": GENERATORS,
        "cases": cases,
    }
    write(document)
    assert json.loads(OUT.read_text()) == json.loads(json.dumps(document))
    undefined_count = sum("undefined" in c for c in cases)
    print(f"wrote {len(cases)} cases ({undefined_count} undefined) to {OUT}")


if __name__ == "__main__":
    main()
