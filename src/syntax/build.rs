//! Turns pest pairs into the owned AST: one `build_<rule>` function per rule.
//!
//! The grammar has already accepted the text, so the shapes here are known; a shape that does not
//! match is a bug in this file, reported as a syntax error rather than a panic.

use pest::iterators::{Pair, Pairs};

use super::Rule;
use super::error::SyntaxError;
use crate::ast::*;

type Built<T> = Result<T, SyntaxError>;

/// The pair's span without the whitespace and comments pest skips after its last token, so a
/// statement ends where its text ends and its trailing comment stays outside it.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), trimmed_end(s.get_input(), s.start(), s.end()))
}

fn trimmed_end(input: &str, start: usize, mut end: usize) -> usize {
    loop {
        end = start + input[start..end].trim_end().len();
        let line_start = input[start..end]
            .rfind('\n')
            .map_or(start, |p| start + p + 1);
        match comment_start(&input[line_start..end]) {
            Some(offset) => end = line_start + offset,
            None => return end,
        }
    }
}

/// Where a `#` comment starts in one line, outside strings and quoted names.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '"' | '`') => quote = Some(c),
            (None, '#') => return Some(i),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// A shape the grammar should have ruled out.
fn malformed(pair: &Pair<'_, Rule>) -> SyntaxError {
    SyntaxError::Unexpected {
        expected: "a well-formed statement".to_string(),
        found: format!("`{}`", pair.as_str()),
        span: span_of(pair),
        help: None,
    }
}

/// Pulls the next inner pair, or reports the parent as malformed.
struct Inner<'i> {
    parent: Pair<'i, Rule>,
    pairs: std::iter::Peekable<Pairs<'i, Rule>>,
}

impl<'i> Inner<'i> {
    fn of(pair: Pair<'i, Rule>) -> Self {
        let pairs = pair.clone().into_inner().peekable();
        Inner {
            parent: pair,
            pairs,
        }
    }

    fn next(&mut self) -> Built<Pair<'i, Rule>> {
        self.pairs.next().ok_or_else(|| malformed(&self.parent))
    }

    /// The next pair if it is of `rule`.
    fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.pairs.next_if(|p| p.as_rule() == rule)
    }

    fn rest(self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.pairs
    }
}

pub fn build_policy(pair: Pair<'_, Rule>) -> Built<Policy> {
    let mut items = Vec::new();
    for item in pair.into_inner() {
        let built = match item.as_rule() {
            Rule::model_decl => Item::Model(build_model(item)?),
            Rule::registry_decl => Item::Registry(build_service(item)?),
            Rule::serving_decl => Item::Serving(build_service(item)?),
            Rule::data_block => Item::Data(build_data(item)?),
            Rule::gate_block => Item::Gate(build_gate(item)?),
            Rule::canary_block => Item::Canary(build_canary(item)?),
            Rule::drift_block => Item::Drift(build_drift(item)?),
            Rule::EOI => continue,
            _ => return Err(malformed(&item)),
        };
        items.push(built);
    }
    Ok(Policy { items })
}

fn build_model(pair: Pair<'_, Rule>) -> Built<ModelDecl> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    inner.next()?;
    let name = build_string(inner.next()?)?;
    Ok(ModelDecl { name, span })
}

fn build_service(pair: Pair<'_, Rule>) -> Built<ServiceDecl> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    inner.next()?;
    let kind = build_name(inner.next()?)?;
    let name = inner.take(Rule::string).map(build_string).transpose()?;
    let settings = inner
        .next()?
        .into_inner()
        .map(build_setting)
        .collect::<Built<_>>()?;
    Ok(ServiceDecl {
        kind,
        name,
        settings,
        span,
    })
}

fn build_setting(pair: Pair<'_, Rule>) -> Built<Setting> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let key = build_name(inner.next()?)?;
    let value = build_expr(inner.next()?)?;
    Ok(Setting { key, value, span })
}

