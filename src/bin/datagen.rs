//! `verdict-datagen`: writes the seeded sample slices under `datasets/` (and, with `--rows`,
//! large slices for benchmarks). The same seed gives the same bytes on every machine.
//!
//! Usage: verdict-datagen [--out DIR] [--rows N] [--features K] [--seed S] [--only risk|demand]
//!        verdict-datagen --only traffic --from T --to T [--out DIR] [--rows N]
//!
//! `--only traffic` writes live canary traffic for canary tests and demos: `canary.parquet`
//! (the challenger serving), `stable.parquet` (the champion serving) and `canary-slow.parquet`
//! (the challenger with the regressed model's latency), with timestamps spread over [T, T)
//! (RFC 3339), straight into DIR.

use std::path::{Path, PathBuf};

use polars::prelude::*;

/// splitmix64: tiny, seeded, identical everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Newest timestamp of the samples: README and tests pass `--now 2026-11-26T00:00:00Z`.
const NEWEST_MS: i64 = 1_795_647_600_000; // 2026-11-25T23:00:00Z
const WEEK_MS: f64 = 7.0 * 86_400_000.0;

struct Options {
    out: PathBuf,
    rows: usize,
    features: usize,
    seed: u64,
    only: Option<String>,
    /// `--from`/`--to` in ms: where live traffic's timestamps fall.
    span: Option<(i64, i64)>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        out: PathBuf::from("datasets"),
        rows: 0,
        features: 5,
        seed: 20261126,
        only: None,
        span: None,
    };
    let (mut from, mut to) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => options.out = PathBuf::from(value()?),
            "--rows" => options.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--features" => {
                options.features = value()?.parse().map_err(|e| format!("--features: {e}"))?
            }
            "--seed" => options.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--only" => options.only = Some(value()?),
            "--from" => from = Some(time_ms(&value()?)?),
            "--to" => to = Some(time_ms(&value()?)?),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    options.span = match (from, to) {
        (Some(from), Some(to)) if from < to => Some((from, to)),
        (None, None) => None,
        _ => return Err("--from and --to go together, --from first in time".into()),
    };
    Ok(options)
}

fn time_ms(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))
}

fn main() {
    let result = parse_args().and_then(|o| generate(&o).map_err(|e| e.to_string()));
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}

