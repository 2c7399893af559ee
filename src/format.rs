//! `verdict fmt`: prints a parsed policy in canonical layout, keeping its comments.
//!
//! Takes the AST and the source it came from (for comments, literal spellings and blank lines);
//! returns the text. Canonical: two-space indents, one space around operators, one blank line
//! between top-level blocks, at most one blank line kept between statements, trailing comments
//! two spaces after their statement. Printing is a function of the tree, so fmt is idempotent.

use crate::ast::*;

pub fn format(src: &str, policy: &Policy) -> String {
    let mut printer = Printer {
        src,
        out: String::new(),
        comments: comments(src),
        next_comment: 0,
        indent: 0,
        last_end: 0,
    };
    for (i, item) in policy.items.iter().enumerate() {
        if i > 0 {
            printer.out.push('\n');
        }
        printer.item(item);
    }
    printer.leading(src.len());
    let trimmed = printer.out.trim_end().len();
    printer.out.truncate(trimmed);
    printer.out.push('\n');
    if policy.items.is_empty() && printer.out.trim().is_empty() {
        return String::new();
    }
    printer.out
}

#[derive(Clone, Copy)]
struct Comment<'a> {
    start: usize,
    text: &'a str,
}

/// Every `#` comment outside strings and quoted names.
fn comments(src: &str) -> Vec<Comment<'_>> {
    let bytes = src.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                let end = src[i..].find('\n').map_or(src.len(), |p| i + p);
                found.push(Comment {
                    start: i,
                    text: src[i..end].trim_end(),
                });
                i = end;
            }
            quote @ (b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' && quote == b'"' {
                        2
                    } else {
                        1
                    };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    found
}

struct Printer<'a> {
    src: &'a str,
    out: String,
    comments: Vec<Comment<'a>>,
    next_comment: usize,
    indent: usize,
    /// Where the last printed statement ended in the source, for blank lines.
    last_end: usize,
}

