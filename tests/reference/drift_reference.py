#!/usr/bin/env python3
"""Reference values for verdict's two-sample drift metrics: psi, kl, js, wasserstein, ks,
chisquare, z, and the test `auto` picks per column.

Writes tests/reference/drift.json beside this script. The values come from the libraries that
define the metrics (DESIGN.md section 3), called the way Evidently calls them:

- psi, kl, js, wasserstein: Evidently 0.7.23's own stat-test functions
  (evidently.legacy.calculations.stattests.{psi,kl_div,jensenshannon,wasserstein_distance_norm}),
  after the cleaning Evidently's drift calculation applies first (inf -> NaN, NaN dropped);
- ks: scipy 1.17 ``scipy.stats.ks_2samp(reference, current)`` (two-sided, method "auto");
- chisquare, z: Evidently's ``_chi_stat_test`` and ``_z_stat_test`` (p-values; a NaN p-value,
  one category on both sides, is written as undefined ``OutOfRange``);
- categorical_cases: text columns (``null`` is a missing value) scored by Evidently's psi,
  kl_div, jensenshannon with ``ColumnType.Categorical``, and chisquare and z;
- auto_cases: columns of a given dtype (``float``, ``int``, ``bool``, ``str``; an ``int`` column
  with a null becomes float64 on that side, as ``polars.DataFrame.to_pandas`` makes it), typed
  by Evidently's ``_get_column_type`` (which goes by current's dtype when the two differ) and tested by the stat test ``get_stattest(..., None)`` picks, with that
  test's default threshold;
- kstwo_sf: ``scipy.stats.kstwo.sf(d, n)`` at points chosen to reach every branch scipy's
  ``_kolmogn`` takes, so that the asymptotic p-value is checked branch by branch;
- stattest_cases: Evidently's other stat tests (hellinger, TVD, ...), each through Evidently's
  own function (or, for a statistic Evidently does not return, the scipy call it makes), on
  numeric samples (``kind`` "numeric", parts as above) or text (``kind`` "text", ``null`` is
  missing); ``expected`` maps the verdict metric name to ``{"statistic": s}`` plus ``"p"`` for a
  test, or ``{"undefined": variant}``. Tolerance: relative 1e-9 for p-values and test
  statistics, ``1e-9 * max(1, |expected|)`` for distances;
- psi/kl/js with ``bins = quantile(n)``: verdict's own option, defined here (``quantile_percents``)
  and then scored with Evidently's formulas.

Run it with the pinned libraries (tests/reference/requirements.txt):

    python tests/reference/drift_reference.py
    python tests/reference/drift_reference.py --stattests-only   # rewrites stattest_cases only

Floats are written as strings holding Python's repr (shortest round-trip form), so every value
survives the trip into Rust exactly, and NaN / inf inputs can be written at all.

Large samples are not stored: a sample part of the form
``{"generator": "splitmix64", "seed": s, "n": n, "scale": a, "shift": b, "levels": k}`` stands for
the values ``shift + scale * u_i`` (or ``shift + scale * floor(u_i * levels)`` when ``levels`` is
set), i = 1..n, where ``u_i = (z_i >> 11) * 2**-53`` and ``z_i`` is SplitMix64's output for the
state ``seed + i * 0x9E3779B97F4A7C15`` (mod 2**64). Every step is exact in both languages.
"""

import json
import math
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
from evidently.legacy.calculations.stattests.energy_distance import _energy_dist
from evidently.legacy.calculations.stattests.hellinger_distance import _hellinger_distance
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.kl_div import _kl_div
from evidently.legacy.calculations.stattests.mann_whitney_urank_stattest import _mannwhitneyu_rank
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.calculations.stattests.t_test import _t_test2samp
from evidently.legacy.calculations.stattests.tvd_stattest import _total_variation_distance
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import (
    _wasserstein_distance_norm,
)
from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test
from evidently.legacy.core import ColumnType
from evidently.legacy.utils.data_preprocessing import _get_column_type, _InputData

OUT = Path(__file__).with_name("drift.json")
NUM = ColumnType.Numerical
CAT = ColumnType.Categorical
GOLDEN = 0x9E3779B97F4A7C15


# ---------------------------------------------------------------------------------------------
# Sample construction