fn generate(options: &Options) -> PolarsResult<()> {
    let wants = |name: &str| options.only.as_deref().is_none_or(|o| o == name);
    if wants("risk") {
        let dir = options.out.join("risk");
        std::fs::create_dir_all(&dir)?;
        let rows = if options.rows > 0 {
            options.rows
        } else {
            12_000
        };
        let risk = |seed_offset: u64, quality: Quality, rows: usize| Risk {
            rows,
            features: options.features,
            seed: options.seed + seed_offset,
            quality,
            shift: 0.0,
            weak_segment: None,
            span: None,
        };
        write(
            &dir.join("champion.parquet"),
            risk(1, Quality::CHAMPION, rows).frame()?,
        )?;
        write(
            &dir.join("challenger.parquet"),
            risk(1, Quality::CHALLENGER, rows).frame()?,
        )?;
        if options.rows == 0 {
            write(
                &dir.join("challenger-regressed.parquet"),
                risk(1, Quality::REGRESSED, rows).frame()?,
            )?;
            write(
                &dir.join("reference.parquet"),
                risk(2, Quality::CHAMPION, rows).frame()?,
            )?;
            write(
                &dir.join("stable.parquet"),
                risk(3, Quality::CHAMPION, 4_000).frame()?,
            )?;
            write(
                &dir.join("canary.parquet"),
                risk(4, Quality::CHALLENGER, 4_000).frame()?,
            )?;
            let drifted = Risk {
                shift: 0.6,
                ..risk(1, Quality::CHAMPION, rows)
            };
            write(&dir.join("current-drifted.parquet"), drifted.frame()?)?;
            // Confidence bounds: a retrain as good as the champion, ahead by noise only.
            write(
                &dir.join("challenger-lookalike.parquet"),
                risk(1, Quality::LOOKALIKE, rows).frame()?,
            )?;
            // Segments: better overall, worse on one market.
            let weak = Risk {
                weak_segment: Some(("uk", Quality::REGRESSED)),
                ..risk(1, Quality::CHALLENGER, rows)
            };
            write(
                &dir.join("challenger-segment-regressed.parquet"),
                weak.frame()?,
            )?;
        }
    }
    if options.only.as_deref() == Some("traffic") {
        let Some(span) = options.span else {
            return Err(PolarsError::ComputeError(
                "--only traffic needs --from and --to".into(),
            ));
        };
        std::fs::create_dir_all(&options.out)?;
        let rows = if options.rows > 0 {
            options.rows
        } else {
            4_000
        };
        let live = |seed_offset: u64, quality: Quality| Risk {
            rows,
            features: options.features,
            seed: options.seed + seed_offset,
            quality,
            shift: 0.0,
            weak_segment: None,
            span: Some(span),
        };
        let slow = Quality {
            latency_scale: Quality::REGRESSED.latency_scale,
            ..Quality::CHALLENGER
        };
        for (name, traffic) in [
            ("canary", live(4, Quality::CHALLENGER)),
            ("stable", live(3, Quality::CHAMPION)),
            ("canary-slow", live(4, slow)),
        ] {
            write(
                &options.out.join(format!("{name}.parquet")),
                traffic.frame()?,
            )?;
        }
    }
    if wants("demand") && options.rows == 0 {
        let dir = options.out.join("demand");
        std::fs::create_dir_all(&dir)?;
        write(
            &dir.join("champion.parquet"),
            demand(options.seed + 5, 0.30, 1.0)?,
        )?;
        write(
            &dir.join("challenger.parquet"),
            demand(options.seed + 5, 0.27, 1.05)?,
        )?;
    }
    Ok(())
}

fn write(path: &Path, mut frame: DataFrame) -> PolarsResult<()> {
    let file = std::fs::File::create(path)?;
    ParquetWriter::new(file).finish(&mut frame)?;
    eprintln!("wrote {} ({} rows)", path.display(), frame.height());
    Ok(())
}

/// How well a scorer sees the true risk, and what it costs to serve.
#[derive(Clone, Copy)]
struct Quality {
    /// Weight of the true signal in the score.
    signal: f64,
    noise: f64,
    latency_scale: f64,
    memory_mb: f64,
}

impl Quality {
    const CHAMPION: Quality = Quality {
        signal: 0.75,
        noise: 0.9,
        latency_scale: 1.0,
        memory_mb: 900.0,
    };
    const CHALLENGER: Quality = Quality {
        signal: 0.9,
        noise: 0.6,
        latency_scale: 1.02,
        memory_mb: 950.0,
    };
    /// The champion's quality with other noise draws: the same model, retrained.
    const LOOKALIKE: Quality = Quality {
        signal: 0.7500001,
        ..Quality::CHAMPION
    };
    const REGRESSED: Quality = Quality {
        signal: 0.5,
        noise: 1.3,
        latency_scale: 1.35,
        memory_mb: 1250.0,
    };
}

