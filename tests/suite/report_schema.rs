//! The committed JSON Schemas, one per envelope verdict prints (schema/*.schema.json), and
//! report.json against its own, schema/report-v1.schema.json: every report the report tests
//! write is validated (see `html_report::report_files`), and so are the reports below,
//! including one that could not decide. tests/suite/envelopes.rs validates the others.
//!
//! The validator is a small one for the part of JSON Schema 2020-12 the files use. The crates
//! that validate JSON Schema enable features of crates polars builds on (`idna`), which would
//! make `cargo test` build polars a second time (BUILD.md). It refuses any keyword it does not
//! implement and any `$ref` that does not resolve, so a schema cannot grow a rule that these
//! tests silently skip. A `$ref` may name a neighbouring file (`report-v1.schema.json#/$defs/
//! check`): the files sit side by side, and references are relative to the referring file.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::support::{Verdict, root};

const NOW: &str = "2026-11-26T00:00:00Z";
const POLICY: &str = "policies/risk-classifier.policy";
pub const REPORT: &str = "report-v1.schema.json";

/// Keywords that only describe.
const ANNOTATIONS: [&str; 3] = ["$schema", "title", "description"];
/// Keywords this validator checks.
const ASSERTIONS: [&str; 18] = [
    "$defs",
    "$ref",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "anyOf",
];

/// Every file in schema/, by name (`canary-v1.schema.json`).
pub struct Schemas(BTreeMap<String, Value>);

/// The schemas, read and checked once per test binary.
pub fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(Schemas::load)
}

