//! An integer column against an f64 one (pandas' integers with a missing value) compares, as
//! both f64: the same values as when both slices store f64, a note in the report, an error for
//! integers beyond 2^53, and text against numbers still refused.

use polars::prelude::*;

use crate::report_schema::assert_valid;
use crate::support::{SplitMix64, TempDir, Verdict};

const ROWS: usize = 300;
const GATE: &str = "gate g {\n  auroc(label, score) >= champion - 0.5\n  psi(amount) < 10\n  ks(amount) <= 1\n  wasserstein(amount) < 1000\n  psi(kind) < 10\n}\n";

/// How a fixture stores `amount` (whole numbers in every case).
#[derive(Clone, Copy)]
enum Amount {
    Integers,
    /// As f64, with every 7th row missing, as pandas writes an integer column with a gap.
    FloatsWithNulls,
    /// As f64 without gaps: what the integers look like once widened.
    Floats,
}

/// A scored slice: `label`, `score`, `amount` stored as `amount` says, `kind` as text or, with
/// `kind_as_number`, as integers. `shift` moves the amounts so the two slices differ.
fn slice(dir: &TempDir, name: &str, amount: Amount, shift: i64, kind_as_number: bool) -> String {
    let mut rng = SplitMix64(shift as u64 + 7);
    let label: Vec<i64> = (0..ROWS).map(|i| (i % 3 == 0) as i64).collect();
    let score: Vec<f64> = (0..ROWS)
        .map(|i| 0.6 * label[i] as f64 + 0.4 * rng.unit())
        .collect();
    let amounts: Vec<i64> = (0..ROWS)
        .map(|_| (rng.next() % 500) as i64 + shift)
        .collect();
    let amount = match amount {
        Amount::Integers => Column::new("amount".into(), &amounts),
        Amount::Floats => Column::new(
            "amount".into(),
            amounts.iter().map(|&a| a as f64).collect::<Vec<f64>>(),
        ),
        Amount::FloatsWithNulls => Column::new(
            "amount".into(),
            (amounts.iter().enumerate())
                .map(|(i, &a)| (i % 7 != 3).then_some(a as f64))
                .collect::<Vec<Option<f64>>>(),
        ),
    };
    let kind = if kind_as_number {
        Column::new(
            "kind".into(),
            (0..ROWS as i64).map(|i| i % 4).collect::<Vec<_>>(),
        )
    } else {
        Column::new(
            "kind".into(),
            (0..ROWS)
                .map(|i| ["a", "b", "c", "d"][i % 4])
                .collect::<Vec<_>>(),
        )
    };
    let columns = vec![
        Column::new("label".into(), &label),
        Column::new("score".into(), &score),
        amount,
        kind,
    ];
    write(dir, name, DataFrame::new(ROWS, columns).expect("frame"))
}

fn write(dir: &TempDir, name: &str, mut frame: DataFrame) -> String {
    let path = dir.0.join(name);
    let file = std::fs::File::create(&path).expect("create");
    ParquetWriter::new(file)
        .finish(&mut frame)
        .expect("write parquet");
    path.display().to_string()
}

