//! The checked, compiled policy: what `check` produces and `eval` runs.
//!
//! Every name here is resolved and every quantity is in its unit (fractions, milliseconds); no
//! value needs the source text to be understood, but each check keeps its source and span so
//! reports and diagnostics can point back into the file.

pub mod reads;

use crate::ast::{CmpOp, Span};
use crate::metrics::registry::{self, MetricId, MetricSpec, Sample};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyPlan {
    pub model: Option<String>,
    pub registry: Option<Service>,
    pub serving: Option<Service>,
    pub data: DataPlan,
    pub gates: Vec<GatePlan>,
    pub canary: Option<CanaryPlan>,
    pub drift: Option<DriftPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub kind: String,
    pub name: Option<String>,
    pub settings: Vec<(String, SettingValue)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Text(String),
    /// `env("NAME")`: read when the service is used, never at check time.
    Env(String),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataPlan {
    pub slices: Vec<SliceSource>,
    pub join: Option<JoinPlan>,
    pub recent: Option<Recency>,
    pub min_rows: Option<u64>,
    pub min_positives: Option<MinPositives>,
    /// `by` segments with fewer rows on either side are skipped (`require segment_rows >= N`).
    pub min_segment_rows: Option<u64>,
    /// Largest accepted difference between the champion's and the challenger's positive rate
    /// (`require label_rate_gap <= 0.02`): a larger one means the slices saw different traffic.
    pub max_label_rate_gap: Option<f64>,
    pub drop_nulls: bool,
}

impl DataPlan {
    pub fn slice(&self, name: &str) -> Option<&SliceSource> {
        self.slices.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SliceSource {
    pub name: String,
    /// A parquet file, a glob or a hive-partitioned folder; may hold `{version}`.
    pub path: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinPlan {
    pub key: String,
    /// Largest share of rows without a partner that is still accepted.
    pub max_unmatched: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recency {
    pub max_age_ms: i64,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MinPositives {
    pub count: u64,
    /// The label column; resolved from the policy's metrics when not written.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GatePlan {
    pub name: String,
    pub checks: Vec<CheckPlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Block,
    Warn,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckPlan {
    /// The check as written in the policy.
    pub source: String,
    pub line: usize,
    pub span: Span,
    pub severity: Severity,
    pub metric: MetricCall,
    pub by: Option<String>,
    pub op: CmpOp,
    pub bound: Bound,
    /// One-sided confidence level in (0.5, 1), from `at 95%`.
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricCall {
    pub id: MetricId,
    /// The name as written (`p99`, `auroc`).
    pub name: String,
    /// Column arguments in parameter order (label, score / target, prediction / column).
    pub columns: Vec<String>,
    /// Drift column lists: names and patterns, minus `except`.
    pub selectors: Vec<ColumnSelector>,
    pub except: Vec<String>,
    pub predicate: Option<Predicate>,
    /// A threshold or quantile level.
    pub number: Option<f64>,
    /// The other slice of a two-sample metric when the policy names one.
    pub against: Option<String>,
    pub bins: Bins,
    /// `ks(x).p`: which part of the result the check compares.
    pub field: Option<String>,
}

impl MetricCall {
    /// The registry entry of the metric as written, so that `p99` is p99's entry.
    pub fn spec(&self) -> Option<&'static MetricSpec> {
        registry::lookup(&self.name)
    }

    /// `share_drifted` and its kind: computed from the other checks of the block, not from rows.
    pub fn summarises_checks(&self) -> bool {
        self.spec().is_some_and(|s| s.sample == Sample::Dataset)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnSelector {
    Name(String),
    /// Every column whose name starts with the prefix (`f*`; `*` is the empty prefix).
    Prefix(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Bins {
    /// Evidently's: Sturges bins over both samples, or one bucket per value when few.
    #[default]
    Evidently,
    /// `bins = quantile(n)`: n bins at the reference's quantiles.
    Quantile(u32),
}

/// The right side of a check, evaluated once the baseline value is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Const(f64),
    /// `champion` in a gate, `stable` in a canary guard: the same metric on that slice.
    Baseline,
    Neg(Box<Bound>),
    Arith(ArithOp, Box<Bound>, Box<Bound>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl Bound {
    pub fn uses_baseline(&self) -> bool {
        match self {
            Bound::Const(_) => false,
            Bound::Baseline => true,
            Bound::Neg(b) => b.uses_baseline(),
            Bound::Arith(_, a, b) => a.uses_baseline() || b.uses_baseline(),
        }
    }

    /// The bound's value given the baseline's (which is only read when the bound uses it).
    pub fn value(&self, baseline: f64) -> f64 {
        match self {
            Bound::Const(v) => *v,
            Bound::Baseline => baseline,
            Bound::Neg(b) => -b.value(baseline),
            Bound::Arith(op, a, b) => {
                let (a, b) = (a.value(baseline), b.value(baseline));
                match op {
                    ArithOp::Add => a + b,
                    ArithOp::Sub => a - b,
                    ArithOp::Mul => a * b,
                    ArithOp::Div => a / b,
                }
            }
        }
    }
}

/// A row filter inside `rate(...)` / `count(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    Compare(Operand, CmpOp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Literal>, bool),
    IsNull(String, bool),
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    Not(Box<Predicate>),
    /// A boolean column used as a predicate.
    Column(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Column(String),
    Literal(Literal),
    Arith(ArithOp, Box<Operand>, Box<Operand>),
    Neg(Box<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64),
    Text(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CanaryPlan {
    pub stages: Vec<StagePlan>,
    pub guards: Vec<CheckPlan>,
    /// With no traffic for this long, the canary rolls back.
    pub no_traffic_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StagePlan {
    pub percent: f64,
    pub duration_ms: i64,
    pub min_requests: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriftPlan {
    pub window: Option<Recency>,
    /// In policy order.
    pub checks: Vec<DriftCheck>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DriftCheck {
    /// `psi(f*) < 0.2`: the written comparison, applied to every selected column.
    Written(CheckPlan),
    /// `auto(f*)`: per column, the test Evidently picks, compared with its default threshold.
    Auto(AutoPlan),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoPlan {
    pub source: String,
    pub line: usize,
    pub span: Span,
    pub severity: Severity,
    /// `auto` with its column selectors.
    pub metric: MetricCall,
}

impl DriftCheck {
    pub fn metric(&self) -> &MetricCall {
        match self {
            DriftCheck::Written(check) => &check.metric,
            DriftCheck::Auto(auto) => &auto.metric,
        }
    }

    /// The check as written, its line and span.
    pub fn origin(&self) -> (&str, usize, Span) {
        match self {
            DriftCheck::Written(c) => (&c.source, c.line, c.span),
            DriftCheck::Auto(a) => (&a.source, a.line, a.span),
        }
    }
}