impl Schemas {
    fn load() -> Schemas {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(root().join("schema")).expect("schema/") {
            let path = entry.expect("a schema file").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name")
                .to_string();
            let text = std::fs::read_to_string(&path).expect("a schema file");
            let schema: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("schema/{name} is not JSON: {e}"));
            files.insert(name, schema);
        }
        let schemas = Schemas(files);
        for (name, schema) in &schemas.0 {
            schemas.known_keywords(name, schema, &format!("{name}#"));
        }
        schemas
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> &Value {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("there is no schema/{name}"))
    }

    /// Where `document` breaks the schema in file `name`, one line per violation; empty when
    /// it conforms.
    pub fn violations(&self, name: &str, document: &Value) -> Vec<String> {
        let mut found = Vec::new();
        self.validate(name, self.get(name), document, "", &mut found);
        found
    }

    /// The file and the schema a `$ref` in file `from` names.
    fn resolve<'a>(&'a self, from: &str, reference: &str) -> Option<(&'a str, &'a Value)> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let (name, document) = self
            .0
            .get_key_value(if file.is_empty() { from } else { file })?;
        Some((name.as_str(), document.pointer(pointer)?))
    }

    /// Panics on a keyword the validator would ignore, or a `$ref` it cannot follow, anywhere
    /// in `schema` (in file `file`).
    fn known_keywords(&self, file: &str, schema: &Value, at: &str) {
        let Value::Object(keywords) = schema else {
            assert!(
                schema.is_boolean(),
                "{at}: a schema is an object or a boolean"
            );
            return;
        };
        for (keyword, rule) in keywords {
            assert!(
                ANNOTATIONS.contains(&keyword.as_str()) || ASSERTIONS.contains(&keyword.as_str()),
                "{at}: the test validator does not implement `{keyword}`"
            );
            let at = format!("{at}/{keyword}");
            match keyword.as_str() {
                "$defs" | "properties" => {
                    for (name, sub) in rule.as_object().expect("an object of schemas") {
                        self.known_keywords(file, sub, &format!("{at}/{name}"));
                    }
                }
                "anyOf" => {
                    for (i, sub) in rule
                        .as_array()
                        .expect("an array of schemas")
                        .iter()
                        .enumerate()
                    {
                        self.known_keywords(file, sub, &format!("{at}/{i}"));
                    }
                }
                "items" | "additionalProperties" => self.known_keywords(file, rule, &at),
                "$ref" => assert!(
                    rule.as_str().and_then(|r| self.resolve(file, r)).is_some(),
                    "{at}: `$ref` {rule} names no schema in schema/"
                ),
                _ => {}
            }
        }
    }

    /// Checks `instance` against `schema`, a part of file `file`.
    fn validate(
        &self,
        file: &str,
        schema: &Value,
        instance: &Value,
        at: &str,
        found: &mut Vec<String>,
    ) {
        let keywords = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                found.push(format!("{at}: not allowed here"));
                return;
            }
            Value::Object(keywords) => keywords,
            _ => panic!("{at}: a schema is an object or a boolean"),
        };
        let mut fail = |message: String| found.push(format!("{at}: {message}"));
        let mut nested = Vec::new();
        for (keyword, rule) in keywords {
            match (keyword.as_str(), instance) {
                ("$ref", _) => {
                    let (file, target) = rule
                        .as_str()
                        .and_then(|r| self.resolve(file, r))
                        .unwrap_or_else(|| panic!("{at}: `$ref` {rule} names no schema"));
                    self.validate(file, target, instance, at, &mut nested);
                }
                ("type", _) => {
                    let names: Vec<&str> = match rule {
                        Value::String(name) => vec![name],
                        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("{at}: `type` is a name or a list of names"),
                    };
                    if !names.iter().any(|name| has_type(instance, name)) {
                        fail(format!("{instance} is not of type {}", names.join(" or ")));
                    }
                }
                ("const", _) if instance != rule => fail(format!("{instance} is not {rule}")),
                ("enum", _) if !rule.as_array().is_some_and(|v| v.contains(instance)) => {
                    fail(format!("{instance} is not one of {rule}"));
                }
                ("required", Value::Object(members)) => {
                    for name in rule
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !members.contains_key(name) {
                            fail(format!("`{name}` is required"));
                        }
                    }
                }
                ("properties", Value::Object(members)) => {
                    for (name, sub) in rule.as_object().into_iter().flatten() {
                        if let Some(member) = members.get(name) {
                            let at = format!("{at}/{name}");
                            self.validate(file, sub, member, &at, &mut nested);
                        }
                    }
                }
                ("additionalProperties", Value::Object(members)) => {
                    let declared = keywords.get("properties").and_then(Value::as_object);
                    for (name, member) in members {
                        if !declared.is_some_and(|d| d.contains_key(name)) {
                            let at = format!("{at}/{name}");
                            self.validate(file, rule, member, &at, &mut nested);
                        }
                    }
                }
                ("items", Value::Array(elements)) => {
                    for (i, element) in elements.iter().enumerate() {
                        self.validate(file, rule, element, &format!("{at}/{i}"), &mut nested);
                    }
                }
                ("minItems", Value::Array(v)) if (v.len() as u64) < limit(rule) => {
                    fail(format!("fewer than {rule} items"));
                }
                ("maxItems", Value::Array(v)) if (v.len() as u64) > limit(rule) => {
                    fail(format!("more than {rule} items"));
                }
                ("minLength", Value::String(s)) if (s.chars().count() as u64) < limit(rule) => {
                    fail(format!("{instance} is shorter than {rule} characters"));
                }
                ("maxLength", Value::String(s)) if (s.chars().count() as u64) > limit(rule) => {
                    fail(format!("{instance} is longer than {rule} characters"));
                }
                ("minimum", Value::Number(n)) if !compare(n, rule, |v, m| v >= m) => {
                    fail(format!("{n} is less than {rule}"));
                }
                ("maximum", Value::Number(n)) if !compare(n, rule, |v, m| v <= m) => {
                    fail(format!("{n} is more than {rule}"));
                }
                ("exclusiveMinimum", Value::Number(n)) if !compare(n, rule, |v, m| v > m) => {
                    fail(format!("{n} is not more than {rule}"));
                }
                ("exclusiveMaximum", Value::Number(n)) if !compare(n, rule, |v, m| v < m) => {
                    fail(format!("{n} is not less than {rule}"));
                }
                ("anyOf", _) => {
                    let alternatives = rule.as_array().expect("`anyOf` is a list of schemas");
                    let fits = alternatives.iter().any(|sub| {
                        let mut under = Vec::new();
                        self.validate(file, sub, instance, "", &mut under);
                        under.is_empty()
                    });
                    if !fits {
                        fail(format!("{instance} matches none of the alternatives"));
                    }
                }
                _ => {}
            }
        }
        found.append(&mut nested);
    }
}

