//! The buffer-reusing signing path performs zero heap allocations once the buffer has capacity.
//!
//! Its own test binary without the libtest harness (`harness = false`): the counting global
//! allocator counts every thread, so nothing else may run while it measures.

use binance_sign::{Params, RecvWindow, Signer, Timestamp};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn order(symbol: &str) -> Params {
    Params::try_from_pairs([
        ("symbol", symbol),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
    ])
    .unwrap()
}

fn main() {
    reuse_path_allocates_nothing();
    println!("test reuse_path_allocates_nothing ... ok");
    per_order_path_allocates_nothing();
    println!("test per_order_path_allocates_nothing ... ok");
    println!("2 passed, 0 failed");
}

/// What a bot runs per order on one reused list: `clear`, push the order's values (text,
/// integers, `rust_decimal::Decimal`, floats), sign into a reused buffer.
fn per_order_path_allocates_nothing() {
    use rust_decimal::Decimal;
    let signer = Signer::hmac(
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    )
    .unwrap();
    let ts = Timestamp::from_millis(1_499_827_319_559).unwrap();
    let rw = Some(RecvWindow::from_millis(5000).unwrap());
    let price = Decimal::new(6_512_345, 2);
    let mut params = Params::new();
    let mut out = String::with_capacity(1024);
    let order = |params: &mut Params, i: u64| {
        params.clear();
        params.push("symbol", "BTCUSDT").unwrap();
        params.push("side", "BUY").unwrap();
        params.push("type", "LIMIT").unwrap();
        params.push("orderId", 1_000_000 + i).unwrap();
        params.push("price", price).unwrap();
        params.push("quantity", 0.00125_f64).unwrap();
        params.push("newClientOrderId", "bot-１").unwrap();
    };
    // Warm: the buffers grow to fit once.
    order(&mut params, 0);
    signer.sign_into(&params, ts, rw, &mut out).unwrap();
    let region = Region::new(GLOBAL);
    for i in 0..1000 {
        order(&mut params, i);
        signer.sign_into(&params, ts, rw, &mut out).unwrap();
    }
    let stats = region.change();
    assert_eq!(
        (stats.allocations, stats.reallocations),
        (0, 0),
        "allocations on the per-order path"
    );
    assert_eq!(
        params.encoded(),
        "symbol=BTCUSDT&side=BUY&type=LIMIT&orderId=1000999&price=65123.45&quantity=0.00125&newClientOrderId=bot-%EF%BC%91"
    );
    let expected = signer.sign_query(&params, ts, rw).unwrap();
    assert_eq!(
        out,
        expected.query(),
        "the reused list signs the same bytes"
    );
}

fn reuse_path_allocates_nothing() {
    let signer = Signer::hmac(
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    )
    .unwrap();
    let mut batch = Params::new();
    batch
        .push(
            "batchOrders",
            r#"[{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","quantity":"0.001","price":"60000","timeInForce":"GTC"},{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","quantity":"0.001","price":"70000","timeInForce":"GTC"}]"#,
        )
        .unwrap();
    let payloads = [order("LTCBTC"), batch, order("１２３４５６")];
    let ts = Timestamp::from_millis(1_499_827_319_559).unwrap();
    let rw = Some(RecvWindow::from_micros(6_000_346).unwrap());
    let (mut query, mut body) = (String::with_capacity(2048), String::with_capacity(2048));
    let empty = Params::new();

    for params in &payloads {
        // Reference output, computed outside the measured region.
        let expected = signer.sign_query(params, ts, rw).unwrap();
        let region = Region::new(GLOBAL);
        for _ in 0..100 {
            signer.sign_into(params, ts, rw, &mut query).unwrap();
            signer.sign_into(params, ts, rw, &mut body).unwrap();
            signer
                .sign_split_into(&empty, params, ts, rw, &mut query, &mut body)
                .unwrap();
            signer.verify(&query, &body).unwrap();
        }
        let stats = region.change();
        assert_eq!(
            (stats.allocations, stats.reallocations),
            (0, 0),
            "allocations on the reuse path for {:?}",
            params.encoded()
        );
        assert_eq!(
            body,
            expected.query(),
            "the reuse path signs the same bytes"
        );
    }
}
