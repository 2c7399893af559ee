//! The metric registry: the one place that says which metrics exist, what they take, which
//! direction is better and how each is defined. The checker, the evaluator, GRAMMAR.md and
//! `verdict metrics` all read this table.

use super::kernel::Kernel;
use super::{
    calibration, classification, distances, divergence, frequency, ks, psi, rank_tests, regression,
    summary, t_test,
};
use crate::ast::CmpOp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricId {
    Auroc,
    Auprc,
    Logloss,
    Brier,
    Ece,
    Accuracy,
    Precision,
    Recall,
    F1,
    BalancedAccuracy,
    Rmse,
    Mae,
    Mape,
    R2,
    Quantile,
    Mean,
    Min,
    Max,
    Sum,
    Std,
    Count,
    Rate,
    Psi,
    Ks,
    Kl,
    Js,
    Wasserstein,
    Chisquare,
    Z,
    Auto,
    ShareDrifted,
    Hellinger,
    Tvd,
    TTest,
    Mannw,
    Ed,
}

/// What a positional argument must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A 0/1 or boolean label column.
    Label,
    /// A numeric column.
    Column,
    /// A drift feature: numeric, boolean, text or categorical.
    Feature,
    /// A number literal (threshold, quantile).
    Number,
    /// A row predicate such as `status >= 500`.
    Predicate,
    /// A predicate, or a column (counts its non-null rows).
    ColumnOrPredicate,
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
}

/// How an `at 95%` bound on a one-sample metric is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundMethod {
    /// DeLong's variance (AUROC): exact for a difference of AUROCs or one AUROC.
    DeLong,
    /// A seeded percentile bootstrap of the metric's rows.
    Bootstrap,
    /// No bound: totals grow with the rows and extremes hang on single rows, so a bootstrap
    /// bounds neither, and a wrong bound would pass what it should block.
    None,
}

/// How many slices a metric looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Computed on one slice; `champion` / `stable` mean the same metric on that slice.
    One,
    /// Compares two slices (challenger vs champion, canary vs stable, current vs reference).
    Two,
    /// Picks a two-sample test per column, with its threshold (`auto` in a drift block).
    Auto,
    /// Summarises the other checks of a drift block.
    Dataset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither: a latency or a count is good or bad only against a bound.
    Neither,
}

#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    pub name: &'static str,
    pub id: MetricId,
    pub params: &'static [Param],
    /// Set for `p50` ... `p999`: a quantile with its level in the name.
    pub fixed_q: Option<f64>,
    pub sample: Sample,
    pub better: Better,
    /// How it is computed from rows.
    pub kernel: Kernel,
    /// How an `at` bound on it is computed.
    pub bound: BoundMethod,
    /// Named parts of the result (`ks(x).p`); the first is the default.
    pub fields: &'static [&'static str],
    /// The test's threshold when Evidently picks it for a column (`auto`).
    pub evidently_default: Option<DefaultBound>,
    pub definition: &'static str,
}

/// How Evidently decides a column with a test it picked: the column has not drifted while
/// `field OP threshold` holds (the negation of Evidently's drift condition, e.g. `p <= 0.05`
/// means drift for ks, so ks passes with `p > 0.05`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DefaultBound {
    pub field: Option<&'static str>,
    pub op: CmpOp,
    pub threshold: f64,
}

const LABEL_SCORE: &[Param] = &[
    Param {
        name: "label",
        kind: ParamKind::Label,
    },
    Param {
        name: "score",
        kind: ParamKind::Column,
    },
];
const LABEL_SCORE_THRESHOLD: &[Param] = &[
    Param {
        name: "label",
        kind: ParamKind::Label,
    },
    Param {
        name: "score",
        kind: ParamKind::Column,
    },
    Param {
        name: "threshold",
        kind: ParamKind::Number,
    },
];
const TARGET_PREDICTION: &[Param] = &[
    Param {
        name: "target",
        kind: ParamKind::Column,
    },
    Param {
        name: "prediction",
        kind: ParamKind::Column,
    },
];
const COLUMN: &[Param] = &[Param {
    name: "column",
    kind: ParamKind::Column,
}];
const FEATURE: &[Param] = &[Param {
    name: "column",
    kind: ParamKind::Feature,
}];
const COLUMN_Q: &[Param] = &[
    Param {
        name: "column",
        kind: ParamKind::Column,
    },
    Param {
        name: "q",
        kind: ParamKind::Number,
    },
];
const PREDICATE: &[Param] = &[Param {
    name: "predicate",
    kind: ParamKind::Predicate,
}];
const COUNTED: &[Param] = &[Param {
    name: "column or predicate",
    kind: ParamKind::ColumnOrPredicate,
}];

