//! Parsing and checking never panic, whatever the bytes; a policy that parses cleanly survives
//! `fmt`: the formatted text parses cleanly again, and formatting it once more changes nothing.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let _ = verdict::source::compile(&text, &verdict::check::Invocation::CHECK);

    let parsed = verdict::syntax::parse(&text);
    let (Some(policy), true) = (parsed.policy, parsed.errors.is_empty()) else {
        return;
    };
    let formatted = verdict::format::format(&text, &policy);
    let reparsed = verdict::syntax::parse(&formatted);
    let Some(reformatted_policy) = reparsed.policy.filter(|_| reparsed.errors.is_empty()) else {
        panic!(
            "fmt produced text that does not parse:\n{formatted}\nerrors: {:?}",
            reparsed.errors
        );
    };
    let reformatted = verdict::format::format(&formatted, &reformatted_policy);
    assert_eq!(
        formatted, reformatted,
        "fmt is not idempotent on its own output"
    );
});