fn build_data(pair: Pair<'_, Rule>) -> Built<DataBlock> {
    let span = span_of(&pair);
    let mut stmts = Vec::new();
    for stmt in pair.into_inner() {
        let stmt_span = span_of(&stmt);
        let built = match stmt.as_rule() {
            Rule::kw_data => continue,
            Rule::slice_def => {
                let mut inner = Inner::of(stmt);
                DataStmt::Slice(SliceDef {
                    name: build_name(inner.next()?)?,
                    source: build_expr(inner.next()?)?,
                    span: stmt_span,
                })
            }
            Rule::join_stmt => {
                let mut inner = Inner::of(stmt);
                inner.next()?;
                inner.next()?;
                let key = build_name(inner.next()?)?;
                let max_unmatched = match inner.take(Rule::kw_allow) {
                    Some(_) => {
                        inner.next()?;
                        Some(build_expr(inner.next()?)?)
                    }
                    None => None,
                };
                DataStmt::Join(JoinStmt {
                    key,
                    max_unmatched,
                    span: stmt_span,
                })
            }
            Rule::recent_stmt => {
                let mut inner = Inner::of(stmt);
                inner.next()?;
                let age = build_expr(inner.next()?)?;
                inner.next()?;
                DataStmt::Recent(RecentStmt {
                    age,
                    column: build_name(inner.next()?)?,
                    span: stmt_span,
                })
            }
            Rule::require_stmt => DataStmt::Require(RequireStmt {
                requirements: stmt
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::requirement)
                    .map(build_requirement)
                    .collect::<Built<_>>()?,
                span: stmt_span,
            }),
            Rule::drop_nulls => DataStmt::DropNulls(stmt_span),
            _ => return Err(malformed(&stmt)),
        };
        stmts.push(built);
    }
    Ok(DataBlock { stmts, span })
}

fn build_requirement(pair: Pair<'_, Rule>) -> Built<Requirement> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let what = build_name(inner.next()?)?;
    let column = inner.take(Rule::name).map(build_name).transpose()?;
    let (op, op_span) = build_cmp_op(inner.next()?)?;
    let value = build_expr(inner.next()?)?;
    Ok(Requirement {
        what,
        column,
        op,
        op_span,
        value,
        span,
    })
}

fn build_gate(pair: Pair<'_, Rule>) -> Built<GateBlock> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    inner.next()?;
    let name = build_name(inner.next()?)?;
    let checks = inner.rest().map(build_check).collect::<Built<_>>()?;
    Ok(GateBlock { name, checks, span })
}

fn build_canary(pair: Pair<'_, Rule>) -> Built<CanaryBlock> {
    let span = span_of(&pair);
    let mut stmts = Vec::new();
    for stmt in pair.into_inner() {
        let stmt_span = span_of(&stmt);
        let built = match stmt.as_rule() {
            Rule::kw_canary => continue,
            Rule::stage_stmt => {
                let mut inner = Inner::of(stmt);
                inner.next()?;
                let percent = build_expr(inner.next()?)?;
                inner.next()?;
                let duration = build_expr(inner.next()?)?;
                let min_requests = match inner.take(Rule::kw_min) {
                    Some(_) => Some(build_expr(inner.next()?)?),
                    None => None,
                };
                CanaryStmt::Stage(Stage {
                    percent,
                    duration,
                    min_requests,
                    span: stmt_span,
                })
            }
            Rule::guard_stmt => {
                let mut inner = Inner::of(stmt);
                inner.next()?;
                CanaryStmt::Guard(build_check(inner.next()?)?)
            }
            Rule::no_traffic => {
                let mut inner = Inner::of(stmt);
                inner.next()?;
                inner.next()?;
                inner.next()?;
                let duration = build_expr(inner.next()?)?;
                inner.next()?;
                CanaryStmt::NoTraffic(NoTraffic {
                    duration,
                    action: build_name(inner.next()?)?,
                    span: stmt_span,
                })
            }
            _ => return Err(malformed(&stmt)),
        };
        stmts.push(built);
    }
    Ok(CanaryBlock { stmts, span })
}

fn build_drift(pair: Pair<'_, Rule>) -> Built<DriftBlock> {
    let span = span_of(&pair);
    let mut stmts = Vec::new();
    for stmt in pair.into_inner() {
        let built = match stmt.as_rule() {
            Rule::kw_drift => continue,
            Rule::window_stmt => {
                let stmt_span = span_of(&stmt);
                let mut inner = Inner::of(stmt);
                inner.next()?;
                let length = build_expr(inner.next()?)?;
                inner.next()?;
                DriftStmt::Window(Window {
                    length,
                    column: build_name(inner.next()?)?,
                    span: stmt_span,
                })
            }
            Rule::check => DriftStmt::Check(Box::new(build_check(stmt)?)),
            Rule::auto_check => {
                let stmt_span = span_of(&stmt);
                let mut inner = Inner::of(stmt);
                let warn = inner.take(Rule::warn).map(|p| span_of(&p));
                DriftStmt::Auto(AutoCheck {
                    warn,
                    metric: build_metric(inner.next()?)?,
                    span: stmt_span,
                })
            }
            _ => return Err(malformed(&stmt)),
        };
        stmts.push(built);
    }
    Ok(DriftBlock { stmts, span })
}

