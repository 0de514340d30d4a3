//! The client engine: one request's policy as a state machine that says what to do next
//! (keep time, ask the rate gate, sign, send, read, report, retry once after `-1021`) and is
//! told what happened. It does no I/O and needs no runtime; adapters (and yours) only carry
//! out its [`Action`]s.

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use super::error::{ClientError, ProbeError, ProbeFailure};
use super::steps::{
    Action, GateAnswer, GateCall, GateOp, Input, Outgoing, ProbeOutcome, READ_CAP, Reply, SignJob,
};
use super::{Settings, events, meaning};

mod holds;
mod shared;

use crate::edge::http::SigningInstructions;
use crate::limits::{Admission, GateError, MAX_HOLD, Permit, Weight};
use crate::{LocalReading, ServerTime};
pub(crate) use shared::Shared;
use shared::{ProbeSlot, local_micros, lock};

/// How often a request waiting on another request's clock probe looks again.
const PROBE_POLL: Duration = Duration::from_millis(2);

/// A clock probe in flight longer than this is taken as lost (its task dropped mid-way
/// without freeing the slot is impossible, but a transport may hang), so the next request
/// probes instead of waiting on it forever.
const PROBE_STALE_MICROS: u64 = 30_000_000;

/// After a `-1021` resync whose answer the clock holds as a candidate (the server clock
/// stepped), this many more probes may confirm it, each after [`PROBE_POLL`].
const EXTRA_RESYNC_PROBES: u8 = 2;

/// What a probe came to.
#[derive(Debug)]
enum Probed {
    Synced,
    Failed(Arc<ProbeError>),
    Held,
    Banned(ClientError),
}

/// Where a request stands.
#[derive(Debug)]
enum Stage {
    Start,
    KeepTime {
        forced: bool,
        waiting: Option<u64>,
    },
    AdmitProbe {
        forced: bool,
    },
    ProbeHeld {
        forced: bool,
    },
    Probing {
        permit: Option<Permit>,
        forced: bool,
    },
    ReportProbe {
        probed: Probed,
        forced: bool,
    },
    Admit,
    Signing,
    Sending,
    Reading {
        status: u16,
        headers: Vec<(String, String)>,
    },
    Report {
        meaning: meaning::Meaning,
    },
    Done,
}

impl Stage {
    fn name(&self) -> &'static str {
        match self {
            Stage::Start => "Start",
            Stage::KeepTime { .. } => "KeepTime",
            Stage::AdmitProbe { .. } => "AdmitProbe",
            Stage::ProbeHeld { .. } => "ProbeHeld",
            Stage::Probing { .. } => "Probing",
            Stage::ReportProbe { .. } => "ReportProbe",
            Stage::Admit => "Admit",
            Stage::Signing => "Signing",
            Stage::Sending => "Sending",
            Stage::Reading { .. } => "Reading",
            Stage::Report { .. } => "Report",
            Stage::Done => "Done",
        }
    }
}

/// One request through the engine: step it with each [`Input`] until it says
/// [`Action::Return`] or [`Action::Fail`].
///
/// ```
/// use binance_sign::client::{Action, Exchange, Input, Settings};
/// use binance_sign::limits::Weight;
/// use binance_sign::{ServerClock, Signer};
/// let settings = Settings::new(Signer::hmac("key", "secret")?, ServerClock::new());
/// let mut exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
/// // A fresh clock has no time: the first thing to do is to probe it.
/// let action = exchange.step(Input::Start, settings.clock().reading());
/// assert!(matches!(action, Action::Probe { ref path } if path == "/api/v3/time"));
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Debug)]
pub struct Exchange {
    settings: Settings,
    query: String,
    body: Vec<u8>,
    weight: Weight,
    sign: bool,
    stage: Stage,
    retried: bool,
    extra_probes: u8,
    slot: Option<ProbeSlot>,
    permit: Option<Permit>,
}

impl Exchange {
    /// A request with this query and body (as the caller built them), of `weight`, signed
    /// when `sign`.
    pub fn new(settings: &Settings, query: &str, body: &[u8], weight: Weight, sign: bool) -> Self {
        Self {
            settings: settings.clone(),
            query: query.to_owned(),
            body: body.to_vec(),
            weight,
            sign,
            stage: Stage::Start,
            retried: false,
            extra_probes: 0,
            slot: None,
            permit: None,
        }
    }

    /// The exchange for the caller's own `request`: signed when marked with
    /// [`Sign`](super::Sign) or under a configured path, of the weight in its
    /// [`Weight`] extension (1 by default).
    pub fn for_request<B: crate::edge::http::SignableBody>(
        settings: &Settings,
        request: &http::Request<B>,
    ) -> Self {
        let extensions = request.extensions();
        let marked = extensions.get::<super::Sign>().is_some();
        let weight = extensions.get::<Weight>().copied().unwrap_or_default();
        let sign = settings.should_sign(request.uri().path(), marked);
        if sign {
            let query = request.uri().query().unwrap_or("");
            Self::new(settings, query, &request.body().to_bytes(), weight, true)
        } else {
            Self::new(settings, "", b"", weight, false)
        }
    }

