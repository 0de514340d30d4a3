//! What the engine and its driver say to each other: [`Action`]s out, [`Input`]s back, and
//! the work items an action carries ([`GateCall`], [`SignJob`], [`Outgoing`]).

use std::sync::Arc;
use std::time::Duration;

use super::{BoxError, ClientError};
use crate::edge::http::{SignableRequest, SigningInstructions};
use crate::error::Error;
use crate::limits::{Admission, GateError, GateResponse, Permit, RateGate, Weight};
use crate::signing_key::KeyKind;
use crate::{LocalReading, RecvWindow, ServerTime, Signer, Timestamp};

/// The most of a response body the engine reads (to see a `-1021`, a `-1003` ban end, a
/// server time). A longer body is handed back whole to the caller, unread past this.
pub const READ_CAP: usize = 64 * 1024;

/// The next thing to do for one request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Sleep this long, then step with [`Input::Slept`].
    Sleep(Duration),
    /// Ask the rate gate ([`GateCall::run`]), then step with what it returns.
    Gate(GateCall),
    /// Probe the server time: `GET` this path on the request's host (already admitted by
    /// the gate), read the body up to [`READ_CAP`], and step with [`Input::Probed`].
    Probe {
        /// The server-time path.
        path: String,
    },
    /// Sign ([`SignJob::run`], on a blocking thread when [`SignJob::is_slow`]), then step
    /// with what it returns.
    Sign(SignJob),
    /// Send the request (dropping any earlier response), then step with [`Input::Response`],
    /// or stop with the transport's error: the request may have reached Binance, so the
    /// engine never sends it again.
    Send(Outgoing),
    /// Read the response body up to `cap` bytes (the caller must still be able to read all
    /// of it), then step with [`Input::Body`].
    ReadBody {
        /// The most to read.
        cap: usize,
    },
    /// Hand the last response back to the caller.
    Return,
    /// Stop with this error; nothing more is sent.
    Fail(ClientError),
}

/// What happened since the last [`Action`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// The request begins.
    Start,
    /// An [`Action::Sleep`] is over.
    Slept,
    /// The gate answered an [`Action::Gate`].
    Gate(GateAnswer),
    /// An [`Action::Sign`] is done: the signed query and body.
    Signed(Result<(String, String), Error>),
    /// An [`Action::Probe`] is done.
    Probed(ProbeOutcome),
    /// The response to [`Action::Send`] arrived: its status and headers (values that are
    /// not visible ASCII left out).
    Response {
        /// The HTTP status.
        status: u16,
        /// The headers.
        headers: Vec<(String, String)>,
    },
    /// An [`Action::ReadBody`] is done: the bytes read (at most the cap).
    Body(Vec<u8>),
}

impl Input {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Input::Start => "Start",
            Input::Slept => "Slept",
            Input::Gate(_) => "Gate",
            Input::Signed(_) => "Signed",
            Input::Probed(_) => "Probed",
            Input::Response { .. } => "Response",
            Input::Body(_) => "Body",
        }
    }
}

/// The gate's answer to a [`GateCall`].
#[derive(Debug)]
#[non_exhaustive]
pub enum GateAnswer {
    /// To an admission.
    Admission(Result<Admission, GateError>),
    /// To a response reported.
    Recorded(Result<(), GateError>),
}

/// A clock probe's outcome, as the transport saw it.
#[derive(Debug)]
pub struct ProbeOutcome {
    /// The URL probed (named in errors).
    pub url: String,
    /// The local reading just before sending.
    pub sent: LocalReading,
    /// The local reading once the body was read.
    pub received: LocalReading,
    /// Status, headers and body (up to [`READ_CAP`]), or the transport's error.
    pub reply: Result<ProbeReply, BoxError>,
}

/// A clock probe's response.
#[derive(Debug)]
pub struct ProbeReply {
    /// The HTTP status.
    pub status: u16,
    /// The headers (values that are not visible ASCII left out).
    pub headers: Vec<(String, String)>,
    /// The body, up to [`READ_CAP`].
    pub body: Vec<u8>,
}

/// One call to the rate gate; [`run`](Self::run) it.
pub struct GateCall {
    pub(super) gate: Arc<dyn RateGate>,
    pub(super) op: GateOp,
}

impl std::fmt::Debug for GateCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateCall").field("op", &self.op).finish()
    }
}

#[derive(Debug)]
pub(super) enum GateOp {
    Admit(ServerTime, Weight),
    Settle(Permit, Reply),
    Observe(ServerTime, Reply),
}

/// A response kept for the gate.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) received: ServerTime,
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<String>,
}

impl GateCall {
    /// Whether the gate needs a Tokio runtime to answer.
    pub fn needs_runtime(&self) -> bool {
        self.gate.needs_runtime()
    }

    /// Asks the gate; the input to step with.
    pub async fn run(self) -> Input {
        let (permit, sent, reply) = match self.op {
            GateOp::Admit(now, weight) => {
                return Input::Gate(GateAnswer::Admission(self.gate.acquire(now, weight).await));
            }
            GateOp::Settle(permit, reply) => (Some(permit), None, reply),
            GateOp::Observe(sent, reply) => (None, Some(sent), reply),
        };
        let headers: Vec<(&str, &str)> = reply
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = GateResponse {
            received: reply.received,
            status: reply.status,
            headers: &headers,
            body: reply.body.as_deref(),
        };
        let recorded = match (permit, sent) {
            (Some(permit), _) => self.gate.settle(permit, response).await,
            (None, sent) => {
                let sent = sent.unwrap_or(reply.received);
                self.gate.observe(sent, response).await
            }
        };
        Input::Gate(GateAnswer::Recorded(recorded))
    }
}

/// Signing to do: the request's own query and body, with a fresh timestamp.
pub struct SignJob {
    pub(super) signer: Signer,
    pub(super) query: String,
    pub(super) body: Vec<u8>,
    pub(super) timestamp: Timestamp,
    pub(super) recv_window: Option<RecvWindow>,
}

impl std::fmt::Debug for SignJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignJob")
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

impl SignJob {
    /// Whether signing takes long enough (RSA, about 2 ms) to belong on a blocking thread.
    pub fn is_slow(&self) -> bool {
        self.signer.key_kind() == KeyKind::Rsa
    }

    /// Signs; the input to step with.
    pub fn run(self) -> Input {
        Input::Signed(self.signer.sign_wire(
            &self.query,
            &self.body,
            self.timestamp,
            self.recv_window,
        ))
    }
}

/// What to send: the request as the caller built it, or with these signing instructions
/// applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub(super) signed: Option<SigningInstructions>,
}

impl Outgoing {
    /// The signing instructions; `None`: send the request unchanged.
    pub fn signed(&self) -> Option<&SigningInstructions> {
        self.signed.as_ref()
    }

    /// Applies the signed query, body and headers to `request` (the caller's request, cloned
    /// for this send); nothing for a request sent unchanged.
    ///
    /// # Errors
    ///
    /// A signed query that no longer fits the URI, an API key that is not a header value.
    pub fn apply_to<R: SignableRequest>(&self, request: &mut R) -> Result<(), Error> {
        match &self.signed {
            Some(signed) => request.apply(signed.clone()),
            None => Ok(()),
        }
    }
}