struct Risk {
    rows: usize,
    features: usize,
    seed: u64,
    quality: Quality,
    /// Added to `f00` and, as a factor, to `amount`: inputs that drifted after training.
    shift: f64,
    /// A segment scored with another quality (the score only; latency and memory keep the
    /// slice's quality).
    weak_segment: Option<(&'static str, Quality)>,
    /// Timestamps spread over [from, to) ms instead of the week before `NEWEST_MS`.
    span: Option<(i64, i64)>,
}

impl Risk {
    /// The traffic (features, labels, ids, times) depends on the seed only; the scores, latency
    /// and memory on the scorer's quality, drawn from a second stream so that champion and
    /// challenger score the very same requests.
    fn frame(&self) -> PolarsResult<DataFrame> {
        let n = self.rows;
        let mut traffic = Rng(self.seed);
        let mut scorer = Rng(self.seed ^ (self.quality.signal.to_bits()));
        let segments = ["de", "fr", "us", "uk"];
        let mut features: Vec<Vec<f64>> = vec![Vec::with_capacity(n); self.features.max(3)];
        let (mut ids, mut ts, mut labels, mut scores) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut latency, mut memory, mut status, mut segment, mut amount) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            for (k, f) in features.iter_mut().enumerate() {
                f.push(traffic.normal() + if k == 0 { self.shift } else { 0.0 });
            }
            let truth = 0.9 * features[0][i] + 0.6 * features[1][i] - 0.5 * features[2][i];
            let label = traffic.uniform() < sigmoid(1.6 * truth - 3.0);
            ids.push(i as i64 + (self.seed as i64 % 1000) * 1_000_000);
            ts.push(match self.span {
                Some((from, to)) => from + (traffic.uniform() * (to - from) as f64) as i64,
                None => NEWEST_MS - (traffic.uniform() * (WEEK_MS - 3_600_000.0)) as i64,
            });
            labels.push(i8::from(label));
            let market = segments[(traffic.next_u64() % 4) as usize];
            segment.push(market);
            amount.push((traffic.normal() * 0.8 + 4.0).exp() * (1.0 + self.shift));
            let scoring = match self.weak_segment {
                Some((weak, quality)) if weak == market => quality,
                _ => self.quality,
            };
            let seen = scoring.signal * truth + scoring.noise * scorer.normal();
            let score = sigmoid(1.6 * seen - 3.0);
            scores.push((score * 10_000.0).round() / 10_000.0);
            latency.push(
                ((2.5 + 0.35 * scorer.normal()).exp() * self.quality.latency_scale * 100.0).round()
                    / 100.0,
            );
            memory.push((self.quality.memory_mb + 40.0 * scorer.normal()).round());
            status.push(if scorer.uniform() < 0.002 { 500 } else { 200 });
        }
        let mut columns = vec![
            Column::new("request_id".into(), ids),
            Column::new("ts".into(), ts).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
            Column::new("label".into(), labels),
            Column::new("score".into(), scores),
            Column::new("latency_ms".into(), latency),
            Column::new("memory_mb".into(), memory),
            Column::new("status".into(), status),
            Column::new("segment".into(), segment),
            Column::new("amount".into(), amount),
        ];
        for (k, values) in features.into_iter().enumerate().take(self.features) {
            let rounded: Vec<f64> = values
                .iter()
                .map(|v| (v * 1000.0).round() / 1000.0)
                .collect();
            columns.push(Column::new(format!("f{k:02}").into(), rounded));
        }
        DataFrame::new(n, columns)
    }
}

fn demand(seed: u64, error_scale: f64, latency_scale: f64) -> PolarsResult<DataFrame> {
    let n = 5_000;
    let mut traffic = Rng(seed);
    let mut model = Rng(seed ^ error_scale.to_bits());
    let (mut ids, mut ts, mut demand, mut prediction, mut latency) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let day = traffic.uniform();
        let base = 100.0 + 40.0 * (day * std::f64::consts::TAU).sin() + 15.0 * traffic.normal();
        ids.push(i as i64);
        ts.push(NEWEST_MS - (day * (2.0 * WEEK_MS - 3_600_000.0)) as i64);
        demand.push((base * 10.0).round() / 10.0);
        prediction.push(((base + error_scale * 30.0 * model.normal()) * 10.0).round() / 10.0);
        latency.push(((1.8 + 0.3 * model.normal()).exp() * latency_scale * 100.0).round() / 100.0);
    }
    DataFrame::new(
        n,
        vec![
            Column::new("request_id".into(), ids),
            Column::new("ts".into(), ts).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
            Column::new("demand".into(), demand),
            Column::new("prediction".into(), prediction),
            Column::new("latency_ms".into(), latency),
        ],
    )
}