fn gate(dir: &TempDir, champion: &str, challenger: &str, format: &str) -> crate::support::Run {
    let policy = dir.file("gate.policy", GATE);
    Verdict::new()
        .args([
            "gate",
            &policy,
            "--champion",
            champion,
            "--challenger",
            challenger,
        ])
        .args(["--format", format])
        .run()
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn values(report: &serde_json::Value) -> Vec<serde_json::Value> {
    let checks = report["checks"].as_array().expect("checks");
    checks
        .iter()
        .map(|c| serde_json::json!([c["status"], c["challenger"], c["champion"], c["rows"]]))
        .collect()
}

#[test]
fn integers_against_floats_with_nulls_give_the_values_of_floats_on_both_sides() {
    let dir = TempDir::new("widen-gate");
    let floats = slice(&dir, "floats.parquet", Amount::Floats, 0, false);
    let integers = slice(&dir, "integers.parquet", Amount::Integers, 0, false);
    let with_nulls = slice(&dir, "nulls.parquet", Amount::FloatsWithNulls, 40, false);

    let both_floats = json(
        &gate(&dir, &floats, &with_nulls, "json")
            .expect_code(0)
            .stdout,
    );
    let widened = json(
        &gate(&dir, &integers, &with_nulls, "json")
            .expect_code(0)
            .stdout,
    );
    assert_eq!(values(&widened), values(&both_floats));
    assert_eq!(widened["checks"].as_array().map(Vec::len), Some(5));
    // Said in the report, on the slice whose column was widened, and only there.
    assert_eq!(
        widened["data"][0]["widened"],
        serde_json::json!([{"column": "amount", "from": "i64"}])
    );
    assert!(widened["data"][1].get("widened").is_none());
    assert!(both_floats["data"][0].get("widened").is_none());
    assert_valid(&widened);

    // The other way round: the challenger stores the integers.
    let reversed = json(
        &gate(&dir, &with_nulls, &integers, "json")
            .expect_code(0)
            .stdout,
    );
    let reversed_floats = json(
        &gate(&dir, &with_nulls, &floats, "json")
            .expect_code(0)
            .stdout,
    );
    assert_eq!(values(&reversed), values(&reversed_floats));
    assert_eq!(reversed["data"][1]["widened"][0]["column"], "amount");

    let human = gate(&dir, &integers, &with_nulls, "human").expect_code(0);
    assert!(
        human.stdout.contains(
            "note: champion: integer columns read as f64 to compare with the other slice (exact up to 2^53): `amount` (i64)"
        ),
        "{}",
        human.stdout
    );
    let markdown = gate(&dir, &integers, &with_nulls, "markdown").expect_code(0);
    assert!(
        markdown
            .stdout
            .contains("> champion: integer columns read as f64"),
        "{}",
        markdown.stdout
    );
}

#[test]
fn an_integer_beyond_two_to_the_53_is_an_error_naming_slice_column_and_value() {
    let dir = TempDir::new("widen-large");
    let with_nulls = slice(&dir, "nulls.parquet", Amount::FloatsWithNulls, 40, false);
    let integers = slice(&dir, "integers.parquet", Amount::Integers, 0, false);
    let frame = LazyFrame::scan_parquet(PlRefPath::new(&integers), ScanArgsParquet::default())
        .and_then(|lf| {
            lf.with_column(
                when(col("amount").gt(lit(450)))
                    .then(lit((1_i64 << 53) + 1))
                    .otherwise(col("amount"))
                    .alias("amount"),
            )
            .collect()
        })
        .expect("edit");
    let large = write(&dir, "large.parquet", frame);
    let run = gate(&dir, &large, &with_nulls, "json").expect_code(2);
    let report = json(&run.stdout);
    assert_eq!(report["errors"][0]["code"], "data::inexact_integer");
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert_eq!(
        message,
        "column `amount` of slice `champion` holds 9007199254740993, beyond 2^53: as f64, which slice `challenger` stores, it would not be exact"
    );
    let help = report["errors"][0]["help"].as_str().unwrap_or("");
    assert!(
        help.contains("store the column as i64 in both slices"),
        "{help}"
    );

    // 2^53 itself is exact.
    let frame = LazyFrame::scan_parquet(PlRefPath::new(&integers), ScanArgsParquet::default())
        .and_then(|lf| {
            lf.with_column(
                when(col("amount").gt(lit(450)))
                    .then(lit(-(1_i64 << 53)))
                    .otherwise(col("amount"))
                    .alias("amount"),
            )
            .collect()
        })
        .expect("edit");
    let edge = write(&dir, "edge.parquet", frame);
    let report = json(&gate(&dir, &edge, &with_nulls, "json").stdout);
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
}

#[test]
fn text_against_numbers_is_still_a_schema_mismatch() {
    let dir = TempDir::new("widen-text");
    let text = slice(&dir, "text.parquet", Amount::Integers, 0, false);
    let numbers = slice(&dir, "numbers.parquet", Amount::FloatsWithNulls, 40, true);
    let report = json(&gate(&dir, &text, &numbers, "json").expect_code(2).stdout);
    assert_eq!(report["errors"][0]["code"], "data::schema_mismatch");
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("column `kind` is str in slice `champion` but i64 in slice `challenger`"),
        "{message}"
    );
}

#[test]
fn drift_and_auto_compare_integers_with_floats_as_floats() {
    let dir = TempDir::new("widen-drift");
    let policy = dir.file(
        "drift.policy",
        "drift {\n  auto(amount)\n  psi(amount) < 0.2\n}\n",
    );
    let floats = slice(&dir, "floats.parquet", Amount::Floats, 0, false);
    let integers = slice(&dir, "integers.parquet", Amount::Integers, 0, false);
    let with_nulls = slice(&dir, "nulls.parquet", Amount::FloatsWithNulls, 40, false);
    let drift = |reference: &str| {
        let run = Verdict::new()
            .args([
                "drift",
                &policy,
                "--reference",
                reference,
                "--current",
                &with_nulls,
            ])
            .args(["--format", "json"])
            .run();
        assert_ne!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
        json(&run.stdout)
    };
    let widened = drift(&integers);
    let both_floats = drift(&floats);
    assert_eq!(values(&widened), values(&both_floats));
    assert_eq!(
        widened["checks"][0]["metric"],
        both_floats["checks"][0]["metric"]
    );
    assert_eq!(widened["data"][0]["widened"][0]["from"], "i64");
    assert_valid(&widened);
}
