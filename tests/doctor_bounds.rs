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

fn main() {
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let units = [
        "&",
        "k=&",
        "k=a+b&",
        "a=1&",
        "k=[1&x",
        "%",
        "%zz&",
        "k=%E2%82%AC&",
        "q=1 2&",
    ];
    let signature = format!("&signature={}", "0".repeat(64));
    let mut count = 0;
    for unit in units {
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
                let input_bytes = query.len() + body.len();
                let before = GLOBAL.current_usage();
                GLOBAL.reset_peak_usage();
                let diagnosis = signer.diagnose(&Input::rest(query, body)).unwrap();
                let report = serde_json::to_string(&diagnosis).unwrap();
                let peak = GLOBAL.peak_usage() - before;
                let name = format!(
                    "{unit:?} x {} ({}{})",
                    SIZE / unit.len(),
                    if in_body { "body" } else { "query" },
                    if signed { ", signed" } else { "" }
                );
                let bound = 16 * input_bytes + 32 * 1024 * 1024;
                println!(
                    "{name}: peak heap {} KB (bound {} KB), report {} bytes, {} findings",
                    peak / 1000,
                    bound / 1000,
                    report.len(),
                    diagnosis.findings.len()
                );
                assert!(peak <= bound, "{name}: peak heap {peak} over {bound}");
                assert!(
                    report.len() <= 256 * 1024,
                    "{name}: report of {} bytes",
                    report.len()
                );
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
    for unit in units {
        let text = paste(unit) + &signature;
        let before = GLOBAL.current_usage();
        GLOBAL.reset_peak_usage();
        let pasted = binance_sign::diagnose::Pasted::parse(&text).unwrap();
        let diagnosis = signer.diagnose(&Input::pasted(&pasted)).unwrap();
        let report = serde_json::to_string(&diagnosis).unwrap();
        let peak = GLOBAL.peak_usage() - before;
        let bound = 16 * text.len() + 32 * 1024 * 1024;
        println!(
            "pasted {unit:?}: peak heap {} KB (bound {} KB), report {} bytes",
            peak / 1000,
            bound / 1000,
            report.len()
        );
        assert!(
            peak <= bound,
            "pasted {unit:?}: peak heap {peak} over {bound}"
        );
        assert!(
            report.len() <= 256 * 1024,
            "pasted {unit:?}: report of {} bytes",
            report.len()
        );
    }
    oracle_is_bounded_on_hostile_lines();
}

/// The oracle (`check`, what `check --jsonl` runs per line) on the same pastes and a few more
/// that break a rule on every parameter: the same memory bound, and at most 8 findings of a
/// code listed (plus one counting the rest).
fn oracle_is_bounded_on_hostile_lines() {
    use binance_sign::check::{Expect, check};
    let signer = Signer::hmac_without_api_key(SECRET).unwrap();
    let units = [
        "&",
        "k=&",
        "k=a+b&",
        "a=1&",
        "k=[1&x",
        "%",
        "%zz&",
        "n=[1,%202]&",
        "quantity=1e5&",
    ];
    let expect = [Expect::text("k", "a b")];
    for unit in units {
        let text = paste(unit);
        let before = GLOBAL.current_usage();
        GLOBAL.reset_peak_usage();
        let verdict = check(&expect, &text, "", Some(&signer));
        let report = serde_json::to_string(&verdict).unwrap();
        let peak = GLOBAL.peak_usage() - before;
        let bound = 16 * text.len() + 32 * 1024 * 1024;
        println!(
            "check {unit:?} x {}: peak heap {} KB (bound {} KB), report {} bytes, {} findings",
            SIZE / unit.len(),
            peak / 1000,
            bound / 1000,
            report.len(),
            verdict.findings.len()
        );
        assert!(
            peak <= bound,
            "check {unit:?}: peak heap {peak} over {bound}"
        );
        assert!(
            report.len() <= 256 * 1024,
            "check {unit:?}: report of {} bytes",
            report.len()
        );
        assert!(!verdict.ok);
    }
    println!(
        "test oracle_is_bounded_on_hostile_lines ... ok ({} inputs)",
        units.len()
    );
}

/// Aggregated findings still carry the total: for the runs of one unit, some code is counted
/// far more than once.
fn counted(diagnosis: &Diagnosis, name: &str) {
    let total: usize = diagnosis.findings.iter().map(|f| f.count).sum();
    assert!(total >= diagnosis.findings.len(), "{name}");
    for f in &diagnosis.findings {
        assert!(
            f.positions.len() <= 8 && f.positions.len() <= f.count,
            "{name}: {f:?}"
        );
    }
}
