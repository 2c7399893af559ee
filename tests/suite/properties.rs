//! The parser and checker never panic, whatever the input, and `fmt` output reads back unchanged.

use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "model",
    "data",
    "gate",
    "canary",
    "drift",
    "registry",
    "serving",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
    "==",
    ">=",
    "<=",
    "<",
    ">",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "->",
    "→",
    "%",
    "\"s\"",
    "\"",
    "`",
    "auroc",
    "psi",
    "ks",
    "p99",
    "rate",
    "champion",
    "stable",
    "reference",
    "label",
    "score",
    "by",
    "at",
    "warn",
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "between",
    "stage",
    "guard",
    "for",
    "min",
    "requests",
    "no",
    "traffic",
    "rollback",
    "window",
    "on",
    "join",
    "recent",
    "require",
    "rows",
    "positives",
    "drop",
    "nulls",
    "0",
    "1.5",
    "95%",
    "30m",
    "7d",
    "1e9",
    "f*",
    "#c\n",
    "\n",
    " ",
];

fn compile_never_panics(text: &str) {
    let _ = verdict::source::compile(text, &verdict::check::Invocation::CHECK);
    let parsed = verdict::syntax::parse(text);
    if let (Some(policy), true) = (parsed.policy, parsed.errors.is_empty()) {
        let formatted = verdict::format::format(text, &policy);
        let reparsed = verdict::syntax::parse(&formatted);
        let Some(reformatted) = reparsed.policy.filter(|_| reparsed.errors.is_empty()) else {
            panic!("fmt produced unparsable text:\n{formatted}");
        };
        assert_eq!(
            verdict::format::format(&formatted, &reformatted),
            formatted,
            "fmt is not idempotent"
        );
    }
}

/// Inputs found by fuzzing (`fuzz/`) or by reading the code that once broke `fmt`.
const REGRESSIONS: &[&str] = &[
    // A pattern before a list's trailing comma: fmt drops the comma, and the grammar took `f*` for
    // a pattern only before `,` or `)`, so `[f*]` read back as a multiplication with no right side.
    "registry mlflow {\n  uri = [f*,]\n}\n",
    "drift {\n  psi(*, except = [id*,]) < 0.1\n}\n",
    // A metric named `at` after another check: printed bare, it read as that check's confidence.
    "gate g {\n  auroc(label, score) >= 1\n  `at`(score) >= 2\n}\n",
    "drift {\n  psi(a) < 1\n  `at` by s < 2\n}\n",
];

#[test]
fn fmt_round_trips_the_regressions() {
    for text in REGRESSIONS {
        compile_never_panics(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        compile_never_panics(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_sequences_never_panic(indices in proptest::collection::vec(0..TOKENS.len(), 0..80)) {
        let text: Vec<&str> = indices.iter().map(|&i| TOKENS[i]).collect();
        compile_never_panics(&text.join(" "));
    }
}
