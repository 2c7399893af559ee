//! AST → plan. Resolves names against the metric registry and the data block, folds constants,
//! checks ranges and orders, and reports every problem at once.
//!
//! Takes a parsed policy, its source text and what the command line gives (see `Invocation`);
//! returns a `PolicyPlan` or all `CheckError`s. Never reads data or the environment: `env("X")`
//! stays a reference until a service is used.

mod data;
mod error;
mod invocation;
mod metric;
mod value;

pub use error::CheckError;
pub use invocation::{Invocation, Runs};
pub use metric::Context;

use crate::ast::{self, CanaryStmt, Check, CmpOp, DriftStmt, Item, Span};
use crate::metrics::registry::{BoundMethod, MetricSpec, ParamKind, Sample};
use crate::plan::*;
use metric::backquoted;
use value::BoundContext;

pub fn check(
    policy: &ast::Policy,
    src: &str,
    invocation: &Invocation,
) -> Result<PolicyPlan, Vec<CheckError>> {
    let mut checker = Checker {
        src,
        invocation,
        errors: Vec::new(),
        slices: Vec::new(),
        plan: PolicyPlan::default(),
        label_columns: Vec::new(),
        positives_span: None,
    };
    checker.policy(policy);
    if checker.errors.is_empty() {
        Ok(checker.plan)
    } else {
        checker.errors.sort_by_key(|e| e.span().start);
        Err(checker.errors)
    }
}

pub(crate) struct Checker<'a> {
    src: &'a str,
    invocation: &'a Invocation,
    errors: Vec<CheckError>,
    /// Slices defined in the data block, with where they were defined.
    slices: Vec<(String, Span)>,
    plan: PolicyPlan,
    /// Label columns used by classification metrics, for `require positives >= N`.
    label_columns: Vec<String>,
    /// Where `require positives` was written, if it was.
    positives_span: Option<Span>,
}

/// The first definition of each singular thing, for duplicate reports.
#[derive(Default)]
struct Seen {
    model: Option<Span>,
    registry: Option<Span>,
    serving: Option<Span>,
    data: Option<Span>,
    canary: Option<Span>,
    drift: Option<Span>,
    gates: Vec<(String, Span)>,
}

/// The span of a block's opening keyword, where block-level errors point.
fn head(span: Span, keyword: &str) -> Span {
    Span::new(span.start, span.start + keyword.len())
}