/// Panics with every violation when `document` breaks schema/`name`.
pub fn assert_conforms(name: &str, document: &Value) {
    let found = schemas().violations(name, document);
    assert!(
        found.is_empty(),
        "the document breaks schema/{name}:\n  {}\n{document:#}",
        found.join("\n  ")
    );
}

pub fn assert_valid(report: &Value) {
    assert_conforms(REPORT, report);
}

fn has_type(instance: &Value, name: &str) -> bool {
    match name {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        // JSON Schema counts 2.0 as an integer: the value decides, not its spelling.
        "integer" => instance.as_f64().is_some_and(|v| v.fract() == 0.0),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        _ => panic!("unknown type `{name}`"),
    }
}

fn limit(rule: &Value) -> u64 {
    rule.as_u64().expect("a length limit is a whole number")
}

fn compare(value: &serde_json::Number, rule: &Value, holds: fn(f64, f64) -> bool) -> bool {
    let bound = rule.as_f64().expect("a numeric limit is a number");
    value.as_f64().is_some_and(|v| holds(v, bound))
}

/// A change that breaks a conforming document.
pub type Breaking = fn(&mut Value);

/// `document` conforms to schema/`name`, and each edit of it makes the schema report a
/// violation starting with its text.
pub fn assert_each_breaks(name: &str, document: &Value, broken: &[(&str, Breaking)]) {
    assert_conforms(name, document);
    for (expected, breaking) in broken {
        let mut copy = document.clone();
        breaking(&mut copy);
        let found = schemas().violations(name, &copy);
        assert!(
            found.iter().any(|v| v.starts_with(expected)),
            "schema/{name}: expected `{expected}…`, found {found:?}"
        );
    }
}

/// `verdict ARGS --format json`: the report on stdout.
fn printed(args: &[&str], code: i32) -> Value {
    let run = Verdict::new()
        .args(args)
        .args(["--now", NOW, "--format", "json"])
        .run()
        .expect_code(code);
    serde_json::from_str(&run.stdout).expect("the report is JSON")
}

#[test]
fn a_report_that_could_not_decide_conforms() {
    let report = printed(
        &[
            "gate",
            POLICY,
            "--gate",
            "promote",
            "--challenger",
            "datasets/risk/no-such-file.parquet",
        ],
        2,
    );
    assert_eq!(report["verdict"], "error");
    assert!(report["errors"][0]["message"].is_string(), "{report}");
    assert_valid(&report);
}

#[test]
fn broken_reports_are_rejected_where_they_break() {
    let report = printed(&["gate", POLICY, "--gate", "promote"], 0);
    let broken: [(&str, Breaking); 9] = [
        ("/schema: \"verdict.report/v2\" is not", |r| {
            r["schema"] = json!("verdict.report/v2")
        }),
        (": `verdict` is required", |r| {
            r.as_object_mut().map(|o| o.remove("verdict"));
        }),
        ("/verdict: \"maybe\" is not one of", |r| {
            r["verdict"] = json!("maybe")
        }),
        ("/checks/0/extra: not allowed here", |r| {
            r["checks"][0]["extra"] = json!(1)
        }),
        (
            "/checks/0/challenger: \"0.8\" is not of type number or null",
            |r| r["checks"][0]["challenger"] = json!("0.8"),
        ),
        ("/checks/0/ci: [0.8] matches none", |r| {
            r["checks"][0]["ci"] = json!([0.8])
        }),
        ("/checks/0/segments/0: `reason` is required", |r| {
            r["checks"][0]["segments"] = json!([{"value": "uk", "rows": [1, 1], "challenger": null, "champion": null,
                        "threshold": null, "ci": null, "status": "skipped"}])
        }),
        ("/data/0/rows: -1 is less than 0", |r| {
            r["data"][0]["rows"] = json!(-1)
        }),
        ("/data/0/sha256: \"abc\" is shorter than 64", |r| {
            r["data"][0]["sha256"] = json!("abc")
        }),
    ];
    assert_each_breaks(REPORT, &report, &broken);
}

