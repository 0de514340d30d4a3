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