impl Printer<'_> {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    /// Comments standing before `offset`, each on its own line.
    fn leading(&mut self, offset: usize) {
        while let Some(&Comment { start, text }) = self.comments.get(self.next_comment) {
            if start >= offset {
                break;
            }
            if self.blank_line_before(start) {
                self.out.push('\n');
            }
            self.line_start();
            self.out.push_str(text);
            self.out.push('\n');
            self.last_end = start + text.len();
            self.next_comment += 1;
        }
    }

    /// A comment on the same line as the statement that ended at `end`.
    fn trailing(&mut self, end: usize) {
        if let Some(comment) = self.comments.get(self.next_comment)
            && comment.start >= end
            && !self.src[end..comment.start].contains('\n')
        {
            self.out.push_str("  ");
            self.out.push_str(comment.text);
            self.next_comment += 1;
        }
        self.out.push('\n');
    }

    fn blank_line_before(&self, offset: usize) -> bool {
        self.last_end > 0
            && !self.out.ends_with("{\n")
            && !self.out.ends_with("\n\n")
            && self.src[self.last_end.min(offset)..offset]
                .matches('\n')
                .count()
                >= 2
    }

    /// Starts a statement: its leading comments, a kept blank line, the indent.
    fn open(&mut self, span: Span) {
        self.leading(span.start);
        if self.blank_line_before(span.start) {
            self.out.push('\n');
        }
        self.line_start();
    }

    fn close(&mut self, span: Span) {
        self.trailing(span.end);
        self.last_end = span.end;
    }

    fn block(&mut self, header: String, span: Span, body: impl FnOnce(&mut Self)) {
        self.open(span);
        self.out.push_str(&header);
        self.out.push_str(" {");
        let header_end = self.src[span.start..span.end]
            .find('{')
            .map_or(span.start, |p| span.start + p + 1);
        self.trailing(header_end);
        self.last_end = header_end;
        self.indent += 1;
        body(self);
        self.leading(span.end.saturating_sub(1));
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
        self.close(span);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Model(m) => {
                self.open(m.span);
                self.out
                    .push_str(&format!("model {}", string(&m.name.value)));
                self.close(m.span);
            }
            Item::Registry(s) => self.service("registry", s),
            Item::Serving(s) => self.service("serving", s),
            Item::Data(d) => self.block("data".into(), d.span, |p| {
                for stmt in &d.stmts {
                    p.data_stmt(stmt);
                }
            }),
            Item::Gate(g) => self.block(format!("gate {}", name(&g.name.text)), g.span, |p| {
                for check in &g.checks {
                    p.open(check.span);
                    p.out.push_str(&check_text(p.src, check));
                    p.close(check.span);
                }
            }),
            Item::Canary(c) => self.block("canary".into(), c.span, |p| {
                for stmt in &c.stmts {
                    p.canary_stmt(stmt);
                }
            }),
            Item::Drift(d) => self.block("drift".into(), d.span, |p| {
                for stmt in &d.stmts {
                    let (span, text) = match stmt {
                        DriftStmt::Window(w) => (
                            w.span,
                            format!(
                                "window {} on {}",
                                expr(p.src, &w.length),
                                name(&w.column.text)
                            ),
                        ),
                        DriftStmt::Check(c) => (c.span, check_text(p.src, c)),
                        DriftStmt::Auto(a) => {
                            let warn = if a.warn.is_some() { "warn " } else { "" };
                            (a.span, format!("{warn}{}", metric_text(p.src, &a.metric)))
                        }
                    };
                    p.open(span);
                    p.out.push_str(&text);
                    p.close(span);
                }
            }),
        }
    }

    fn service(&mut self, keyword: &str, decl: &ServiceDecl) {
        let mut header = format!("{keyword} {}", name(&decl.kind.text));
        if let Some(n) = &decl.name {
            header.push_str(&format!(" {}", string(&n.value)));
        }
        self.block(header, decl.span, |p| {
            for setting in &decl.settings {
                p.open(setting.span);
                p.out.push_str(&format!(
                    "{} = {}",
                    name(&setting.key.text),
                    expr(p.src, &setting.value)
                ));
                p.close(setting.span);
            }
        });
    }

    fn data_stmt(&mut self, stmt: &DataStmt) {
        let (span, text) = match stmt {
            DataStmt::Slice(s) => (
                s.span,
                format!("{} = {}", name(&s.name.text), expr(self.src, &s.source)),
            ),
            DataStmt::Join(j) => {
                let mut text = format!("join on {}", name(&j.key.text));
                if let Some(max) = &j.max_unmatched {
                    text.push_str(&format!(" allow unmatched {}", expr(self.src, max)));
                }
                (j.span, text)
            }
            DataStmt::Recent(r) => (
                r.span,
                format!(
                    "recent {} on {}",
                    expr(self.src, &r.age),
                    name(&r.column.text)
                ),
            ),
            DataStmt::Require(r) => {
                let parts: Vec<String> = r
                    .requirements
                    .iter()
                    .map(|q| {
                        let column = q
                            .column
                            .as_ref()
                            .map(|c| format!("({})", name(&c.text)))
                            .unwrap_or_default();
                        format!(
                            "{}{column} {} {}",
                            name(&q.what.text),
                            q.op.symbol(),
                            expr(self.src, &q.value)
                        )
                    })
                    .collect();
                (r.span, format!("require {}", parts.join(", ")))
            }
            DataStmt::DropNulls(span) => (*span, "drop nulls".to_string()),
        };
        self.open(span);
        self.out.push_str(&text);
        self.close(span);
    }

    fn canary_stmt(&mut self, stmt: &CanaryStmt) {
        let (span, text) = match stmt {
            CanaryStmt::Stage(s) => {
                let mut text = format!(
                    "stage {} for {}",
                    expr(self.src, &s.percent),
                    expr(self.src, &s.duration)
                );
                if let Some(min) = &s.min_requests {
                    text.push_str(&format!(", min {} requests", expr(self.src, min)));
                }
                (s.span, text)
            }
            CanaryStmt::Guard(c) => (c.span, format!("guard {}", check_text(self.src, c))),
            CanaryStmt::NoTraffic(n) => (
                n.span,
                format!(
                    "no traffic for {} -> {}",
                    expr(self.src, &n.duration),
                    name(&n.action.text)
                ),
            ),
        };
        self.open(span);
        self.out.push_str(&text);
        self.close(span);
    }
}

fn check_text(src: &str, check: &Check) -> String {
    let mut text = String::new();
    if check.warn.is_some() {
        text.push_str("warn ");
    }
    text.push_str(&metric_text(src, &check.metric));
    if let Some(by) = &check.by {
        text.push_str(&format!(" by {}", name(&by.text)));
    }
    text.push_str(&format!(
        " {} {}",
        check.op.symbol(),
        expr(src, &check.bound)
    ));
    if let Some(conf) = &check.confidence {
        text.push_str(&format!(" at {}", expr(src, conf)));
    }
    text
}

