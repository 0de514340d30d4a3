//! The `check` oracle on a ~150-byte request, and its JSON-lines loop (what `binance-sign
//! check --jsonl` runs) over an in-memory batch. Run with `cargo bench --bench check`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use binance_sign::Signer;
use binance_sign::check::{Expect, check, serve_jsonl};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const QUERY: &str = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000.5&newClientOrderId=my%20order%2B7&recvWindow=5000&timestamp=1700000000000";

fn expect() -> Vec<Expect<'static>> {
    vec![
        Expect::text("symbol", "BTCUSDT"),
        Expect::text("side", "BUY"),
        Expect::text("type", "LIMIT"),
        Expect::text("timeInForce", "GTC"),
        Expect::decimal("quantity", "0.001"),
        Expect::decimal("price", "60000.50"),
        Expect::text("newClientOrderId", "my order+7"),
    ]
}

fn bench(c: &mut Criterion) {
    let expect = expect();
    let signer = Signer::hmac_without_api_key("secret").unwrap();
    let signed = signer.sign_encoded(QUERY, "").unwrap();
    let mut group = c.benchmark_group("check");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("request_150B", |b| {
        b.iter(|| check(black_box(&expect), black_box(QUERY), "", None))
    });
    group.bench_function("request_150B_signed", |b| {
        b.iter(|| {
            check(
                black_box(&expect),
                black_box(signed.query()),
                "",
                Some(&signer),
            )
        })
    });
    let line = serde_json::json!({
        "expect": [["symbol","BTCUSDT"],["side","BUY"],["type","LIMIT"],["timeInForce","GTC"],
                   ["quantity","0.001","decimal"],["price","60000.50","decimal"],["newClientOrderId","my order+7"]],
        "query": QUERY,
    })
    .to_string();
    let lines = 10_000;
    let input = format!("{line}\n").repeat(lines);
    group.throughput(Throughput::Elements(lines as u64));
    group.sample_size(20);
    group.bench_function("jsonl_10k_lines", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(lines * 32);
            serve_jsonl(input.as_bytes(), &mut out, None).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
