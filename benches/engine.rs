//! The client engine's own cost per request, no I/O: every step of a signed, governed request
//! answered 200 at once, against signing the same request alone. Run with
//! `cargo bench --bench engine --features http`. Figures in docs/performance.md.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use binance_sign::client::{Action, Exchange, Input, Settings};
use binance_sign::limits::{Governor, RateLimit, Weight};
use binance_sign::{ServerClock, ServerTime, Signer};
use criterion::{Criterion, criterion_group, criterion_main};

const QUERY: &str = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1";

fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match std::pin::pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("the local governor answers at once"),
    }
}

/// One request through every step, answered 200.
fn request(settings: &Settings, clock: &ServerClock, sign: bool) -> usize {
    let mut exchange = Exchange::new(settings, QUERY, b"", Weight::order(1), sign);
    let mut input = Input::Start;
    let mut steps = 0;
    loop {
        steps += 1;
        input = match exchange.step(input, clock.reading()) {
            Action::Gate(call) => ready(call.run()),
            Action::Sign(job) => job.run(),
            Action::Send(outgoing) => {
                black_box(outgoing);
                Input::Response {
                    status: 200,
                    headers: vec![("x-mbx-used-weight-1m".into(), "1".into())],
                }
            }
            Action::Return => return steps,
            other => panic!("{other:?}"),
        };
    }
}

fn engine(c: &mut Criterion) {
    let clock = ServerClock::new();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let now = ServerTime::from_millis(u64::try_from(wall.as_millis()).unwrap()).unwrap();
    clock.observe(clock.reading(), now).unwrap();
    let signer = Signer::hmac("api-key", "secret").unwrap();
    // A governor whose limits never bind in a bench run.
    let limits = vec![RateLimit::new(
        binance_sign::limits::RateLimitType::RequestWeight,
        binance_sign::limits::IntervalUnit::Minute,
        1,
        u64::MAX / 4,
    )];
    let governed =
        Settings::new(signer.clone(), clock.clone()).governor(Arc::new(Governor::new(limits)));
    let bare = Settings::new(signer.clone(), clock.clone());
    let mut group = c.benchmark_group("engine");
    group.bench_function("signed_and_governed", |b| {
        b.iter(|| black_box(request(&governed, &clock, true)))
    });
    group.bench_function("signed", |b| {
        b.iter(|| black_box(request(&bare, &clock, true)))
    });
    group.bench_function("governed_unsigned", |b| {
        b.iter(|| black_box(request(&governed, &clock, false)))
    });
    // The floor: a prebuilt request cloned and signed in place (what the engine's sign step
    // and the adapter's apply do), without the engine.
    let prebuilt = http::Request::get(format!("http://h/api/v3/order?{QUERY}"))
        .body(String::new())
        .unwrap();
    group.bench_function("sign_http_alone", |b| {
        b.iter(|| {
            let mut request = prebuilt.clone();
            signer
                .sign_http(&mut request, clock.timestamp().unwrap(), None)
                .unwrap();
            black_box(request)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = engine
}
criterion_main!(benches);
