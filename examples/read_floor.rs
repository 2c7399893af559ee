//! The floor of scripts/bench-gate, measured with the polars verdict itself is built with: read
//! the columns benches/gate-10m.policy needs from both slices (the same lazy scan, one slice
//! after the other, as `verdict gate` reads them) and sort both score columns. Prints seconds.
//!
//! Usage: cargo run --release --example read_floor -- CHAMPION.parquet CHALLENGER.parquet

use std::time::Instant;

use polars::prelude::*;

const COLUMNS: [&str; 4] = ["label", "score", "latency_ms", "memory_mb"];

fn read(path: &str) -> PolarsResult<DataFrame> {
    let features = (0..20).map(|k| format!("f{k:02}"));
    let columns: Vec<Expr> = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(features)
        .map(|c| col(c.as_str()))
        .collect();
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())?
        .select(columns)
        .collect()
}

fn sorted_scores(frame: &DataFrame) -> PolarsResult<Vec<f64>> {
    let mut scores: Vec<f64> = frame.column("score")?.f64()?.into_no_null_iter().collect();
    scores.sort_unstable_by(f64::total_cmp);
    Ok(scores)
}

fn main() -> PolarsResult<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let [champion, challenger] = paths.as_slice() else {
        eprintln!("usage: read_floor CHAMPION.parquet CHALLENGER.parquet");
        std::process::exit(2);
    };
    let start = Instant::now();
    let (a, b) = (read(champion)?, read(challenger)?);
    let sorted = [sorted_scores(&a)?, sorted_scores(&b)?];
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(&sorted);
    println!("{seconds}");
    Ok(())
}
