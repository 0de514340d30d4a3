//! The hot signing path against what it can at best approach (`floor`) and a peer-style build
//! (`naive`). Run with `cargo bench --bench sign`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use binance_sign::{Params, RecvWindow, Signer, Timestamp};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const TS: u64 = 1_499_827_319_559;

/// The three payloads: (name, pairs).
fn payloads() -> Vec<(&'static str, Vec<(String, String)>)> {
    let order = |symbol: &str| -> Vec<(String, String)> {
        [
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let batch = r#"[{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","quantity":"0.001","price":"60000","timeInForce":"GTC"},{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","quantity":"0.001","price":"70000","timeInForce":"GTC"}]"#;
    vec![
        ("docs_order", order("LTCBTC")),
        (
            "batch_orders",
            vec![("batchOrders".to_string(), batch.to_string())],
        ),
        ("non_ascii", order("１２３４５６")),
    ]
}

/// The best any signer can do: a clone of the pre-keyed HMAC over the final bytes, hex into a
/// stack buffer.
fn floor(keyed: &Hmac<Sha256>, wire: &[u8]) -> [u8; 64] {
    let mut mac = keyed.clone();
    mac.update(wire);
    let mut hex = [0u8; 64];
    hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex).unwrap();
    hex
}

/// What a typical peer does: owned pairs, serde_urlencoded, a fresh HMAC, `hex::encode`,
/// `format!`.
fn naive(pairs: &[(&str, &str)], secret: &str, ts: u64, rw: u64) -> String {
    let mut owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    owned.push(("recvWindow".to_string(), rw.to_string()));
    owned.push(("timestamp".to_string(), ts.to_string()));
    let query = serde_urlencoded::to_string(&owned).unwrap_or_default();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(query.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("{query}&signature={signature}")
}

fn bench(c: &mut Criterion) {
    let signer = Signer::hmac(API_KEY, SECRET).unwrap();
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    let ts = Timestamp::from_millis(TS).unwrap();
    let rw = Some(RecvWindow::from_millis(5000).unwrap());

    for (name, pairs) in payloads() {
        let params = Params::try_from_pairs(pairs.iter().map(|(k, v)| (k, v))).unwrap();
        let signed = signer.sign_query(&params, ts, rw).unwrap();
        let wire = signed.payload();
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut group = c.benchmark_group(name);
        group.throughput(criterion::Throughput::Bytes(wire.len() as u64));

        group.bench_function("floor", |b| {
            b.iter(|| black_box(floor(&keyed, black_box(wire.as_bytes()))))
        });
        let mut out = String::with_capacity(1024);
        group.bench_function("sign_into", |b| {
            b.iter(|| {
                signer
                    .sign_into(black_box(&params), ts, rw, &mut out)
                    .unwrap();
                black_box(out.len())
            })
        });
        group.bench_function("sign_query", |b| {
            b.iter(|| black_box(signer.sign_query(black_box(&params), ts, rw).unwrap()))
        });
        group.bench_function("verify", |b| {
            b.iter(|| {
                signer
                    .verify(black_box(signed.query()), black_box(signed.body()))
                    .unwrap()
            })
        });
        group.bench_function("naive", |b| {
            b.iter(|| black_box(naive(black_box(&borrowed), SECRET, TS, 5000)))
        });
        group.finish();
    }

    let docs = Params::try_from_pairs(payloads()[0].1.iter().map(|(k, v)| (k, v))).unwrap();
    let mut group = c.benchmark_group("asymmetric");
    group.sample_size(20);
    #[cfg(feature = "ed25519")]
    {
        let ed = Signer::ed25519_pem(
            API_KEY,
            include_str!("../tests/data/ed25519-binance-docs.pem"),
        )
        .unwrap();
        group.bench_function("ed25519_sign_query", |b| {
            b.iter(|| black_box(ed.sign_query(black_box(&docs), ts, rw).unwrap()))
        });
    }
    #[cfg(feature = "rsa")]
    {
        let rsa = Signer::rsa_pem(API_KEY, include_str!("../tests/data/rsa-2048.pem")).unwrap();
        group.bench_function("rsa2048_sign_query", |b| {
            b.iter(|| black_box(rsa.sign_query(black_box(&docs), ts, rw).unwrap()))
        });
    }
    let _ = &docs;
    group.finish();
}

/// The six docs parameters, pushed as a bot pushes them.
fn push_order(params: &mut Params) {
    params.push("symbol", "LTCBTC").unwrap();
    params.push("side", "BUY").unwrap();
    params.push("type", "LIMIT").unwrap();
    params.push("timeInForce", "GTC").unwrap();
    params.push("quantity", "1").unwrap();
    params.push("price", "0.1").unwrap();
}

/// The whole per-order path against the keyed-HMAC floor over the same final bytes.
fn per_order(c: &mut Criterion) {
    let signer = Signer::hmac(API_KEY, SECRET).unwrap();
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    let ts = Timestamp::from_millis(TS).unwrap();
    let rw = Some(RecvWindow::from_millis(5000).unwrap());
    let mut prebuilt = Params::new();
    push_order(&mut prebuilt);
    let wire = signer
        .sign_query(&prebuilt, ts, rw)
        .unwrap()
        .payload()
        .to_owned();
    let pairs = [
        ("symbol", "LTCBTC"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
    ];

    // Several interleaved rounds: each ratio is read against the floor of its own round.
    let mut group = c.benchmark_group("per_order");
    let mut out = String::with_capacity(1024);
    let mut reused = Params::new();
    for round in 0..3 {
        group.bench_function(format!("floor/{round}"), |b| {
            b.iter(|| black_box(floor(&keyed, black_box(wire.as_bytes()))))
        });
        group.bench_function(format!("fresh/{round}"), |b| {
            b.iter(|| {
                let mut params = Params::new();
                push_order(&mut params);
                signer.sign_into(&params, ts, rw, &mut out).unwrap();
                black_box(out.len())
            })
        });
        group.bench_function(format!("reused/{round}"), |b| {
            b.iter(|| {
                reused.clear();
                push_order(&mut reused);
                signer.sign_into(&reused, ts, rw, &mut out).unwrap();
                black_box(out.len())
            })
        });
        group.bench_function(format!("sign_into/{round}"), |b| {
            b.iter(|| {
                signer
                    .sign_into(black_box(&prebuilt), ts, rw, &mut out)
                    .unwrap();
                black_box(out.len())
            })
        });
    }
    group.bench_function("try_from_pairs", |b| {
        b.iter(|| black_box(Params::try_from_pairs(black_box(pairs)).unwrap()))
    });
    group.finish();

    let mut group = c.benchmark_group("params_scaling");
    for n in [10usize, 100, 1000] {
        let keys: Vec<String> = (0..n).map(|i| format!("key{i}")).collect();
        group.throughput(criterion::Throughput::Elements(n as u64));
        group.bench_function(format!("push_{n}"), |b| {
            b.iter(|| {
                let mut params = Params::new();
                for (i, key) in keys.iter().enumerate() {
                    params.push(key, i).unwrap();
                }
                black_box(params.len())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench, per_order
}
criterion_main!(benches);
