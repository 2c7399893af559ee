//! The owned syntax tree of a policy file.
//!
//! Built by `syntax` from the source text; every node carries the `Span` of the text it came
//! from, so later stages can point diagnostics at it. Nothing here knows about pest, metrics or
//! data: meaning is given by `check`.

/// A byte range in the policy source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// A name as written: a bare identifier or a backquoted column name (without the backquotes).
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A string literal, escapes resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Model(ModelDecl),
    Registry(ServiceDecl),
    Serving(ServiceDecl),
    Data(DataBlock),
    Gate(GateBlock),
    Canary(CanaryBlock),
    Drift(DriftBlock),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelDecl {
    pub name: Str,
    pub span: Span,
}

/// `registry mlflow { ... }` or `serving kserve "name" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub kind: Name,
    pub name: Option<Str>,
    pub settings: Vec<Setting>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: Name,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataBlock {
    pub stmts: Vec<DataStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DataStmt {
    Slice(SliceDef),
    Join(JoinStmt),
    Recent(RecentStmt),
    Require(RequireStmt),
    DropNulls(Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SliceDef {
    pub name: Name,
    pub source: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinStmt {
    pub key: Name,
    pub max_unmatched: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecentStmt {
    pub age: Expr,
    pub column: Name,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequireStmt {
    pub requirements: Vec<Requirement>,
    pub span: Span,
}

/// `rows >= 10000` or `positives(label) >= 200`.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub what: Name,
    pub column: Option<Name>,
    pub op: CmpOp,
    pub op_span: Span,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateBlock {
    pub name: Name,
    pub checks: Vec<Check>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CanaryBlock {
    pub stmts: Vec<CanaryStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CanaryStmt {
    Stage(Stage),
    Guard(Check),
    NoTraffic(NoTraffic),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub percent: Expr,
    pub duration: Expr,
    pub min_requests: Option<Expr>,
    pub span: Span,
}

/// `no traffic for 15m -> rollback`.
#[derive(Debug, Clone, PartialEq)]
pub struct NoTraffic {
    pub duration: Expr,
    pub action: Name,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriftBlock {
    pub stmts: Vec<DriftStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DriftStmt {
    Window(Window),
    Check(Box<Check>),
    /// `[warn] metric` without a comparison: `auto(f*, score)`.
    Auto(AutoCheck),
}

/// A drift check whose per-column tests bring their own thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoCheck {
    pub warn: Option<Span>,
    pub metric: MetricRef,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub length: Expr,
    pub column: Name,
    pub span: Span,
}

/// `[warn] metric [by column] op bound [at confidence]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub warn: Option<Span>,
    pub metric: MetricRef,
    pub by: Option<Name>,
    pub op: CmpOp,
    pub op_span: Span,
    pub bound: Expr,
    pub confidence: Option<Expr>,
    pub span: Span,
}

/// The metric side of a check: `auroc(label, score)`, `ks(amount).p`, `share_drifted`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRef {
    pub name: Name,
    /// `None` for a bare name such as `share_drifted`.
    pub args: Option<Vec<Arg>>,
    pub field: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// Set for named arguments such as `bins = quantile(10)`.
    pub name: Option<Name>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub fn from_symbol(symbol: &str) -> Option<CmpOp> {
        Some(match symbol {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
    Cmp(CmpOp),
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Cmp(op) => op.symbol(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Millis,
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl DurationUnit {
    pub fn from_suffix(suffix: &str) -> Option<DurationUnit> {
        Some(match suffix {
            "ms" => DurationUnit::Millis,
            "s" => DurationUnit::Seconds,
            "m" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            _ => return None,
        })
    }

    pub fn millis(self) -> f64 {
        match self {
            DurationUnit::Millis => 1.0,
            DurationUnit::Seconds => 1e3,
            DurationUnit::Minutes => 60e3,
            DurationUnit::Hours => 3_600e3,
            DurationUnit::Days => 86_400e3,
            DurationUnit::Weeks => 604_800e3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    /// `5%` holds 5.0: the number as written.
    Percent(f64),
    Duration(f64, DurationUnit),
    Str(String),
    Bool(bool),
    Name(String),
    /// A column pattern such as `f*` (the text before the star) or `*` (empty).
    Pattern(String),
    List(Vec<Expr>),
    Call {
        name: Name,
        args: Vec<Arg>,
    },
    Field {
        base: Box<Expr>,
        field: Name,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Between {
        operand: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    In {
        operand: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    IsNull {
        operand: Box<Expr>,
        negated: bool,
    },
}