def splitmix64_uniform(seed: int, n: int) -> np.ndarray:
    """u_1..u_n in [0, 1) from SplitMix64 (see the module docstring)."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    z = np.uint64(seed) + i * np.uint64(GOLDEN)  # uint64 arrays wrap silently
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def gen(seed, n, scale=1.0, shift=0.0, levels=None):
    return {"generator": "splitmix64", "seed": seed, "n": n, "scale": scale, "shift": shift,
            "levels": levels}


def build(parts) -> np.ndarray:
    """The values a list of parts stands for (stored values or generator specs)."""
    out = []
    for part in parts:
        if isinstance(part, dict):
            u = splitmix64_uniform(part["seed"], part["n"])
            if part["levels"] is not None:
                u = np.floor(u * part["levels"])
            out.append(part["shift"] + part["scale"] * u)
        else:
            out.append(np.asarray(part, dtype=np.float64))
    return np.concatenate(out) if out else np.zeros(0)


def encode_typed(values: list) -> list:
    """Floats as repr strings (NaN and inf included), everything else as JSON has it."""
    return [repr(v) if isinstance(v, float) else v for v in values]


def encode_parts(parts):
    return [part if isinstance(part, dict) else {"values": [repr(float(v)) for v in part]}
            for part in parts]


def clean(values: np.ndarray) -> pd.Series:
    """Evidently's cleaning before any drift test (legacy/calculations/data_drift.py)."""
    return pd.Series(values).replace([-np.inf, np.inf], np.nan).dropna()


# ---------------------------------------------------------------------------------------------
# verdict's quantile bins, in numpy


