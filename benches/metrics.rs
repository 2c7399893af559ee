//! Criterion benches of the hot metrics at 1M and 10M rows: auroc, psi, ks, quantiles, and
//! DeLong's paired test behind `auroc(...) >= champion at 95%` with `join on`.
//! `cargo bench --bench metrics` (release). Inputs come from a seeded generator, so runs compare.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use verdict::metrics::{binning::Bins, classification, ks, psi, summary};
use verdict::stats::delong;

/// splitmix64 in [0, 1).
fn uniforms(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for n in [1_000_000usize, 10_000_000] {
        let scores: Vec<f64> = uniforms(1, n)
            .iter()
            .map(|u| (u * 10_000.0).round() / 10_000.0)
            .collect();
        let labels: Vec<bool> = uniforms(2, n)
            .iter()
            .zip(&scores)
            .map(|(u, s)| *u < 0.05 + 0.2 * s)
            .collect();
        let shifted: Vec<f64> = uniforms(3, n).iter().map(|u| u * 1.1).collect();
        let mut group = c.benchmark_group(format!("{n} rows"));
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("auroc", n), |b| {
            b.iter(|| classification::auroc(&labels, &scores))
        });
        group.bench_function(BenchmarkId::new("psi", n), |b| {
            b.iter(|| psi::psi(&scores, &shifted, Bins::Evidently))
        });
        group.bench_function(BenchmarkId::new("ks", n), |b| {
            b.iter(|| ks::ks_2samp(&scores, &shifted))
        });
        group.bench_function(BenchmarkId::new("p99", n), |b| {
            b.iter(|| summary::quantile(&scores, 0.99))
        });
        // A second model scoring the same rows, correlated with the first.
        let rescored: Vec<f64> = uniforms(4, n)
            .iter()
            .zip(&scores)
            .map(|(u, s)| ((0.8 * s + 0.2 * u) * 10_000.0).round() / 10_000.0)
            .collect();
        group.bench_function(BenchmarkId::new("delong_paired", n), |b| {
            b.iter(|| delong::delong_paired(&labels, &rescored, &scores))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
