//! The `-1022` doctor on requests of growing size: its work grows linearly, and a 1 MB request
//! is diagnosed well under a second; hostile 10 MB pastes stay under 3 s each. Run with
//! `cargo bench --bench diagnose`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use binance_sign::diagnose::Input;
use binance_sign::{Params, Signer, Timestamp};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

/// A request of about `size` bytes: parameters with spaces, `+`, non-ASCII and JSON, signed
/// (so `valid`), or with the signature of the raw payload (so every mistake is rebuilt).
fn request(size: usize, valid: bool) -> String {
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let mut params = Params::new();
    let mut i = 0;
    while params.encoded().len() < size {
        params
            .push(
                format!("note{i}"),
                format!("a b+c １２３ [\"x\",\"y\"] {i}"),
            )
            .unwrap();
        i += 1;
    }
    let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
    let req = signer.sign_query(&params, ts, None).unwrap();
    if valid {
        req.query().to_owned()
    } else {
        let cut = req.query().rfind("&signature=").unwrap();
        format!("{}&signature={}", &req.query()[..cut], "0".repeat(64))
    }
}

fn bench(c: &mut Criterion) {
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let mut group = c.benchmark_group("diagnose");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for size in [16 * 1024, 128 * 1024, 1024 * 1024] {
        for (name, valid) in [("valid", true), ("mismatch", false)] {
            let query = request(size, valid);
            group.throughput(Throughput::Bytes(query.len() as u64));
            group.bench_with_input(BenchmarkId::new(name, size), &query, |b, q| {
                b.iter(|| signer.diagnose(&Input::rest(black_box(q), "")).unwrap())
            });
        }
        let amps = "&".repeat(size);
        group.bench_with_input(BenchmarkId::new("ampersands", size), &amps, |b, q| {
            b.iter(|| signer.diagnose(&Input::rest(black_box(q), "")).unwrap())
        });
    }
    group.finish();
}

/// The hostile pastes of `tests/doctor_bounds.rs`, 10 MB each, with a signature that matches
/// nothing (so every mistake is rebuilt): the doctor's CPU time on each (goal: under 3 s).
fn hostile(c: &mut Criterion) {
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let mut group = c.benchmark_group("diagnose_hostile_10MB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let size = 10 * 1024 * 1024;
    let signature = format!("&signature={}", "0".repeat(64));
    for (name, unit) in [
        ("amps", "&"),
        ("k_eq_amp", "k=&"),
        ("k_a_plus_b", "k=a+b&"),
        ("a_1", "a=1&"),
        ("k_bracket", "k=[1&x"),
        ("percents", "%"),
    ] {
        let mut query = unit.repeat(size / unit.len());
        query.push_str(&signature);
        group.throughput(Throughput::Bytes(query.len() as u64));
        group.bench_with_input(BenchmarkId::new(name, size), &query, |b, q| {
            b.iter(|| signer.diagnose(&Input::rest(black_box(q), "")).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench, hostile);
criterion_main!(benches);