/// Evidently's rule for most tests: drift when the p-value is below 0.05.
const P_AT_LEAST_0_05: DefaultBound = DefaultBound {
    field: Some("p"),
    op: CmpOp::Ge,
    threshold: 0.05,
};

/// A two-sample test on categories, written as its p-value (`.p` accepted), which Evidently
/// calls drift below 0.05.
const fn category_test(
    name: &'static str,
    id: MetricId,
    kernel: Kernel,
    definition: &'static str,
) -> MetricSpec {
    MetricSpec {
        fields: &["p"],
        evidently_default: Some(DefaultBound {
            field: Some("p"),
            op: CmpOp::Ge,
            threshold: 0.05,
        }),
        ..spec(
            name,
            id,
            kernel,
            FEATURE,
            Sample::Two,
            Better::Higher,
            definition,
        )
    }
}

const fn spec(
    name: &'static str,
    id: MetricId,
    kernel: Kernel,
    params: &'static [Param],
    sample: Sample,
    better: Better,
    definition: &'static str,
) -> MetricSpec {
    MetricSpec {
        name,
        id,
        params,
        fixed_q: None,
        sample,
        better,
        kernel,
        bound: BoundMethod::Bootstrap,
        fields: &[],
        evidently_default: None,
        definition,
    }
}

const fn percentile(name: &'static str, q: f64, definition: &'static str) -> MetricSpec {
    MetricSpec {
        fixed_q: Some(q),
        ..spec(
            name,
            MetricId::Quantile,
            summary::QUANTILE,
            COLUMN,
            Sample::One,
            Better::Neither,
            definition,
        )
    }
}

use Better::{Higher, Lower, Neither};
use MetricId as M;
use Sample::{Dataset, One, Two};

