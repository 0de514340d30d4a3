//! A fake world for driving the client engine without I/O: local time in ms, a server whose
//! answers the test scripts. Shared by `tests/engine.rs` and `tests/client_events.rs`.
#![allow(dead_code, unreachable_pub)]

use binance_sign::LocalReading;
use binance_sign::client::{Action, Exchange, Input, ProbeOutcome, ProbeReply};
use futures_util::FutureExt as _;

/// Server time is local wall time plus this (ms).
pub const OFFSET_MS: u64 = 3;

/// Local wall (and monotonic) time at the start, ms.
pub const START_MS: u64 = 1_700_000_000_000;

/// A fake world: local time in ms, a server whose answers are scripted per request.
pub struct World {
    pub now_ms: u64,
    pub probes: usize,
    pub sends: usize,
    /// Time spent suspended: the monotonic clock stands still, wall and boot clocks run.
    pub suspended_ms: u64,
}

impl World {
    pub fn new() -> Self {
        Self {
            now_ms: START_MS,
            probes: 0,
            sends: 0,
            suspended_ms: 0,
        }
    }

    pub fn reading(&self) -> LocalReading {
        LocalReading::from_millis(self.now_ms, self.now_ms - self.suspended_ms)
            .with_boot_micros(self.now_ms * 1000)
    }

    /// The machine sleeps for `ms`.
    pub fn suspend(&mut self, ms: u64) {
        self.now_ms += ms;
        self.suspended_ms += ms;
    }

    /// Runs one exchange; `answer(n)` is the (status, body) of its n-th send. The actions
    /// seen, and how it ended.
    pub fn run(
        &mut self,
        mut exchange: Exchange,
        answer: &mut dyn FnMut(usize) -> (u16, String),
    ) -> (Vec<&'static str>, Result<u16, String>) {
        let mut seen = Vec::new();
        let mut input = Input::Start;
        let mut last = 0;
        let mut sends_here = 0;
        for _ in 0..200 {
            let action = exchange.step(input, self.reading());
            input = match action {
                Action::Sleep(d) => {
                    seen.push("sleep");
                    self.now_ms += u64::try_from(d.as_millis()).unwrap().max(1);
                    Input::Slept
                }
                Action::Gate(call) => {
                    seen.push("gate");
                    call.run()
                        .now_or_never()
                        .expect("a local governor answers at once")
                }
                Action::Probe { .. } => {
                    seen.push("probe");
                    self.probes += 1;
                    let sent = self.reading();
                    self.now_ms += 20;
                    let body = format!(r#"{{"serverTime":{}}}"#, self.now_ms - 10 + OFFSET_MS);
                    Input::Probed(ProbeOutcome {
                        url: "http://binance.test/api/v3/time".into(),
                        sent,
                        received: self.reading(),
                        reply: Ok(ProbeReply {
                            status: 200,
                            headers: vec![],
                            body: body.into_bytes(),
                        }),
                    })
                }
                Action::Sign(job) => {
                    seen.push("sign");
                    job.run()
                }
                Action::Send(_) => {
                    seen.push("send");
                    self.sends += 1;
                    sends_here += 1;
                    self.now_ms += 5;
                    let (status, _) = answer(sends_here);
                    last = status;
                    let headers = match status {
                        429 | 418 => vec![("Retry-After".to_owned(), "2".to_owned())],
                        _ => vec![],
                    };
                    Input::Response { status, headers }
                }
                Action::ReadBody { cap } => {
                    seen.push("read");
                    let (_, body) = answer(sends_here);
                    assert!(cap >= body.len());
                    Input::Body(body.into_bytes())
                }
                Action::Return => return (seen, Ok(last)),
                Action::Fail(e) => return (seen, Err(e.to_string())),
                _ => unreachable!(),
            };
        }
        panic!("the exchange did not end in 200 steps: {seen:?}");
    }
}