/// `name(args).field` as written, canonically spaced.
fn metric_text(src: &str, m: &MetricRef) -> String {
    let mut text = metric_name(&m.name.text);
    if let Some(args) = &m.args {
        text.push_str(&format!("({})", args_text(src, args)));
    }
    if let Some(field) = &m.field {
        text.push_str(&format!(".{}", name(&field.text)));
    }
    text
}

/// A check's metric name. `at` keeps its backquotes: after a check, a bare `at` continues that
/// check as its confidence, so `` `at`(x) >= 2 `` on the next line would read as `… at (x)`
/// followed by a stray `>= 2`.
fn metric_name(text: &str) -> String {
    if text == "at" {
        format!("`{text}`")
    } else {
        name(text)
    }
}

fn args_text(src: &str, args: &[Arg]) -> String {
    args.iter()
        .map(|a| match &a.name {
            Some(n) => format!("{} = {}", name(&n.text), expr(src, &a.value)),
            None => expr(src, &a.value),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binding strength, loosest first; a child looser than its slot needs parentheses.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op: BinOp::Or, .. } => 1,
        ExprKind::Binary { op: BinOp::And, .. } => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Binary {
            op: BinOp::Cmp(_), ..
        }
        | ExprKind::Between { .. }
        | ExprKind::In { .. }
        | ExprKind::IsNull { .. } => 4,
        ExprKind::Binary {
            op: BinOp::Add | BinOp::Sub,
            ..
        } => 5,
        ExprKind::Binary {
            op: BinOp::Mul | BinOp::Div,
            ..
        } => 6,
        ExprKind::Neg(_) => 7,
        _ => 8,
    }
}

fn expr_at(src: &str, e: &Expr, min: u8) -> String {
    let text = expr(src, e);
    if precedence(e) < min {
        format!("({text})")
    } else {
        text
    }
}

pub fn expr(src: &str, e: &Expr) -> String {
    let level = precedence(e);
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Percent(_) | ExprKind::Duration(..) => {
            src[e.span.start..e.span.end].to_string()
        }
        ExprKind::Str(s) => string(s),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(n) => name(n),
        ExprKind::Pattern(prefix) => format!("{prefix}*"),
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(|i| expr(src, i)).collect();
            format!("[{}]", items.join(", "))
        }
        ExprKind::Call { name: n, args } => format!("{}({})", name(&n.text), args_text(src, args)),
        ExprKind::Field { base, field } => {
            format!("{}.{}", expr_at(src, base, 8), name(&field.text))
        }
        ExprKind::Neg(inner) => format!("-{}", expr_at(src, inner, 7)),
        ExprKind::Not(inner) => format!("not {}", expr_at(src, inner, 3)),
        ExprKind::Binary { op, lhs, rhs } => {
            // Comparisons do not chain, so both sides must bind tighter.
            let lhs_min = if matches!(op, BinOp::Cmp(_)) {
                level + 1
            } else {
                level
            };
            format!(
                "{} {} {}",
                expr_at(src, lhs, lhs_min),
                op.symbol(),
                expr_at(src, rhs, level + 1)
            )
        }
        ExprKind::Between { operand, low, high } => format!(
            "{} between {} and {}",
            expr_at(src, operand, 5),
            expr_at(src, low, 5),
            expr_at(src, high, 5)
        ),
        ExprKind::In {
            operand,
            list,
            negated,
        } => {
            let items: Vec<String> = list.iter().map(|i| expr(src, i)).collect();
            let not = if *negated { "not " } else { "" };
            format!(
                "{} {not}in [{}]",
                expr_at(src, operand, 5),
                items.join(", ")
            )
        }
        ExprKind::IsNull { operand, negated } => {
            let not = if *negated { "not " } else { "" };
            format!("{} is {not}null", expr_at(src, operand, 5))
        }
    }
}

const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "is", "null", "between", "true", "false", "warn",
];

/// A name, backquoted when it is not a plain identifier.
pub fn name(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&text);
    if plain {
        text.to_string()
    } else {
        format!("`{text}`")
    }
}

pub fn string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