    /// The next action, given what happened and the local clock's reading now.
    pub fn step(&mut self, input: Input, now: LocalReading) -> Action {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        match (stage, input) {
            (Stage::Start, _) => self.start(now),
            (Stage::KeepTime { forced, waiting }, Input::Slept) => {
                self.keep_time(forced, waiting, now)
            }
            (Stage::AdmitProbe { forced }, Input::Gate(GateAnswer::Admission(a))) => {
                self.probe_admitted(forced, a, now)
            }
            (Stage::ProbeHeld { forced }, Input::Slept) => self.admit_probe(forced, now),
            (Stage::Probing { permit, forced }, Input::Probed(outcome)) => {
                self.probed(permit, forced, outcome, now)
            }
            (Stage::ReportProbe { probed, forced }, Input::Gate(answer)) => {
                recorded(&answer);
                self.after_probe(probed, forced, now)
            }
            (Stage::Admit, Input::Gate(GateAnswer::Admission(a))) => self.admitted(a, now),
            (Stage::Signing, Input::Signed(Ok((query, body)))) => {
                self.stage = Stage::Sending;
                let api_key = self.settings.signer().api_key();
                Action::Send(Outgoing {
                    signed: Some(SigningInstructions::new(query, body, api_key)),
                })
            }
            (Stage::Signing, Input::Signed(Err(e))) => Action::Fail(ClientError::Sign(e)),
            (Stage::Sending, Input::Response { status, headers }) => {
                if meaning::must_read(status, self.sign) {
                    self.stage = Stage::Reading { status, headers };
                    return Action::ReadBody { cap: READ_CAP };
                }
                self.report(status, headers, None, now)
            }
            (Stage::Reading { status, headers }, Input::Body(body)) => {
                self.report(status, headers, Some(body), now)
            }
            (Stage::Report { meaning }, Input::Gate(answer)) => {
                recorded(&answer);
                self.reported(meaning, now)
            }
            (stage, input) => Action::Fail(ClientError::OutOfStep {
                stage: stage.name(),
                input: input.name(),
            }),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.settings.inner.shared)
    }

    /// Bans and holds seen come first; then the clock.
    fn start(&mut self, now: LocalReading) -> Action {
        if let Some(barrier) = self.barrier(now) {
            return barrier;
        }
        if !self.sign && self.settings.gate_ref().is_none() {
            self.stage = Stage::Sending;
            return Action::Send(Outgoing { signed: None });
        }
        self.keep_time(false, None, now)
    }

    /// Probes when the clock needs it (or after a `-1021`), unless another request is at it;
    /// then waits for that probe only when there is no time to go on with meanwhile.
    fn keep_time(&mut self, forced: bool, waiting: Option<u64>, now: LocalReading) -> Action {
        let clock = self.settings.clock().clone();
        if !forced && !clock.needs_resync_at(now) {
            return self.admit(now);
        }
        let local = local_micros(now);
        let mut shared = self.shared();
        if waiting.is_some_and(|g| g != shared.generation) {
            // The probe waited on is over: a ban or hold it met is ours too, its answer is in
            // the clock, or its failure is ours.
            let failure = shared.last_failure.clone();
            drop(shared);
            if let Some(barrier) = self.barrier(now) {
                return barrier;
            }
            return match (clock.now_at(now), failure) {
                (Ok(_), _) => self.admit(now),
                (Err(_), Some(failure)) => Action::Fail(ClientError::Probe(failure)),
                // It ended without a word (its task was dropped, its gate refused): probe here.
                (Err(_), None) => self.keep_time(forced, None, now),
            };
        }
        let in_flight = shared
            .probe
            .is_some_and(|(_, started)| local.saturating_sub(started) < PROBE_STALE_MICROS);
        if in_flight {
            let generation = shared.generation;
            drop(shared);
            if !forced && clock.now_at(now).is_ok() {
                // Probing ahead of expiry is another request's job; this one goes on.
                return self.admit(now);
            }
            self.stage = Stage::KeepTime {
                forced,
                waiting: Some(generation),
            };
            return Action::Sleep(PROBE_POLL);
        }
        let token = shared.next_token;
        shared.next_token = token.wrapping_add(1);
        shared.probe = Some((token, local));
        // Only this probe's failure may be handed to the requests that wait on it.
        shared.last_failure = None;
        drop(shared);
        self.slot = Some(ProbeSlot {
            shared: Arc::clone(&self.settings.inner.shared),
            token,
        });
        self.admit_probe(forced, now)
    }

