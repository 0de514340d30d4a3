//! The client engine fed arbitrary responses (statuses, headers, bodies, probe answers and
//! transport failures, each taking an arbitrary time): it never panics, sends a request at
//! most twice (one `-1021` retry), and right after a 418 the next request neither probes
//! nor sends.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use arbitrary::{Arbitrary, Unstructured};
use binance_sign::client::{Action, Exchange, Input, ProbeOutcome, ProbeReply, Settings};
use binance_sign::limits::{Governor, RateLimit, Weight};
use binance_sign::{LocalReading, ServerClock, Signer};

/// A response: status, headers, body, the milliseconds it takes, and whether the connection
/// fails instead (probes).
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: u16,
    fails: bool,
}

impl Reply {
    fn arbitrary(u: &mut Unstructured<'_>) -> arbitrary::Result<Self> {
        let (status, headers, body, delay, fails) = Arbitrary::arbitrary(u)?;
        Ok(Self {
            status,
            headers,
            body,
            delay,
            fails,
        })
    }
}

fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the local governor answers at once"),
    }
}

fn reading(ms: u64) -> LocalReading {
    LocalReading::from_millis(ms, ms)
}

/// Runs one request; `None` when the input ran out. (sends, probes, last status sent back).
fn run(settings: &Settings, now: &mut u64, u: &mut Unstructured<'_>) -> Option<(u32, u32, u16)> {
    let mut exchange = Exchange::new(settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (mut input, mut sends, mut probes, mut status, mut body) =
        (Input::Start, 0, 0, 0, Vec::new());
    for _ in 0..64 {
        input = match exchange.step(input, reading(*now)) {
            Action::Sleep(d) => {
                *now += u64::try_from(d.as_millis())
                    .unwrap_or(u64::MAX)
                    .clamp(1, 1 << 40);
                Input::Slept
            }
            Action::Gate(call) => ready(call.run()),
            Action::Sign(job) => job.run(),
            Action::Probe { .. } => {
                probes += 1;
                let r = Reply::arbitrary(u).ok()?;
                let sent = reading(*now);
                *now += u64::from(r.delay);
                let reply = if r.fails {
                    Err("connection reset".into())
                } else {
                    Ok(ProbeReply {
                        status: r.status,
                        headers: r.headers,
                        body: r.body,
                    })
                };
                Input::Probed(ProbeOutcome {
                    url: "http://binance.test/api/v3/time".into(),
                    sent,
                    received: reading(*now),
                    reply,
                })
            }
            Action::Send(_) => {
                sends += 1;
                assert!(sends <= 2, "a request sent more than twice");
                let r = Reply::arbitrary(u).ok()?;
                *now += u64::from(r.delay);
                status = r.status;
                body = r.body;
                Input::Response {
                    status: r.status,
                    headers: r.headers,
                }
            }
            Action::ReadBody { cap } => Input::Body(body.iter().copied().take(cap).collect()),
            Action::Return => return Some((sends, probes, status)),
            Action::Fail(_) => return Some((sends, probes, 0)),
            _ => return None,
        };
    }
    None
}

/// Up to six requests through one engine, answered from `data`.
pub fn engine_responses(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(governed) = bool::arbitrary(&mut u) else {
        return;
    };
    let mut settings = Settings::new(Signer::hmac("key", "secret").unwrap(), ServerClock::new());
    if governed {
        settings = settings.governor(Arc::new(Governor::new(RateLimit::spot_defaults())));
    }
    let mut now: u64 = 1_700_000_000_000;
    let mut banned = false;
    for _ in 0..6 {
        let Some((sends, probes, status)) = run(&settings, &mut now, &mut u) else {
            return;
        };
        if banned {
            assert_eq!((sends, probes), (0, 0), "a probe or send right after a 418");
        }
        banned = status == 418;
    }
}