fn build_check(pair: Pair<'_, Rule>) -> Built<Check> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let warn = inner.take(Rule::warn).map(|p| span_of(&p));
    let metric = build_metric(inner.next()?)?;
    let by = match inner.take(Rule::segment) {
        Some(segment) => {
            let mut seg = Inner::of(segment);
            seg.next()?;
            Some(build_name(seg.next()?)?)
        }
        None => None,
    };
    let (op, op_span) = build_cmp_op(inner.next()?)?;
    let bound = build_expr(inner.next()?)?;
    let confidence = match inner.take(Rule::confidence) {
        Some(conf) => {
            let mut conf = Inner::of(conf);
            conf.next()?;
            Some(build_expr(conf.next()?)?)
        }
        None => None,
    };
    Ok(Check {
        warn,
        metric,
        by,
        op,
        op_span,
        bound,
        confidence,
        span,
    })
}

fn build_metric(pair: Pair<'_, Rule>) -> Built<MetricRef> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let head = inner.next()?;
    let (name, args) = match head.as_rule() {
        Rule::call => {
            let (name, args) = build_call(head)?;
            (name, Some(args))
        }
        _ => (build_name(head)?, None),
    };
    let field = match inner.take(Rule::field) {
        Some(field) => Some(build_name(Inner::of(field).next()?)?),
        None => None,
    };
    Ok(MetricRef {
        name,
        args,
        field,
        span,
    })
}

fn build_call(pair: Pair<'_, Rule>) -> Built<(Name, Vec<Arg>)> {
    let mut inner = Inner::of(pair);
    let name = build_name(inner.next()?)?;
    let args = inner.rest().map(build_arg).collect::<Built<_>>()?;
    Ok((name, args))
}

fn build_arg(pair: Pair<'_, Rule>) -> Built<Arg> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let name = inner.take(Rule::name).map(build_name).transpose()?;
    let value = build_expr(inner.next()?)?;
    Ok(Arg { name, value, span })
}

fn build_cmp_op(pair: Pair<'_, Rule>) -> Built<(CmpOp, Span)> {
    let op = CmpOp::from_symbol(pair.as_str()).ok_or_else(|| malformed(&pair))?;
    Ok((op, span_of(&pair)))
}

fn build_name(pair: Pair<'_, Rule>) -> Built<Name> {
    let span = span_of(&pair);
    let text = pair.as_str();
    let text = text
        .strip_prefix('`')
        .and_then(|t| t.strip_suffix('`'))
        .unwrap_or(text);
    Ok(Name {
        text: text.to_string(),
        span,
    })
}

fn build_string(pair: Pair<'_, Rule>) -> Built<Str> {
    let span = span_of(&pair);
    let body = Inner::of(pair).next()?;
    let value = unescape(body.as_str(), body.as_span().start())?;
    Ok(Str { value, span })
}

fn unescape(raw: &str, offset: usize) -> Built<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().map(|(_, e)| e);
        match escaped {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            other => {
                let escape = format!("\\{}", other.map(String::from).unwrap_or_default());
                let end = offset + i + escape.len();
                return Err(SyntaxError::InvalidEscape {
                    escape,
                    span: Span::new(offset + i, end),
                });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- expressions

fn build_expr(pair: Pair<'_, Rule>) -> Built<Expr> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::expr | Rule::primary => build_expr(Inner::of(pair).next()?),
        Rule::disjunction | Rule::conjunction | Rule::arith | Rule::term => build_chain(pair),
        Rule::negation => build_prefixed(pair, Rule::op_not, ExprKind::Not),
        Rule::factor => build_prefixed(pair, Rule::op_neg, ExprKind::Neg),
        Rule::comparison => build_comparison(pair),
        Rule::postfix => {
            let mut inner = Inner::of(pair);
            let mut expr = build_expr(inner.next()?)?;
            for field in inner.rest() {
                let field_name = build_name(Inner::of(field).next()?)?;
                let span = expr.span.to(field_name.span);
                expr = Expr {
                    kind: ExprKind::Field {
                        base: Box::new(expr),
                        field: field_name,
                    },
                    span,
                };
            }
            Ok(expr)
        }
        Rule::call => {
            let (name, args) = build_call(pair)?;
            Ok(Expr {
                kind: ExprKind::Call { name, args },
                span,
            })
        }
        Rule::list => Ok(Expr {
            kind: ExprKind::List(pair.into_inner().map(build_expr).collect::<Built<_>>()?),
            span,
        }),
        Rule::number => Ok(Expr {
            kind: ExprKind::Number(parse_number(&pair)?),
            span,
        }),
        Rule::percent => {
            let number = Inner::of(pair.clone()).next()?;
            Ok(Expr {
                kind: ExprKind::Percent(parse_number(&number)?),
                span,
            })
        }
        Rule::duration => build_duration(pair),
        Rule::string => {
            let s = build_string(pair)?;
            Ok(Expr {
                kind: ExprKind::Str(s.value),
                span,
            })
        }
        Rule::boolean => Ok(Expr {
            kind: ExprKind::Bool(pair.as_str() == "true"),
            span,
        }),
        Rule::pattern => Ok(Expr {
            kind: ExprKind::Pattern(pair.as_str().trim_end_matches('*').to_string()),
            span,
        }),
        Rule::name => Ok(Expr {
            kind: ExprKind::Name(build_name(pair)?.text),
            span,
        }),
        _ => Err(malformed(&pair)),
    }
}

/// Left-associative chains: `a or b`, `a and b`, `a + b - c`, `a * b / c`.
fn build_chain(pair: Pair<'_, Rule>) -> Built<Expr> {
    let mut inner = Inner::of(pair);
    let mut lhs = build_expr(inner.next()?)?;
    while let Some(op_pair) = inner.pairs.next() {
        let op = match op_pair.as_str() {
            "or" => BinOp::Or,
            "and" => BinOp::And,
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            _ => return Err(malformed(&op_pair)),
        };
        let rhs = build_expr(inner.next()?)?;
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        };
    }
    Ok(lhs)
}