def evidently_fill(percents: np.ndarray) -> np.ndarray:
    """get_binned_data's zero fill, copied from Evidently 0.7.23 (utils.py)."""
    percents = percents.copy()
    smallest = min(percents[percents != 0])
    np.place(percents, percents == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return percents


def quantile_percents(ref: pd.Series, cur: pd.Series, n: int, fill: bool):
    """bins = quantile(n): cut points np.quantile(ref, k/n), k = 1..n-1 (method "linear"),
    duplicates dropped; a value goes to bucket searchsorted(cuts, x, side="right"), i.e. the
    buckets are (-inf, c1), [c1, c2), ..., [c_last, inf). Percents are counts / sample size,
    then Evidently's zero fill when ``fill``."""
    ref = np.asarray(ref, dtype=np.float64)
    cur = np.asarray(cur, dtype=np.float64)
    cuts = np.unique(np.quantile(ref, np.arange(1, n) / n))
    buckets = len(cuts) + 1
    r = np.bincount(np.searchsorted(cuts, ref, side="right"), minlength=buckets) / len(ref)
    c = np.bincount(np.searchsorted(cuts, cur, side="right"), minlength=buckets) / len(cur)
    if fill:
        r, c = evidently_fill(r), evidently_fill(c)
    return r, c


# ---------------------------------------------------------------------------------------------
# The metrics


def metrics_of(ref_values: np.ndarray, cur_values: np.ndarray, quantile_bins: int) -> dict:
    ref, cur = clean(ref_values), clean(cur_values)
    names = ["psi", "kl", "js", "psi_quantile", "kl_quantile", "js_quantile", "wasserstein", "ks",
             "chisquare", "z"]
    if ref.empty or cur.empty:
        return {name: {"undefined": "Empty"} for name in names}

    out = {}

    def binned(name, fn):
        try:
            out[name] = num(fn(ref, cur, NUM, 0.1)[0])
        except ValueError as e:  # numpy: "Too many bins for data range"
            if "Too many bins" not in str(e):
                raise
            out[name] = {"undefined": "OutOfRange"}

    binned("psi", _psi)
    binned("kl", _kl_div)
    binned("js", _jensenshannon)

    r, c = quantile_percents(ref, cur, quantile_bins, fill=True)
    out["psi_quantile"] = num(np.sum((r - c) * np.log(r / c)))
    out["kl_quantile"] = num(stats.entropy(r, c))
    r, c = quantile_percents(ref, cur, quantile_bins, fill=False)
    out["js_quantile"] = num(distance.jensenshannon(r, c))

    out["wasserstein"] = num(_wasserstein_distance_norm(ref, cur, NUM, 0.1)[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ks = stats.ks_2samp(ref, cur)
    out["ks"] = {"statistic": num(ks.statistic), "pvalue": num(ks.pvalue)}
    if any("Exact calculation unsuccessful" in str(w.message) for w in caught):
        out["ks"]["note"] = "exact p-value out of [0, 1]: scipy fell back to kstwo"
    out.update(frequency_tests(ref, cur))
    return out


def frequency_tests(ref: pd.Series, cur: pd.Series) -> dict:
    """Evidently's chi-square and z tests; both ignore the feature type."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chi = _chi_stat_test(ref, cur, CAT, 0.05)[0]
        z = _z_stat_test(ref, cur, CAT, 0.05)[0]
    return {"chisquare": {"undefined": "OutOfRange"} if math.isnan(chi) else num(chi), "z": num(z)}


def categorical_metrics(ref_values: list, cur_values: list) -> dict:
    ref = pd.Series(ref_values, dtype=object).dropna()
    cur = pd.Series(cur_values, dtype=object).dropna()
    if ref.empty or cur.empty:
        return {name: {"undefined": "Empty"} for name in ["psi", "kl", "js", "chisquare", "z"]}
    out = {
        "psi": num(_psi(ref, cur, CAT, 0.1)[0]),
        "kl": num(_kl_div(ref, cur, CAT, 0.1)[0]),
        "js": num(_jensenshannon(ref, cur, CAT, 0.1)[0]),
    }
    out.update(frequency_tests(ref, cur))
    return out


def typed(values: list, dtype: str) -> pd.Series:
    if dtype == "str":
        return pd.Series(values, dtype=object)
    if dtype == "int" and any(v is None for v in values):
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    return pd.Series(values, dtype={"float": "float64", "int": "int64", "bool": "bool"}[dtype])


def auto_choice(dtype: str, ref_values: list, cur_values: list) -> dict:
    ref, cur = typed(ref_values, dtype), typed(cur_values, dtype)
    feature_type = _get_column_type("x", _InputData(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})))
    ref = ref.replace([-np.inf, np.inf], np.nan).dropna()
    cur = cur.replace([-np.inf, np.inf], np.nan).dropna()
    test = get_stattest(ref, cur, feature_type, None)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = test(ref, cur, feature_type, None)
    return {"feature_type": feature_type.value, "test": test.name,
            "threshold": num(result.actual_threshold), "score": num(result.drift_score),
            "drifted": bool(result.drifted)}


def num(x) -> str:
    x = float(x)
    if math.isnan(x):
        raise ValueError("a reference value is NaN")
    return repr(x)


# ---------------------------------------------------------------------------------------------
# The cases


def cases():
    rng = np.random.default_rng(20240611)
    normal = lambda mu, sd, n: rng.normal(mu, sd, n)  # noqa: E731

    nan_ref = normal(0, 1, 120)
    nan_ref[[3, 17, 40]] = np.nan
    nan_ref[[5, 60]] = np.inf
    nan_ref[88] = -np.inf
    nan_cur = normal(0.3, 1, 90)
    nan_cur[[0, 45]] = np.nan
    nan_cur[70] = -np.inf

    twenty = np.repeat(np.arange(20) * 0.25, 5)
    twenty_one = np.repeat(np.arange(21) * 0.25, 5)
    a5 = [1.0, 2.0, 3.0, 4.0, 5.0]

    yield "normal_shifted", [normal(0, 1, 400)], [normal(0.4, 1.2, 300)], 10, \
        "Sturges bins; KS exact, unequal sizes"
    yield "normal_unshifted_equal_n", [normal(0, 1, 500)], [normal(0, 1, 500)], 10, \
        "KS exact, equal sizes"
    yield "ties_rounded", [np.round(normal(0, 1, 300), 1)], [np.round(normal(0.2, 1, 250), 1)], 10, \
        "many tied values, more than 20 distinct"
    yield "low_cardinality_current_only_values", [rng.integers(0, 5, 200).astype(float)], \
        [rng.integers(0, 8, 150).astype(float)], 4, \
        "at most 20 distinct: one bucket per value; 5, 6, 7 only in current"
    yield "signed_zero", [[0.0, -0.0, 1.0, 2.0, -0.0, 1.0]], [[-0.0, 2.0, 3.0, 0.0]], 3, \
        "-0.0 and 0.0 are one value"
    yield "exactly_20_distinct", [twenty], [normal(2.0, 1.5, 80)], 5, \
        "20 distinct reference values: per-value buckets over the union"
    yield "21_distinct", [twenty_one], [normal(2.0, 1.5, 80)], 5, "21 distinct: Sturges"
    yield "constant_same", [[3.0] * 50], [[3.0] * 40], 10, "a constant column on both sides"
    yield "constant_vs_two_values", [[3.0] * 50], [[3.0] * 20 + [4.0] * 20], 10, \
        "constant reference, wasserstein normalised by the 0.001 floor"
    yield "constant_ref_continuous_cur", [[1.0] * 30], [normal(1, 1, 40)], 10, \
        "one reference value: 41 buckets, 40 of them only in current"
    yield "empty_bucket_fill_both_branches", [gen(11, 20000), [10.0]], [gen(12, 5000), [5.0]], 10, \
        "reference: an outlier bin holds 1/20001 <= 1e-4, so its empty bins get that / 1e6; " \
        "current: smallest share 1/5001 > 1e-4, empty bins get 1e-4"
    yield "n1_vs_n1", [[1.5]], [[2.5]], 10, "one value each"
    yield "n1_vs_n2", [[1.0]], [[0.5, 2.0]], 10, "one against two"
    yield "n2_vs_n2_same", [[1.0, 2.0]], [[2.0, 1.0]], 2, "two against the same two"
    yield "nan_inf_present", [nan_ref], [nan_cur], 10, "NaN and +-inf are dropped first"
    yield "empty_reference", [[]], [[1.0, 2.0]], 10, "empty reference"
    yield "all_nan_current", [[1.0, 2.0, 3.0]], [[np.nan, np.inf, -np.inf]], 10, \
        "nothing finite in current"
    yield "ks_exact_fallback_n5", [a5], [[v + 0.5 for v in a5]], 5, \
        "D = 1/5: scipy's exact p rounds above 1, so it falls back to kstwo.sf(0.2, 2)"
    yield "ks_exact_equal_10000", [gen(21, 10000)], [gen(22, 10000, shift=0.01)], 10, \
        "largest exact case, equal sizes"
    yield "ks_exact_unequal_10000", [gen(23, 10000)], [gen(24, 9999, shift=0.01)], 10, \
        "largest exact case, unequal sizes (lattice-path recursion)"
    yield "ks_asymp_10001", [gen(25, 10001)], [gen(26, 10001)], 10, \
        "asymptotic: en = 5000.5 rounds to 5000"
    yield "ks_asymp_smirnov", [gen(27, 15000)], [gen(28, 12000, shift=0.03)], 10, \
        "asymptotic, n*d^2 >= 2.2: twice the one-sided Smirnov probability"
    yield "ks_asymp_underflow", [gen(29, 20000)], [gen(30, 20000, shift=0.5)], 10, \
        "p-value underflows to 0; the statistic is what is compared"
    yield "ks_asymp_small_other_50", [gen(31, 20000)], [gen(32, 50, shift=0.1)], 10, \
        "asymptotic with n = 50: a small-n method"
    yield "ks_asymp_small_other_3", [gen(33, 20000)], [gen(34, 3, shift=0.2)], 3, \
        "asymptotic with n = 3"
    yield "ks_asymp_small_other_1", [gen(35, 20000)], [[0.9]], 2, \
        "asymptotic with n = 1 (Ruben-Gambino)"
    yield "too_many_bins", [gen(36, 600000, scale=2.0**-52, shift=1.0, levels=22)], \
        [gen(37, 600000, scale=2.0**-52, shift=1.0, levels=22)], 10, \
        "22 Sturges bins over a range of 21 ulps: numpy (and so Evidently) refuses"
    yield "uniform_1m_shifted", [gen(41, 1_000_000)], [gen(42, 1_000_000, shift=0.003)], 10, \
        "1M rows per side; KS p-value from the double-double Smirnov sum at n = 500000"
    yield "uniform_1m_unshifted", [gen(43, 1_000_000)], [gen(44, 1_000_000)], 10, \
        "1M rows per side; KS p-value from Pelz-Good"
    yield "uniform_1m_vs_1_5m_scaled", [gen(45, 1_000_000, scale=3.0, shift=-1.0)], \
        [gen(46, 1_500_000, scale=3.1, shift=-1.05)], 20, "unequal large sizes, 20 quantile bins"


def categorical_cases():
    rng = np.random.default_rng(20260301)

    def draw(categories, p, n):
        return [str(v) for v in rng.choice(categories, size=n, p=p)]

    yield "text_shifted", draw(["a", "b", "c", "d"], [0.4, 0.3, 0.2, 0.1], 500), \
        draw(["a", "b", "c", "d"], [0.3, 0.3, 0.25, 0.15], 400), "four categories, shifted shares"
    yield "text_new_in_current", draw(["de", "fr", "it"], [0.5, 0.3, 0.2], 300), \
        draw(["de", "fr", "it", "es"], [0.45, 0.3, 0.2, 0.05], 250), \
        "a category absent from the reference: chi-square p-value 0"
    yield "text_gone_from_current", draw(["x", "y", "z"], [0.6, 0.35, 0.05], 2000), \
        draw(["x", "y"], [0.6, 0.4], 1500), "a category absent from current: zero fill"
    yield "text_binary_with_nulls", draw(["no", "yes"], [0.8, 0.2], 300) + [None] * 7, \
        [None] * 3 + draw(["no", "yes"], [0.7, 0.3], 200), "two categories, missing values dropped"
    yield "text_unicode_order", ["é", "e", "z", "É"] * 30, ["é", "e", "e", "z"] * 20, \
        "categories sorted by code point (z picks the smallest)"
    yield "text_one_category", ["k"] * 40, ["k"] * 10, "one category on both sides"
    yield "text_many_rows", draw(["p", "q", "r", "s", "t"], [0.3, 0.25, 0.2, 0.15, 0.1], 50000), \
        draw(["p", "q", "r", "s", "t"], [0.29, 0.26, 0.2, 0.15, 0.1], 40000), "50k rows"
    yield "text_empty_current", ["a", "b"], [None, None], "nothing in current"


def auto_cases():
    rng = np.random.default_rng(20260302)
    normal = lambda mu, n: [float(v) for v in rng.normal(mu, 1, n)]  # noqa: E731
    ints = lambda k, n, off=0: [int(v) + off for v in rng.integers(0, k, n)]  # noqa: E731
    cats = lambda c, n: [str(v) for v in rng.choice(c, n)]  # noqa: E731
    yield "float_1000_continuous", "float", normal(0, 1000), normal(0.1, 800), "ks, the largest small reference"
    yield "float_1001_continuous", "float", normal(0, 1001), normal(0.1, 800), "wasserstein from 1001 rows"
    yield "float_nan_cleaned_to_1000", "float", normal(0, 1000) + [float("nan")] * 3 + [float("inf")], \
        normal(0, 300), "1004 rows, 1000 finite: ks"
    yield "float_4_values", "float", [float(v) for v in ints(4, 600)], [float(v) for v in ints(4, 500)], \
        "numerical with 4 distinct values: chisquare"
    yield "float_2_values", "float", [float(v) for v in ints(2, 600)], [float(v) for v in ints(2, 500)], \
        "numerical with 2 distinct values: z"
    yield "float_5_values_large", "float", [float(v) for v in ints(5, 3000)], \
        [float(v) for v in ints(5, 2000)], "numerical with 5 distinct values over 1000 rows: js"
    yield "int_3_values", "int", ints(3, 700), ints(3, 700, 1), "int with 3 reference values, 4 in the union: categorical, chisquare"
    yield "int_8_values", "int", ints(8, 700), ints(8, 600), "int with 8 values: numerical, ks"
    yield "int_reference_constant", "int", [7] * 200, ints(7, 150), \
        "int, 1 reference value (categorical by the reference), 7 in the union: chisquare"
    yield "int_null_in_reference", "int", [7] * 199 + [None], ints(7, 150), \
        "a null makes the reference float64, but Evidently types by current's int64: chisquare"
    yield "int_null_in_current", "int", [7] * 200, ints(7, 149) + [None], \
        "a null makes current float64, which Evidently types by: numerical, ks"
    yield "int_3_values_large", "int", ints(3, 5000), ints(3, 4000), "categorical over 1000 rows: js"
    yield "int_9_values_large", "int", ints(9, 5000), ints(9, 4000, 1), "numerical over 1000 rows: wasserstein"
    yield "bool_small", "bool", [bool(v) for v in ints(2, 400)], [bool(v) for v in ints(2, 300)], "bool: z"
    yield "bool_large", "bool", [bool(v) for v in ints(2, 4000)], [bool(v) for v in ints(2, 3000)], "bool over 1000 rows: js"
    yield "str_small", "str", cats(["a", "b", "c"], 500), cats(["a", "b", "c", "d"], 400), \
        "text, a category new in current: chisquare (p = 0)"
    yield "str_binary_small", "str", cats(["n", "y"], 500), cats(["n", "y"], 400), "text with two values: z"
    yield "str_large", "str", cats(["a", "b", "c", "d"], 3000), cats(["a", "b", "c"], 2000), \
        "text over 1000 rows, a category gone from current: js"
    yield "str_constant_same", "str", ["k"] * 30, ["k"] * 20, "one value on both sides: z gives 1"


# kstwo.sf(d, n) at points covering each branch of scipy's _kolmogn (survival side).
KSTWO_POINTS = [
    (1, 0.3, "d <= 1/2n: 1"),
    (1, 0.75, "Ruben-Gambino, t <= 1"),
    (5, 0.15, "Ruben-Gambino, t <= 1"),
    (5, 0.85, "Ruben-Gambino, t >= n - 1"),
    (3, 0.7, "Ruben-Gambino, t >= n - 1"),
    (5, 0.6, "x >= 0.5: 2 * smirnov"),
    (5, 0.3, "n <= 140: Durbin matrix"),
    (5, 0.45, "n <= 140: Pomeranz"),
    (50, 0.1, "n <= 140: Durbin matrix"),
    (50, 0.2, "n <= 140: Pomeranz"),
    (50, 0.35, "n <= 140: 2 * smirnov"),
    (140, 0.12, "n <= 140: Pomeranz"),
    (140, 0.05, "n <= 140: Durbin matrix"),
    (200, 0.004, "Ruben-Gambino, t <= 1, Stirling"),
    (1000, 0.01, "Durbin matrix (n x^1.5 <= 1.4)"),
    (1000, 0.02, "Pelz-Good"),
    (1000, 0.05, "2 * smirnov"),
    (1000, 0.7, "x >= 0.5: 2 * smirnov"),
    (2000, 0.45, "n x^2 >= 370: 0"),
    (5000, 0.003, "Durbin matrix"),
    (5000, 0.005, "Pelz-Good"),
    (5000, 0.03, "2 * smirnov"),
    (100000, 0.0005, "Durbin matrix, largest n"),
    (100001, 0.0005, "Pelz-Good"),
    (500000, 0.001, "Pelz-Good"),
    (500000, 0.0025, "2 * smirnov, double-double sum"),
    (2000000, 0.0005, "Pelz-Good"),
    (2000000, 0.002, "2 * smirnov, large-n approximation"),
]


# ---------------------------------------------------------------------------------------------
# Evidently's other stat tests (issue 17): one entry per test, filled test by test


def stattest_scores(ref: pd.Series, cur: pd.Series, kind: ColumnType) -> dict:
    """Every test of STATTESTS that applies to ``kind``, on cleaned samples: ``{"statistic": s}``
    plus ``"p"`` for a test, or ``{"undefined": variant}``."""
    out = {}
    for name, (kinds, score) in STATTESTS.items():
        if kind not in kinds:
            continue
        if ref.empty or cur.empty:
            out[name] = {"undefined": "Empty"}
            continue
        try:
            with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = score(ref.copy(), cur.copy(), kind)
                out[name] = {k: v if k in ("undefined", "note") else num(v)
                             for k, v in scores.items()}
        except ValueError as e:
            if "Too many bins" not in str(e) and "is NaN" not in str(e):
                raise
            out[name] = {"undefined": "OutOfRange"}
    return out


def hellinger_score(ref, cur, kind):
    return {"statistic": _hellinger_distance(ref, cur, kind, 0.1)[0]}


def tvd_score(ref, cur, kind):
    # Evidently's drift score is a permutation p-value over the rows' order; verdict reports
    # the distance it permutes (see src/metrics/distances.rs).
    return {"statistic": _total_variation_distance(ref, cur)}


def t_test_score(ref, cur, kind):
    return {"statistic": stats.ttest_ind(ref, cur).statistic,
            "p": _t_test2samp(ref, cur, kind, 0.05)[0]}


def mannw_score(ref, cur, kind):
    if pd.concat([ref, cur]).nunique() == 1:
        # scipy answers p = 1 (z = -inf from a zero variance), which Evidently reads as no
        # drift; verdict refuses a column without information.
        return {"undefined": "OutOfRange"}
    xy = np.concatenate([ref, cur])
    ties = len(np.unique(xy)) < len(xy)
    exact = (len(ref) <= 8 or len(cur) <= 8) and not ties
    return {"statistic": stats.mannwhitneyu(ref, cur, alternative="less").statistic,
            "p": _mannwhitneyu_rank(ref, cur, kind, 0.05)[0],
            "note": "exact" if exact else "asymptotic"}


def ed_score(ref, cur, kind):
    return {"statistic": _energy_dist(ref, cur, kind, 0.1)[0]}


STATTESTS = {
    "hellinger": ([NUM, CAT], hellinger_score),
    "TVD": ([NUM, CAT], tvd_score),
    "t_test": ([NUM], t_test_score),
    "mannw": ([NUM], mannw_score),
    "ed": ([NUM], ed_score),
}


def stattest_cases():
    """(name, kind, reference parts or texts, current parts or texts, note)."""
    rng = np.random.default_rng(20261203)
    normal = lambda mu, sd, n: rng.normal(mu, sd, n)  # noqa: E731
    with_gaps = normal(0, 1, 80)
    with_gaps[[2, 30]] = np.nan
    with_gaps[[9]] = np.inf
    draw = lambda c, p, n: [str(v) for v in rng.choice(c, size=n, p=p)]  # noqa: E731
    yield "shifted", NUM, [normal(0, 1, 300)], [normal(0.3, 1.1, 250)], "continuous, unequal sizes"
    yield "same_law", NUM, [normal(0, 1, 200)], [normal(0, 1, 200)], "no drift, equal sizes"
    yield "ties", NUM, [np.round(normal(0, 1, 150), 1)], [np.round(normal(0.2, 1, 120), 1)], \
        "many tied values"
    yield "integers", NUM, [rng.integers(0, 6, 90).astype(float)], \
        [rng.integers(1, 8, 70).astype(float)], "integer categories, values only on one side"
    yield "nan_inf_dropped", NUM, [with_gaps], [[np.nan, -np.inf] + list(normal(0.5, 1, 60))], \
        "NaN and +-inf dropped first"
    yield "tiny_3_vs_4", NUM, [[1.0, 2.5, 4.0]], [[2.0, 3.0, 5.0, 7.5]], "tiny samples"
    yield "tiny_1_vs_2", NUM, [[1.0]], [[0.5, 2.0]], "one value against two"
    yield "tiny_5_vs_6_no_ties", NUM, [[0.3, 1.2, 2.2, 3.1, 4.6]], \
        [[1.1, 2.4, 3.3, 5.0, 6.1, 7.7]], "small, no ties"
    yield "constant_same", NUM, [[3.0] * 40], [[3.0] * 30], "one value on both sides"
    yield "constant_apart", NUM, [[2.0] * 10], [[5.0] * 8], "two different constants"
    yield "one_each", NUM, [[1.5]], [[2.5]], "one value each: no degree of freedom"
    yield "exact_8_vs_300", NUM, [normal(-1.2, 1, 8)], [normal(0, 1, 300)], \
        "8 reference values, no ties: Mann-Whitney exact with large counts"
    yield "exact_upper_half", NUM, [[5.5, 6.1, 7.2, 8.3]], [[0.5, 1.5, 2.6, 5.9, 9.9]], \
        "Mann-Whitney exact, U in the lower half: summed from the other end"
    yield "small_with_ties", NUM, [[1.0, 2.0, 2.0, 3.0]], [[2.0, 3.0, 3.0, 4.0, 5.0]], \
        "small with ties: Mann-Whitney asymptotic"
    yield "nine_each", NUM, [normal(0, 1, 9)], [normal(0.8, 1, 9)], \
        "9 against 9: Mann-Whitney asymptotic without ties"
    yield "far_apart", NUM, [normal(0, 1, 500)], [normal(1.5, 1, 500)], "a p-value far in the tail"
    yield "constant_vs_two_values", NUM, [[3.0] * 30], [[3.0] * 15 + [4.0] * 15], \
        "constant reference"
    yield "large_uniform", NUM, [gen(51, 200000)], [gen(52, 150000, shift=0.004)], \
        "large samples"
    yield "empty_current", NUM, [[1.0, 2.0]], [[np.nan]], "nothing finite in current"
    yield "text_shifted", CAT, draw(["a", "b", "c", "d"], [0.4, 0.3, 0.2, 0.1], 400), \
        draw(["a", "b", "c", "d"], [0.3, 0.3, 0.25, 0.15], 300), "four categories"
    yield "text_new_and_gone", CAT, draw(["de", "fr", "it"], [0.5, 0.3, 0.2], 200), \
        draw(["de", "fr", "es"], [0.5, 0.3, 0.2], 150), "a category on each side only"
    yield "text_binary_nulls", CAT, draw(["no", "yes"], [0.8, 0.2], 120) + [None] * 4, \
        [None] * 2 + draw(["no", "yes"], [0.7, 0.3], 100), "two categories, nulls dropped"
    yield "text_one_category", CAT, ["k"] * 20, ["k"] * 10, "one value on both sides"
    yield "text_many_rows", CAT, draw(["p", "q", "r"], [0.5, 0.3, 0.2], 6000), \
        draw(["p", "q", "r"], [0.49, 0.31, 0.2], 4000), "many rows"
    yield "text_empty_current", CAT, ["a", "b"], [None], "nothing in current"


def stattest_case(name, kind, ref, cur, note) -> dict:
    if kind == NUM:
        scores = stattest_scores(clean(build(ref)), clean(build(cur)), NUM)
        ref, cur = encode_parts(ref), encode_parts(cur)
    else:
        scores = stattest_scores(pd.Series(ref, dtype=object).dropna(),
                                 pd.Series(cur, dtype=object).dropna(), CAT)
    return {"name": name, "note": note, "kind": "numeric" if kind == NUM else "text",
            "reference": ref, "current": cur, "expected": scores}


def main():
    if sys.argv[1:] == ["--stattests-only"]:
        # Regenerating everything reorders Python's string sets, which moves the last digit of
        # some categorical sums; this keeps the other sections as committed.
        doc = json.loads(OUT.read_text())
        doc["stattest_cases"] = [stattest_case(*case) for case in stattest_cases()]
        OUT.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"rewrote stattest_cases in {OUT}", file=sys.stderr)
        return
    out_cases = []
    for name, ref_parts, cur_parts, quantile_bins, note in cases():
        ref, cur = build(ref_parts), build(cur_parts)
        out_cases.append({
            "name": name,
            "note": note,
            "quantile_bins": quantile_bins,
            "reference": encode_parts(ref_parts),
            "current": encode_parts(cur_parts),
            "expected": metrics_of(ref, cur, quantile_bins),
        })
        print(f"{name}: {len(ref)} vs {len(cur)}", file=sys.stderr)
    categorical = [{"name": name, "note": note, "reference": ref, "current": cur,
                    "expected": categorical_metrics(ref, cur)}
                   for name, ref, cur, note in categorical_cases()]
    auto = [{"name": name, "note": note, "dtype": dtype, "reference": encode_typed(ref),
             "current": encode_typed(cur), "expected": auto_choice(dtype, ref, cur)}
            for name, dtype, ref, cur, note in auto_cases()]
    kstwo = [{"n": n, "d": repr(d), "sf": num(stats.kstwo.sf(d, n)), "branch": branch}
             for n, d, branch in KSTWO_POINTS]
    doc = {
        "about": "reference values for verdict's drift metrics; regenerate with "
                 "tests/reference/drift_reference.py (its docstring defines every field)",
        "versions": {lib: version(lib) for lib in ["evidently", "scipy", "numpy", "pandas"]},
        "floats": "strings holding Python's repr; parse each with str::parse::<f64>()",
        "generator": "shift + scale * u_i (or shift + scale * floor(u_i * levels)), i = 1..n, "
                     "u_i = (splitmix64(seed + i * 0x9E3779B97F4A7C15) >> 11) * 2^-53",
        "tolerance": "|got - expected| <= 1e-9 * max(1, |expected|)",
        "cases": out_cases,
        "categorical_cases": categorical,
        "auto_cases": auto,
        "kstwo_sf": kstwo,
        "stattest_cases": [stattest_case(*case) for case in stattest_cases()],
    }
    assert scipy.__version__.startswith("1.17"), scipy.__version__
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