    /// A probe asks the gate like any request, once there is a time to ask with; with none,
    /// a ban the gate holds is checked against the boot clock since the last time known.
    fn admit_probe(&mut self, forced: bool, now: LocalReading) -> Action {
        if let Some(barrier) = self
            .barrier(now)
            .or_else(|| self.gate_ban_without_time(now))
        {
            self.slot = None;
            return barrier;
        }
        let at = self.settings.clock().now_at(now);
        match (self.settings.gate_ref(), at) {
            (Some(gate), Ok(at)) => {
                self.stage = Stage::AdmitProbe { forced };
                Action::Gate(GateCall {
                    gate: Arc::clone(gate),
                    op: GateOp::Admit(at, Weight::of(1)),
                })
            }
            _ => {
                self.stage = Stage::Probing {
                    permit: None,
                    forced,
                };
                self.probe_action()
            }
        }
    }

    fn probe_action(&self) -> Action {
        events::probe(self.settings.time_path_str());
        Action::Probe {
            path: self.settings.time_path_str().to_owned(),
        }
    }

    fn probe_admitted(
        &mut self,
        forced: bool,
        admission: Result<Admission, GateError>,
        now: LocalReading,
    ) -> Action {
        match self.gate_verdict(admission, now) {
            Ok(Ok(permit)) => {
                self.stage = Stage::Probing {
                    permit: Some(permit),
                    forced,
                };
                self.probe_action()
            }
            Ok(Err(wait)) => {
                self.stage = Stage::ProbeHeld { forced };
                Action::Sleep(wait)
            }
            Err(e) => {
                self.slot = None;
                Action::Fail(e)
            }
        }
    }

    /// A gate's admission: a permit, a wait, or the error that stops the request.
    fn gate_verdict(
        &self,
        admission: Result<Admission, GateError>,
        now: LocalReading,
    ) -> Result<Result<Permit, Duration>, ClientError> {
        match admission.and_then(crate::limits::gate::settled) {
            Ok(verdict) => Ok(verdict),
            Err(GateError::Banned { until }) => {
                let at = self.settings.clock().now_at(now).ok();
                let remaining = at.map_or(Duration::ZERO, |at| {
                    Duration::from_micros(until.as_micros().saturating_sub(at.as_micros()))
                });
                // Kept on the boot clock too: after a suspend, with no server time, no probe
                // goes out during a ban the gate knew (a fleet's, say).
                self.keep_ban(now, remaining.min(MAX_HOLD), Some(until));
                Err(ClientError::Banned {
                    until: Some(until),
                    remaining,
                })
            }
            Err(GateError::TooHeavy { limit }) => Err(ClientError::TooHeavy { limit }),
            Err(e) => Err(ClientError::Gate(e)),
        }
    }

    /// Reads a probe's outcome into the clock, and the holds and bans it carries.
    fn probed(
        &mut self,
        permit: Option<Permit>,
        forced: bool,
        outcome: ProbeOutcome,
        now: LocalReading,
    ) -> Action {
        let failure = |status, failure| Arc::new(ProbeError::new(&outcome.url, status, failure));
        let reply = match outcome.reply {
            Ok(reply) => reply,
            Err(e) => {
                let failed = Probed::Failed(Arc::new(ProbeError::new(
                    &outcome.url,
                    None,
                    ProbeFailure::Transport(e),
                )));
                return self.after_probe(failed, forced, now);
            }
        };
        let received = self.server_time(outcome.received, &reply.headers);
        let body = String::from_utf8_lossy(&reply.body).into_owned();
        self.record_hold(reply.status, &reply.headers, Some(&body), received, now);
        let probed = match meaning::meaning(reply.status, None) {
            meaning::Meaning::Banned => Probed::Banned(self.ban_error(now)),
            meaning::Meaning::Held => Probed::Held,
            meaning::Meaning::Accepted => {
                let clock = self.settings.clock();
                match crate::time::sync::parse_server_time(&body)
                    .and_then(|t| clock.observe_readings(outcome.sent, t, outcome.received))
                {
                    Ok(_) => Probed::Synced,
                    Err(e) => Probed::Failed(failure(Some(reply.status), ProbeFailure::Body(e))),
                }
            }
            _ => Probed::Failed(failure(Some(reply.status), ProbeFailure::Status)),
        };
        let Some(gate) = self.settings.gate_ref().cloned() else {
            return self.after_probe(probed, forced, now);
        };
        let reply = Reply {
            received,
            status: reply.status,
            headers: reply.headers,
            body: Some(body),
        };
        let op = match permit {
            Some(permit) => GateOp::Settle(permit, reply),
            None => GateOp::Observe(received, reply),
        };
        self.stage = Stage::ReportProbe { probed, forced };
        Action::Gate(GateCall { gate, op })
    }