/// `not not x`, `- -x`: prefix operators applied right to left.
fn build_prefixed(
    pair: Pair<'_, Rule>,
    prefix: Rule,
    wrap: fn(Box<Expr>) -> ExprKind,
) -> Built<Expr> {
    let mut prefixes = Vec::new();
    let mut inner = Inner::of(pair);
    while let Some(op) = inner.take(prefix) {
        prefixes.push(span_of(&op));
    }
    let mut expr = build_expr(inner.next()?)?;
    for op_span in prefixes.into_iter().rev() {
        let span = op_span.to(expr.span);
        expr = Expr {
            kind: wrap(Box::new(expr)),
            span,
        };
    }
    Ok(expr)
}

fn build_comparison(pair: Pair<'_, Rule>) -> Built<Expr> {
    let span = span_of(&pair);
    let mut inner = Inner::of(pair);
    let operand = build_expr(inner.next()?)?;
    let Some(tail) = inner.pairs.next() else {
        return Ok(operand);
    };
    let operand = Box::new(operand);
    let tail_rule = tail.as_rule();
    let mut parts = Inner::of(tail);
    let kind = match tail_rule {
        Rule::compare_tail => {
            let (op, _) = build_cmp_op(parts.next()?)?;
            ExprKind::Binary {
                op: BinOp::Cmp(op),
                lhs: operand,
                rhs: Box::new(build_expr(parts.next()?)?),
            }
        }
        Rule::between_tail => {
            parts.next()?;
            let low = Box::new(build_expr(parts.next()?)?);
            parts.next()?;
            ExprKind::Between {
                operand,
                low,
                high: Box::new(build_expr(parts.next()?)?),
            }
        }
        Rule::in_tail => {
            let negated = parts.take(Rule::kw_not).is_some();
            parts.next()?;
            let list = parts.next()?;
            ExprKind::In {
                operand,
                list: list.into_inner().map(build_expr).collect::<Built<_>>()?,
                negated,
            }
        }
        Rule::null_tail => {
            parts.next()?;
            ExprKind::IsNull {
                operand,
                negated: parts.take(Rule::kw_not).is_some(),
            }
        }
        _ => return Err(malformed(&parts.parent)),
    };
    Ok(Expr { kind, span })
}

fn build_duration(pair: Pair<'_, Rule>) -> Built<Expr> {
    let span = span_of(&pair);
    let number = Inner::of(pair.clone()).next()?;
    let suffix = &pair.as_str()[number.as_str().len()..];
    let unit = DurationUnit::from_suffix(suffix).ok_or_else(|| malformed(&pair))?;
    Ok(Expr {
        kind: ExprKind::Duration(parse_number(&number)?, unit),
        span,
    })
}

fn parse_number(pair: &Pair<'_, Rule>) -> Built<f64> {
    let text = pair.as_str();
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(SyntaxError::MalformedNumber {
            text: text.to_string(),
            span: span_of(pair),
        }),
    }
}
