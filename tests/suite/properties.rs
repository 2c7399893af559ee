//! The parser and checker never panic, whatever the input.

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
    let _ = verdict::source::compile(text);
    let parsed = verdict::syntax::parse(text);
    if let (Some(policy), true) = (parsed.policy, parsed.errors.is_empty()) {
        let formatted = verdict::format::format(text, &policy);
        let reparsed = verdict::syntax::parse(&formatted);
        assert!(
            reparsed.errors.is_empty(),
            "fmt produced unparsable text:\n{formatted}"
        );
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