pub const METRICS: &[MetricSpec] = &[
    MetricSpec {
        bound: BoundMethod::DeLong,
        ..spec(
            "auroc",
            M::Auroc,
            classification::AUROC,
            LABEL_SCORE,
            One,
            Higher,
            "area under the ROC curve; ties count half (scikit-learn roc_auc_score)",
        )
    },
    spec(
        "auprc",
        M::Auprc,
        classification::AUPRC,
        LABEL_SCORE,
        One,
        Higher,
        "average precision (scikit-learn average_precision_score)",
    ),
    spec(
        "logloss",
        M::Logloss,
        calibration::LOGLOSS,
        LABEL_SCORE,
        One,
        Lower,
        "mean negative log-likelihood, probabilities clipped to [eps, 1-eps] (scikit-learn log_loss)",
    ),
    spec(
        "brier",
        M::Brier,
        calibration::BRIER,
        LABEL_SCORE,
        One,
        Lower,
        "mean squared error of the probability (scikit-learn brier_score_loss)",
    ),
    spec(
        "ece",
        M::Ece,
        calibration::ECE,
        LABEL_SCORE,
        One,
        Lower,
        "expected calibration error over 10 equal-width bins of [0, 1]",
    ),
    spec(
        "accuracy",
        M::Accuracy,
        classification::ACCURACY,
        LABEL_SCORE_THRESHOLD,
        One,
        Higher,
        "share of correct predictions with `score >= threshold` (scikit-learn accuracy_score)",
    ),
    spec(
        "precision",
        M::Precision,
        classification::PRECISION,
        LABEL_SCORE_THRESHOLD,
        One,
        Higher,
        "true positives / predicted positives with `score >= threshold` (scikit-learn precision_score)",
    ),
    spec(
        "recall",
        M::Recall,
        classification::RECALL,
        LABEL_SCORE_THRESHOLD,
        One,
        Higher,
        "true positives / actual positives with `score >= threshold` (scikit-learn recall_score)",
    ),
    spec(
        "f1",
        M::F1,
        classification::F1,
        LABEL_SCORE_THRESHOLD,
        One,
        Higher,
        "harmonic mean of precision and recall with `score >= threshold` (scikit-learn f1_score)",
    ),
    spec(
        "balanced_accuracy",
        M::BalancedAccuracy,
        classification::BALANCED_ACCURACY,
        LABEL_SCORE_THRESHOLD,
        One,
        Higher,
        "mean of the recall of each class with `score >= threshold` (scikit-learn balanced_accuracy_score)",
    ),
    spec(
        "rmse",
        M::Rmse,
        regression::RMSE,
        TARGET_PREDICTION,
        One,
        Lower,
        "root mean squared error (scikit-learn root_mean_squared_error)",
    ),
    spec(
        "mae",
        M::Mae,
        regression::MAE,
        TARGET_PREDICTION,
        One,
        Lower,
        "mean absolute error (scikit-learn mean_absolute_error)",
    ),
    spec(
        "mape",
        M::Mape,
        regression::MAPE,
        TARGET_PREDICTION,
        One,
        Lower,
        "mean absolute percentage error, a fraction (scikit-learn mean_absolute_percentage_error)",
    ),
    spec(
        "r2",
        M::R2,
        regression::R2,
        TARGET_PREDICTION,
        One,
        Higher,
        "coefficient of determination (scikit-learn r2_score)",
    ),
    percentile("p50", 0.5, "median (numpy percentile, linear)"),
    percentile("p90", 0.9, "90th percentile (numpy percentile, linear)"),
    percentile("p95", 0.95, "95th percentile (numpy percentile, linear)"),
    percentile("p99", 0.99, "99th percentile (numpy percentile, linear)"),
    percentile(
        "p999",
        0.999,
        "99.9th percentile (numpy percentile, linear)",
    ),
    spec(
        "quantile",
        M::Quantile,
        summary::QUANTILE,
        COLUMN_Q,
        One,
        Neither,
        "the q-quantile, q in [0, 1] (numpy quantile, linear)",
    ),
    spec(
        "mean",
        M::Mean,
        summary::MEAN,
        COLUMN,
        One,
        Neither,
        "arithmetic mean (numpy mean)",
    ),
    MetricSpec {
        bound: BoundMethod::None,
        ..spec(
            "min",
            M::Min,
            summary::MIN,
            COLUMN,
            One,
            Neither,
            "smallest value (numpy min)",
        )
    },
    MetricSpec {
        bound: BoundMethod::None,
        ..spec(
            "max",
            M::Max,
            summary::MAX,
            COLUMN,
            One,
            Neither,
            "largest value (numpy max)",
        )
    },
    MetricSpec {
        bound: BoundMethod::None,
        ..spec(
            "sum",
            M::Sum,
            summary::SUM,
            COLUMN,
            One,
            Neither,
            "sum of the values (numpy sum)",
        )
    },
    spec(
        "std",
        M::Std,
        summary::STD,
        COLUMN,
        One,
        Neither,
        "population standard deviation, ddof 0 (numpy std)",
    ),
    MetricSpec {
        bound: BoundMethod::None,
        ..spec(
            "count",
            M::Count,
            summary::COUNT,
            COUNTED,
            One,
            Neither,
            "rows where the column is not null, or where the predicate holds",
        )
    },
    spec(
        "rate",
        M::Rate,
        summary::RATE,
        PREDICATE,
        One,
        Neither,
        "share of rows where the predicate holds",
    ),
    MetricSpec {
        fields: &["value"],
        ..spec(
            "psi",
            M::Psi,
            psi::PSI,
            FEATURE,
            Two,
            Lower,
            "population stability index, Evidently's binning (`bins = quantile(n)` for reference quantile bins)",
        )
    },
    MetricSpec {
        fields: &["statistic", "p"],
        evidently_default: Some(DefaultBound {
            field: Some("p"),
            op: CmpOp::Gt,
            threshold: 0.05,
        }),
        ..spec(
            "ks",
            M::Ks,
            ks::KS,
            COLUMN,
            Two,
            Lower,
            "two-sample Kolmogorov-Smirnov statistic; `.p` is its two-sided p-value (scipy ks_2samp)",
        )
    },
    spec(
        "kl",
        M::Kl,
        divergence::KL,
        FEATURE,
        Two,
        Lower,
        "Kullback-Leibler divergence of the binned distributions (Evidently kl_div)",
    ),
    MetricSpec {
        evidently_default: Some(DefaultBound {
            field: None,
            op: CmpOp::Lt,
            threshold: 0.1,
        }),
        ..spec(
            "js",
            M::Js,
            divergence::JS,
            FEATURE,
            Two,
            Lower,
            "Jensen-Shannon distance of the binned distributions, natural log (Evidently jensenshannon)",
        )
    },
    MetricSpec {
        evidently_default: Some(DefaultBound {
            field: None,
            op: CmpOp::Lt,
            threshold: 0.1,
        }),
        ..spec(
            "wasserstein",
            M::Wasserstein,
            divergence::WASSERSTEIN,
            COLUMN,
            Two,
            Lower,
            "Wasserstein distance over the reference's standard deviation (Evidently wasserstein_distance_norm)",
        )
    },
    category_test(
        "chisquare",
        M::Chisquare,
        frequency::CHISQUARE,
        "p-value of the chi-square test of the current category counts against the reference's, scaled (Evidently chisquare)",
    ),
    category_test(
        "z",
        M::Z,
        frequency::Z,
        "p-value of the two-proportion z-test of the first category's share (Evidently z)",
    ),
    spec(
        "auto",
        M::Auto,
        Kernel::Derived,
        FEATURE,
        Sample::Auto,
        Neither,
        "the test and threshold Evidently picks per column (ks, chisquare, z, wasserstein or js)",
    ),
    spec(
        "share_drifted",
        M::ShareDrifted,
        Kernel::Derived,
        &[],
        Dataset,
        Lower,
        "share of the drift block's column checks that failed",
    ),
    MetricSpec {
        evidently_default: Some(DefaultBound {
            field: None,
            op: CmpOp::Lt,
            threshold: 0.1,
        }),
        ..spec(
            "hellinger",
            M::Hellinger,
            distances::HELLINGER,
            FEATURE,
            Two,
            Lower,
            "Hellinger distance of the category shares, or of Sturges histograms over the distinct values (Evidently hellinger)",
        )
    },
    spec(
        "TVD",
        M::Tvd,
        distances::TVD,
        FEATURE,
        Two,
        Lower,
        "total variation distance of the category shares; the distance, not Evidently's permutation p-value (Evidently TVD)",
    ),
    MetricSpec {
        fields: &["statistic", "p"],
        evidently_default: Some(P_AT_LEAST_0_05),
        ..spec(
            "t_test",
            M::TTest,
            t_test::T_TEST,
            COLUMN,
            Two,
            Neither,
            "Student's two-sample t statistic, equal variances; `.p` is its two-sided p-value (Evidently t_test, scipy ttest_ind)",
        )
    },
    MetricSpec {
        fields: &["statistic", "p"],
        evidently_default: Some(P_AT_LEAST_0_05),
        ..spec(
            "mannw",
            M::Mannw,
            rank_tests::MANNW,
            COLUMN,
            Two,
            Neither,
            "Mann-Whitney U of the reference; `.p` is the one-sided p-value that current is not stochastically greater, exact or asymptotic as scipy picks (Evidently mannw, scipy mannwhitneyu alternative=less)",
        )
    },
    MetricSpec {
        evidently_default: Some(DefaultBound {
            field: None,
            op: CmpOp::Le,
            threshold: 0.1,
        }),
        ..spec(
            "ed",
            M::Ed,
            distances::ENERGY,
            COLUMN,
            Two,
            Lower,
            "energy distance of the two samples (Evidently ed, scipy energy_distance)",
        )
    },
];

pub fn by_id(id: MetricId) -> Option<&'static MetricSpec> {
    METRICS.iter().find(|m| m.id == id)
}

pub fn lookup(name: &str) -> Option<&'static MetricSpec> {
    METRICS.iter().find(|m| m.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|m| m.name)
}

impl MetricSpec {
    /// Drift checks take column lists and patterns (`psi(f*, score)`) instead of one column.
    pub fn takes_column_list(&self, ctx_is_drift: bool) -> bool {
        match self.sample {
            Sample::Two => ctx_is_drift,
            Sample::Auto => true,
            Sample::One | Sample::Dataset => false,
        }
    }

    /// The signature as users write it, e.g. `auroc(label, score)`.
    pub fn signature(&self) -> String {
        if self.sample == Sample::Dataset {
            return self.name.to_string();
        }
        let params: Vec<&str> = self.params.iter().map(|p| p.name).collect();
        let extra = if self.sample == Sample::Two {
            "[, slice]"
        } else {
            ""
        };
        format!("{}({}{extra})", self.name, params.join(", "))
    }
}