impl Checker<'_> {
    fn error(&mut self, error: CheckError) {
        self.errors.push(error);
    }

    /// Records the error of a fallible helper and turns it into `None`.
    fn report<T>(&mut self, result: Result<T, CheckError>) -> Option<T> {
        result.map_err(|e| self.error(e)).ok()
    }

    fn once(&mut self, first: &mut Option<Span>, what: &'static str, span: Span) -> bool {
        if let Some(first) = *first {
            self.error(CheckError::Repeated {
                what,
                span,
                first,
                help: format!("there is at most one `{what}` here; merge them"),
            });
            return false;
        }
        *first = Some(span);
        true
    }

    fn policy(&mut self, policy: &ast::Policy) {
        let mut seen = Seen::default();
        // The data block first: checks anywhere may name its slices.
        for item in &policy.items {
            if let Item::Data(block) = item
                && self.once(&mut seen.data, "data", head(block.span, "data"))
            {
                self.data_block(block);
            }
        }
        for item in &policy.items {
            match item {
                Item::Model(m) => {
                    if self.once(&mut seen.model, "model", head(m.span, "model")) {
                        self.plan.model = Some(m.name.value.clone());
                    }
                }
                Item::Registry(s) => {
                    if self.once(&mut seen.registry, "registry", head(s.span, "registry")) {
                        self.plan.registry =
                            self.service(s, "registry", &[("mlflow", &["uri", "experiment"])]);
                    }
                }
                Item::Serving(s) => {
                    if self.once(&mut seen.serving, "serving", head(s.span, "serving")) {
                        self.plan.serving = self.service(
                            s,
                            "serving",
                            &[("kserve", &["namespace", "kubeconfig", "context"])],
                        );
                    }
                }
                Item::Data(_) => {}
                Item::Gate(gate) => self.gate(gate, &mut seen.gates),
                Item::Canary(c) => {
                    if self.once(&mut seen.canary, "canary", head(c.span, "canary")) {
                        self.canary(c);
                    }
                }
                Item::Drift(d) => {
                    if self.once(&mut seen.drift, "drift", head(d.span, "drift")) {
                        self.drift(d);
                    }
                }
            }
        }
        if seen.gates.is_empty() && seen.canary.is_none() && seen.drift.is_none() {
            let end = self.src.len();
            self.error(CheckError::Empty {
                span: Span::new(0, end.min(self.src.find('\n').unwrap_or(end))),
            });
        }
        self.resolve_positives_label();
    }

    fn service(
        &mut self,
        decl: &ast::ServiceDecl,
        what: &'static str,
        kinds: &[(&str, &[&str])],
    ) -> Option<Service> {
        let Some((_, keys)) = kinds.iter().find(|(k, _)| *k == decl.kind.text) else {
            let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
            self.error(CheckError::Unknown {
                what,
                name: decl.kind.text.clone(),
                span: decl.kind.span,
                help: format!("supported: {}", backquoted(&names)),
            });
            return None;
        };
        let mut settings = Vec::new();
        for setting in &decl.settings {
            if !keys.contains(&setting.key.text.as_str()) {
                self.error(CheckError::Unknown {
                    what: "setting",
                    name: setting.key.text.clone(),
                    span: setting.key.span,
                    help: match crate::suggest::did_you_mean(
                        &setting.key.text,
                        keys.iter().copied(),
                    ) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("`{}` takes {}", decl.kind.text, backquoted(keys)),
                    },
                });
                continue;
            }
            if let Some(value) = self.setting_value(&setting.value) {
                settings.push((setting.key.text.clone(), value));
            }
        }
        Some(Service {
            kind: decl.kind.text.clone(),
            name: decl.name.as_ref().map(|n| n.value.clone()),
            settings,
        })
    }

    fn setting_value(&mut self, expr: &ast::Expr) -> Option<SettingValue> {
        use ast::ExprKind;
        match &expr.kind {
            ExprKind::Str(s) => Some(SettingValue::Text(s.clone())),
            ExprKind::Number(n) => Some(SettingValue::Number(*n)),
            ExprKind::Call { name, args } if name.text == "env" => match args.as_slice() {
                [
                    ast::Arg {
                        name: None,
                        value:
                            ast::Expr {
                                kind: ExprKind::Str(var),
                                ..
                            },
                        ..
                    },
                ] => Some(SettingValue::Env(var.clone())),
                _ => {
                    self.error(CheckError::Invalid {
                        message: "`env` takes one string, the variable's name".into(),
                        span: expr.span,
                        help: Some("e.g. `env(\"MLFLOW_TRACKING_URI\")`".into()),
                    });
                    None
                }
            },
            _ => {
                self.error(CheckError::Kind {
                    expected: "a string, a number or `env(\"NAME\")`".into(),
                    found: value::describe(expr),
                    span: expr.span,
                    help: None,
                });
                None
            }
        }
    }

    fn gate(&mut self, gate: &ast::GateBlock, seen: &mut Vec<(String, Span)>) {
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == gate.name.text) {
            self.error(CheckError::Duplicate {
                what: "gate",
                name: gate.name.text.clone(),
                span: gate.name.span,
                first: *first,
                help: Some("give each gate its own name".into()),
            });
            return;
        }
        seen.push((gate.name.text.clone(), gate.name.span));
        self.require_slices(
            &["champion", "challenger"],
            Context::Gate,
            &format!("gate `{}`", gate.name.text),
            gate.name.span,
        );
        if gate.checks.is_empty() {
            self.error(CheckError::Invalid {
                message: format!(
                    "gate `{}` has no checks, so it would pass anything",
                    gate.name.text
                ),
                span: gate.name.span,
                help: Some("add a check such as `auroc(label, score) >= champion`".into()),
            });
        }
        let checks = gate
            .checks
            .iter()
            .filter_map(|c| self.check(c, Context::Gate))
            .collect();
        self.plan.gates.push(GatePlan {
            name: gate.name.text.clone(),
            checks,
        });
    }

    fn canary(&mut self, block: &ast::CanaryBlock) {
        self.require_slices(
            &["canary", "stable"],
            Context::Guard,
            "the canary",
            head(block.span, "canary"),
        );
        let mut plan = CanaryPlan {
            stages: Vec::new(),
            guards: Vec::new(),
            no_traffic_ms: None,
        };
        let mut previous: Option<(f64, Span)> = None;
        let mut no_traffic_seen = None;
        for stmt in &block.stmts {
            match stmt {
                CanaryStmt::Stage(stage) => {
                    if let Some(s) = self.stage(stage, previous.map(|(p, _)| p)) {
                        previous = Some((s.percent, stage.span));
                        plan.stages.push(s);
                    }
                }
                CanaryStmt::Guard(check) => {
                    if let Some(guard) = self.check(check, Context::Guard) {
                        plan.guards.push(guard);
                    }
                }
                CanaryStmt::NoTraffic(rule) => {
                    if !self.once(&mut no_traffic_seen, "no traffic", rule.span) {
                        continue;
                    }
                    plan.no_traffic_ms = self.report(value::positive_duration(
                        &rule.duration,
                        "the no-traffic limit",
                    ));
                    if rule.action.text != "rollback" {
                        self.error(CheckError::Unknown {
                            what: "action",
                            name: rule.action.text.clone(),
                            span: rule.action.span,
                            help: "a canary without traffic can only `rollback`".into(),
                        });
                    }
                }
            }
        }
        if !block
            .stmts
            .iter()
            .any(|s| matches!(s, CanaryStmt::Stage(_)))
        {
            self.error(CheckError::Invalid {
                message: "the canary has no stages".into(),
                span: head(block.span, "canary"),
                help: Some("add stages such as `stage 5% for 30m`".into()),
            });
        }
        self.plan.canary = Some(plan);
    }

    fn stage(&mut self, stage: &ast::Stage, previous: Option<f64>) -> Option<StagePlan> {
        let percent = self.report(value::percent(&stage.percent, "a stage's share of traffic"));
        let duration_ms = self.report(value::positive_duration(
            &stage.duration,
            "a stage's duration",
        ));
        let min_requests = match &stage.min_requests {
            Some(expr) => Some(self.report(value::positive_count(
                expr,
                "the minimum number of requests",
            ))?),
            None => None,
        };
        let percent = percent?;
        if !(percent > 0.0 && percent <= 100.0) {
            self.error(CheckError::Range {
                what: "a stage's share of traffic",
                range: "above 0% and at most 100%",
                found: format!("{percent}%"),
                span: stage.percent.span,
                help: None,
            });
            return None;
        }
        if let Some(previous) = previous.filter(|p| percent <= *p) {
            self.error(CheckError::StageOrder {
                previous: format!("{previous}"),
                this: format!("{percent}"),
                span: stage.percent.span,
            });
            return None;
        }
        Some(StagePlan {
            percent,
            duration_ms: duration_ms?,
            min_requests,
        })
    }

    fn drift(&mut self, block: &ast::DriftBlock) {
        let span = head(block.span, "drift");
        let current: &[&str] = if self.knows_slice("current") {
            &["reference"]
        } else {
            &["reference", "champion"]
        };
        self.require_slices(current, Context::Drift, "the drift block", span);
        let mut plan = DriftPlan {
            window: None,
            checks: Vec::new(),
        };
        let mut window_seen = None;
        for stmt in &block.stmts {
            match stmt {
                DriftStmt::Window(w) => {
                    if self.once(&mut window_seen, "window", w.span) {
                        plan.window = self
                            .report(value::positive_duration(&w.length, "the window"))
                            .map(|max_age_ms| Recency {
                                max_age_ms,
                                column: w.column.text.clone(),
                            });
                    }
                }
                DriftStmt::Check(check) => {
                    if let Some(c) = self.check(check, Context::Drift) {
                        plan.checks.push(DriftCheck::Written(c));
                    }
                }
                DriftStmt::Auto(auto) => {
                    if let Some(a) = self.auto_check(auto) {
                        plan.checks.push(DriftCheck::Auto(a));
                    }
                }
            }
        }
        let tests = block
            .stmts
            .iter()
            .any(|s| matches!(s, DriftStmt::Check(_) | DriftStmt::Auto(_)));
        if !tests {
            self.error(CheckError::Invalid {
                message: "the drift block has no checks, so it would report no drift on anything"
                    .into(),
                span,
                help: Some("add a check such as `psi(score) < 0.2` or `auto(*)`".into()),
            });
        }
        self.plan.drift = Some(plan);
    }

    fn auto_check(&mut self, auto: &ast::AutoCheck) -> Option<AutoPlan> {
        let (metric, spec) = self.metric_call(&auto.metric, Context::Drift)?;
        if spec.sample != Sample::Auto {
            self.error(CheckError::Invalid {
                message: format!("`{}` needs a comparison", spec.name),
                span: auto.span,
                help: Some(format!(
                    "write e.g. `{} < 0.2`; only `auto(...)` brings its own thresholds",
                    &self.src[auto.span.start..auto.span.end]
                )),
            });
            return None;
        }
        Some(AutoPlan {
            source: self.src[auto.span.start..auto.span.end].to_string(),
            line: line_of(self.src, auto.span.start),
            span: auto.span,
            severity: if auto.warn.is_some() {
                Severity::Warn
            } else {
                Severity::Block
            },
            metric,
        })
    }

    /// Whether a slice is defined in the data block or given on the command line.
    fn knows_slice(&self, name: &str) -> bool {
        self.slices.iter().any(|(s, _)| s == name) || self.invocation.gives(name)
    }

    /// The slices a block needs, when the command runs that block.
    fn require_slices(&mut self, names: &[&str], block: Context, needed_by: &str, span: Span) {
        if !self.invocation.runs(block) {
            return;
        }
        for name in names {
            if !self.knows_slice(name) {
                self.error(CheckError::MissingSlice {
                    needed_by: needed_by.to_string(),
                    slice: (*name).to_string(),
                    span,
                    help: format!(
                        "define it in the data block, `{name} = parquet(\"path/*.parquet\")`, or pass {} PATH",
                        invocation::flag_for(name, block)
                    ),
                });
            }
        }
    }

    fn check(&mut self, check: &Check, ctx: Context) -> Option<CheckPlan> {
        let metric = self.metric_call(&check.metric, ctx);
        let bound_ctx = match (ctx, &metric) {
            (Context::Drift, _) => BoundContext::ConstantsOnly("a drift block"),
            (_, Some((_, spec))) if spec.sample == Sample::Two => {
                BoundContext::ConstantsOnly("a bound of a two-sample metric")
            }
            (Context::Gate, _) => BoundContext::Baseline("champion"),
            (Context::Guard, _) => BoundContext::Baseline("stable"),
        };
        let bound = self.report(value::bound(&check.bound, bound_ctx));
        let confidence = match &check.confidence {
            Some(expr) => Some(self.confidence(expr)?),
            None => None,
        };
        if let (Some(by), Context::Drift) = (&check.by, ctx) {
            self.error(CheckError::Invalid {
                message: "`by` is not supported in a drift block".into(),
                span: by.span,
                help: Some("drift is measured per column over the whole window".into()),
            });
            return None;
        }
        let (metric, spec) = metric?;
        if spec.sample == Sample::Auto {
            self.error(CheckError::Invalid {
                message: "`auto` takes no comparison".into(),
                span: check.op_span,
                help: Some(
                    "it compares each column with the default threshold of the test it picks: write `auto(...)` alone, or name a test such as `psi(...) < 0.2`".into(),
                ),
            });
            return None;
        }
        if let (Some(at), Some(_)) = (&check.confidence, confidence) {
            let problem = if spec.sample == Sample::One && spec.bound == BoundMethod::None {
                Some(
                    "a confidence bound needs a mean-like metric; bound a rate, a mean or a quantile instead",
                )
            } else if spec.sample == Sample::Two {
                Some(
                    "a two-sample metric has no confidence bound in verdict; bound it with a constant",
                )
            } else if matches!(check.op, CmpOp::Eq | CmpOp::Ne) {
                Some("a confidence bound is one-sided: use `<`, `<=`, `>` or `>=`")
            } else {
                None
            };
            if let Some(help) = problem {
                self.error(CheckError::Invalid {
                    message: format!("`at` cannot qualify `{}` here", metric.name),
                    span: at.span,
                    help: Some(help.into()),
                });
                return None;
            }
        }
        self.note_labels(spec, &metric);
        Some(CheckPlan {
            source: self.src[check.span.start..check.span.end].to_string(),
            line: line_of(self.src, check.span.start),
            span: check.span,
            severity: if check.warn.is_some() {
                Severity::Warn
            } else {
                Severity::Block
            },
            metric,
            by: check.by.as_ref().map(|b| b.text.clone()),
            op: check.op,
            bound: bound?,
            confidence,
        })
    }

    fn confidence(&mut self, expr: &ast::Expr) -> Option<f64> {
        let percent = self.report(value::percent(expr, "a confidence level"))?;
        if !(percent > 50.0 && percent < 100.0) {
            self.error(CheckError::Range {
                what: "a confidence level",
                range: "above 50% and below 100%",
                found: format!("{percent}%"),
                span: expr.span,
                help: Some("`at 95%` is the usual choice".into()),
            });
            return None;
        }
        Some(percent / 100.0)
    }

    fn note_labels(&mut self, spec: &MetricSpec, call: &MetricCall) {
        for (param, column) in spec.params.iter().zip(&call.columns) {
            if param.kind == ParamKind::Label && !self.label_columns.contains(column) {
                self.label_columns.push(column.clone());
            }
        }
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