/// The `canary` object of a `canary step` report, checked without the services a real step
/// needs (tests/suite/canary.rs validates the report of a real rollback): a gate report made
/// into a canary one.
#[test]
fn the_canary_part_of_a_report_is_checked() {
    let mut report = printed(&["gate", POLICY, "--gate", "promote"], 0);
    assert!(
        report.get("canary").is_none(),
        "gate reports have no canary"
    );
    report["command"] = json!("canary");
    report["canary"] = json!({
        "decision": "hold", "reason": "inconclusive: 12 of 2000 canary requests so far",
        "applied": true, "inference_service": "default/risk", "version": "2",
        "stable_version": "1", "phase": "running", "stage": 2, "percent": 25, "requests": 12,
        "stages": 4,
        "history": [
            {"stage": 1, "percent": 5, "started": "2026-11-26T00:00:00.000Z",
             "ended": "2026-11-26T00:30:00.000Z", "decision": "advance", "requests": 3998,
             "reason": null},
            {"stage": 2, "percent": 25, "started": "2026-11-26T00:30:00.000Z", "ended": null,
             "decision": null, "requests": 12, "reason": null}
        ]
    });
    let broken: [(&str, Breaking); 4] = [
        ("/canary/decision: \"maybe\" is not one of", |r| {
            r["canary"]["decision"] = json!("maybe")
        }),
        ("/canary/stage: 0 is less than 1", |r| {
            r["canary"]["stage"] = json!(0)
        }),
        ("/canary/history/0: `ended` is required", |r| {
            r["canary"]["history"][0]
                .as_object_mut()
                .map(|o| o.remove("ended"));
        }),
        ("/canary/history/1/decision: \"hold\" is not one of", |r| {
            r["canary"]["history"][1]["decision"] = json!("hold")
        }),
    ];
    assert_each_breaks(REPORT, &report, &broken);
}

/// One file per envelope, named after the `schema` its documents carry: `X-vN.schema.json`
/// for `verdict.X/vN`.
#[test]
fn every_envelope_has_its_schema_file() {
    let names: Vec<&str> = schemas().names().collect();
    assert_eq!(
        names,
        [
            "canary-v1.schema.json",
            "promote-v1.schema.json",
            REPORT,
            "rollback-v1.schema.json",
            "status-v1.schema.json",
        ]
    );
    for name in names {
        let schema = schemas().get(name);
        let (envelope, version) = name
            .strip_suffix(".schema.json")
            .and_then(|stem| stem.rsplit_once('-'))
            .expect("X-vN.schema.json");
        let contract = format!("verdict.{envelope}/{version}");
        assert_eq!(schema["title"], contract.as_str(), "{name}");
        assert_eq!(
            schema["properties"]["schema"]["const"],
            contract.as_str(),
            "{name}"
        );
        assert_eq!(schema["additionalProperties"], false, "{name}");
        assert!(
            schema["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!("schema"))),
            "{name}"
        );
    }
}

/// A `$ref` the validator cannot follow (a missing file or definition) stops the tests at
/// load time instead of validating nothing.
#[test]
#[should_panic(expected = "names no schema in schema/")]
fn a_reference_that_resolves_nowhere_is_refused() {
    let schema = json!({"properties": {"check": {"$ref": "report-v1.schema.json#/$defs/nothing"}}});
    let schemas = Schemas(BTreeMap::from([
        (REPORT.to_string(), schemas().get(REPORT).clone()),
        ("x-v1.schema.json".to_string(), schema.clone()),
    ]));
    schemas.known_keywords("x-v1.schema.json", &schema, "x-v1.schema.json#");
}
