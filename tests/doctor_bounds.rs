//! The doctor is bounded on hostile pastes: on each 10 MB input (256 KB in a debug build), peak heap at most 16x the
//! input plus 32 MB, and a report (its JSON) of at most 256 KB, with every finding counted.
//!
//! Its own test binary without the libtest harness (`harness = false`): the peak-tracking
//! global allocator (`peak_alloc`) sees every thread, so nothing else may run while it measures. CPU time on
//! the same inputs is shown by `cargo bench --bench diagnose`.

use binance_sign::Signer;
use binance_sign::diagnose::{Diagnosis, Input};
use peak_alloc::PeakAlloc;

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// 10 MB in an optimized build (`cargo test --release --test doctor_bounds`, which CI runs);
/// 256 KB in a debug build (about 70 times slower), under the same bounds.
const SIZE: usize = if cfg!(debug_assertions) {
    256 * 1024
} else {
    10 * 1024 * 1024
};
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

/// `unit` repeated to 10 MB.
fn paste(unit: &str) -> String {
    unit.repeat(SIZE / unit.len())
}

/// Runs `f` on an input of `input` bytes and holds it to the bounds: peak heap (with its JSON
/// report, made inside the measurement) at most 16x the input plus 32 MB, report at most
/// 256 KB.
fn bounded<T: serde::Serialize>(name: &str, input: usize, f: impl FnOnce() -> T) -> T {
    let before = GLOBAL.current_usage();
    GLOBAL.reset_peak_usage();
    let answer = f();
    let report = serde_json::to_string(&answer).unwrap();
    let peak = GLOBAL.peak_usage() - before;
    let bound = 16 * input + 32 * 1024 * 1024;
    println!(
        "{name}: peak heap {} KB (bound {} KB), report {} bytes",
        peak / 1000,
        bound / 1000,
        report.len()
    );
    assert!(peak <= bound, "{name}: peak heap {peak} over {bound}");
    assert!(
        report.len() <= 256 * 1024,
        "{name}: report of {} bytes",
        report.len()
    );
    answer
}

/// The units repeated into hostile pastes, for both tools: runs of `&`, empty values, raw `+`,
/// one key repeated, unclosed `[`, `%` runs, bad escapes.
const HOSTILE: [&str; 7] = ["&", "k=&", "k=a+b&", "a=1&", "k=[1&x", "%", "%zz&"];

fn main() {
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let units: Vec<&str> = HOSTILE
        .into_iter()
        .chain(["k=%E2%82%AC&", "q=1 2&"])
        .collect();
    let signature = format!("&signature={}", "0".repeat(64));
    let mut count = 0;
    for &unit in &units {
        for signed in [false, true] {
            for in_body in [false, true] {
                let mut text = paste(unit);
                if signed {
                    text.push_str(&signature);
                }
                let (query, body) = if in_body {
                    ("timestamp=1700000000000", text.as_str())
                } else {
                    (text.as_str(), "")
                };
                let name = format!(
                    "{unit:?} x {} ({}{})",
                    SIZE / unit.len(),
                    if in_body { "body" } else { "query" },
                    if signed { ", signed" } else { "" }
                );
                let diagnosis = bounded(&name, query.len() + body.len(), || {
                    signer.diagnose(&Input::rest(query, body)).unwrap()
                });
                assert!(
                    !diagnosis.ok(),
                    "{name}: a hostile paste is not a valid request"
                );
                counted(&diagnosis, &name);
                count += 1;
            }
        }
    }
    println!("test doctor_is_bounded_on_hostile_pastes ... ok ({count} inputs)");
    // Through the path `diagnose --request -` takes: the paste read by `Pasted::parse` (a
    // bare query here), then diagnosed.
    for &unit in &units {
        let text = paste(unit) + &signature;
        bounded(&format!("pasted {unit:?}"), text.len(), || {
            let pasted = binance_sign::diagnose::Pasted::parse(&text).unwrap();
            signer.diagnose(&Input::pasted(&pasted)).unwrap()
        });
    }
    println!(
        "test pasted_requests_are_bounded ... ok ({} inputs)",
        units.len()
    );
    // Every key different (`k0=1&k1=1&...`): nothing to aggregate by key.
    let mut distinct = String::with_capacity(SIZE + 80);
    let mut i = 0u64;
    while distinct.len() < SIZE {
        distinct.push_str(&format!("k{i}=1&"));
        i += 1;
    }
    distinct.push_str(&signature[1..]);
    let name = format!("{i} distinct keys");
    bounded(&name, distinct.len(), || {
        signer.diagnose(&Input::rest(&distinct, "")).unwrap()
    });
    let expect = [binance_sign::check::Expect::text("k0", "1")];
    bounded(&format!("check, {name}"), distinct.len(), || {
        binance_sign::check::check(&expect, &distinct, "", Some(&signer))
    });
    println!("test distinct_keys_are_bounded ... ok");
    oracle_is_bounded_on_hostile_lines();
}

/// The oracle (`check`, what `check --jsonl` runs per line) on the same pastes and a few more
/// that break a rule on every parameter: the same bounds.
fn oracle_is_bounded_on_hostile_lines() {
    use binance_sign::check::{Expect, check};
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let units: Vec<&str> = HOSTILE
        .into_iter()
        .chain(["n=[1,%202]&", "quantity=1e5&"])
        .collect();
    let expect = [Expect::text("k", "a b")];
    for &unit in &units {
        let text = paste(unit);
        let name = format!("check {unit:?} x {}", SIZE / unit.len());
        let verdict = bounded(&name, text.len(), || {
            check(&expect, &text, "", Some(&signer))
        });
        assert!(!verdict.ok);
    }
    println!(
        "test oracle_is_bounded_on_hostile_lines ... ok ({} inputs)",
        units.len()
    );
}

/// Aggregated findings carry consistent counts: each at least 1, with no more places than it
/// counts and at most 8.
fn counted(diagnosis: &Diagnosis, name: &str) {
    for f in &diagnosis.findings {
        assert!(f.count >= 1, "{name}: {f:?}");
        assert!(
            f.positions.len() <= 8 && f.positions.len() <= f.count,
            "{name}: {f:?}"
        );
    }
}