    /// After a probe: go on, probe once more to confirm a stepped server clock, or stop.
    fn after_probe(&mut self, probed: Probed, forced: bool, now: LocalReading) -> Action {
        {
            let mut shared = self.shared();
            shared.last_failure = match &probed {
                Probed::Failed(f) => Some(Arc::clone(f)),
                _ => None,
            };
        }
        self.slot = None;
        match probed {
            Probed::Synced => {
                let confirm = forced
                    && self.extra_probes < EXTRA_RESYNC_PROBES
                    && self.settings.clock().holds_sample();
                if confirm {
                    self.extra_probes += 1;
                    self.stage = Stage::KeepTime {
                        forced: true,
                        waiting: None,
                    };
                    return Action::Sleep(PROBE_POLL);
                }
                self.admit(now)
            }
            Probed::Failed(f) => {
                events::probe_failed(&*f);
                if !forced && self.settings.clock().now_at(now).is_ok() {
                    // A probe ahead of expiry failed; the estimate still holds.
                    return self.admit(now);
                }
                Action::Fail(ClientError::Probe(f))
            }
            // The hold is recorded: wait it out, then probe again.
            Probed::Held => self.start(now),
            Probed::Banned(e) => Action::Fail(e),
        }
    }

    /// Asks the gate for the request itself (with a gate), else signs or sends; a ban or hold
    /// recorded meanwhile (by another request) comes first.
    fn admit(&mut self, now: LocalReading) -> Action {
        if let Some(barrier) = self.barrier(now) {
            return barrier;
        }
        if let Ok(at) = self.settings.clock().now_at(now) {
            self.shared().anchor = Some((local_micros(now), at));
        }
        let Some(gate) = self.settings.gate_ref().cloned() else {
            return self.sign_or_send(now);
        };
        match self.settings.clock().now_at(now) {
            Ok(at) => {
                self.stage = Stage::Admit;
                Action::Gate(GateCall {
                    gate,
                    op: GateOp::Admit(at, self.weight),
                })
            }
            Err(e) => Action::Fail(ClientError::Clock(e)),
        }
    }

    fn admitted(&mut self, admission: Result<Admission, GateError>, now: LocalReading) -> Action {
        match self.gate_verdict(admission, now) {
            Ok(Ok(permit)) => {
                self.permit = Some(permit);
                self.sign_or_send(now)
            }
            Ok(Err(wait)) => {
                events::wait(wait);
                // From the top after the wait: the clock may need a probe by then.
                self.stage = Stage::Start;
                Action::Sleep(wait)
            }
            Err(e) => Action::Fail(e),
        }
    }

    fn sign_or_send(&mut self, now: LocalReading) -> Action {
        if !self.sign {
            self.stage = Stage::Sending;
            return Action::Send(Outgoing { signed: None });
        }
        match self.settings.clock().timestamp_at(now) {
            Ok(timestamp) => {
                self.stage = Stage::Signing;
                Action::Sign(SignJob {
                    signer: self.settings.signer().clone(),
                    query: self.query.clone(),
                    body: self.body.clone(),
                    timestamp,
                    recv_window: self.settings.inner.recv_window,
                })
            }
            Err(e) => Action::Fail(ClientError::Clock(e)),
        }
    }

    /// Records the response's holds and bans, then reports it to the gate.
    fn report(
        &mut self,
        status: u16,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        now: LocalReading,
    ) -> Action {
        let received = self.server_time(now, &headers);
        let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
        self.record_hold(status, &headers, body.as_deref(), received, now);
        let code = body.as_deref().and_then(meaning::binance_code);
        let meaning = meaning::meaning(status, code);
        let (Some(gate), Some(permit)) = (self.settings.gate_ref().cloned(), self.permit.take())
        else {
            return self.reported(meaning, now);
        };
        self.stage = Stage::Report { meaning };
        let reply = Reply {
            received,
            status,
            headers,
            body,
        };
        Action::Gate(GateCall {
            gate,
            op: GateOp::Settle(permit, reply),
        })
    }

    /// Returns the response, or after a `-1021` to a signed request (once): resync the clock
    /// now and send again with a fresh timestamp.
    fn reported(&mut self, meaning: meaning::Meaning, now: LocalReading) -> Action {
        if meaning == meaning::Meaning::ClockMoved && self.sign && !self.retried {
            events::retry();
            self.retried = true;
            return self.keep_time(true, None, now);
        }
        Action::Return
    }
}

/// A gate that could not record a response is not the request's business (the hold is in
/// place locally), but it is told.
fn recorded(answer: &GateAnswer) {
    if let GateAnswer::Recorded(Err(e)) = answer {
        events::gate_error(e);
    }
}
