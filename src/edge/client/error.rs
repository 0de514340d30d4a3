//! [`ClientError`]: why the engine sent nothing (or nothing more), and [`ProbeError`].

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::limits::{GateError, RateLimit};
use crate::{ServerTime, SyncError};

/// A boxed error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a request was not sent (or not retried).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request could not be signed.
    #[error("cannot sign the request")]
    Sign(#[source] Error),
    /// The server clock gives no time or timestamp.
    #[error("the server clock is not usable")]
    Clock(#[source] SyncError),
    /// Probing the server time failed (shared by every request that waited on that probe).
    #[error(transparent)]
    Probe(Arc<ProbeError>),
    /// The IP is banned (HTTP 418): nothing is sent. `until` is the ban's end in server time
    /// when the clock knew it; `remaining` is counted on the local boot clock.
    #[error(
        "the IP is banned{} (HTTP 418), {remaining:?} more; nothing is sent",
        until.map(|t| format!(" until server time {t}")).unwrap_or_default()
    )]
    Banned {
        /// When the ban ends (server time), when known.
        until: Option<ServerTime>,
        /// How much of it is left.
        remaining: Duration,
    },
    /// The request alone counts more than a whole window of this limit allows.
    #[error("the request is heavier than a whole window of {limit:?} allows")]
    TooHeavy {
        /// The limit.
        limit: RateLimit,
    },
    /// The rate gate could not decide (a fleet's store unreachable, say): nothing is sent.
    #[error("the rate gate could not decide; nothing is sent")]
    Gate(#[source] GateError),
    /// The rate gate needs a Tokio runtime (a fleet's store) and this client has none.
    #[error("the rate gate needs a Tokio runtime, which a blocking client does not have")]
    GateNeedsRuntime,
    /// The request's body is a stream: its bytes cannot be signed before sending.
    #[error("the request body is a stream; only bodies whose bytes are known can be signed")]
    StreamingBody,
    /// The signing task failed (RSA signing runs on a blocking thread).
    #[error("the signing task failed")]
    Task(#[source] BoxError),
    /// The engine was stepped with an input its stage does not take (a driver bug).
    #[error("the engine was given {input} while at {stage}")]
    OutOfStep {
        /// Where the request stood.
        stage: &'static str,
        /// What it was given.
        input: &'static str,
    },
}

impl ClientError {
    /// The engine's error inside a `reqwest-middleware` error, when the middleware is what
    /// stopped the request (`None` for reqwest's own errors: the request may have been sent).
    ///
    /// ```
    /// use binance_sign::client::{reqwest_middleware, ClientError};
    /// let error = reqwest_middleware::Error::middleware(ClientError::StreamingBody);
    /// assert!(matches!(ClientError::from_middleware(&error), Some(ClientError::StreamingBody)));
    /// ```
    #[cfg(feature = "reqwest-middleware")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
    pub fn from_middleware(error: &reqwest_middleware::Error) -> Option<&ClientError> {
        match error {
            reqwest_middleware::Error::Middleware(e) => e.downcast_ref::<ClientError>(),
            reqwest_middleware::Error::Reqwest(_) => None,
        }
    }

    /// The engine's error inside the tower layer's boxed error (or any boxed error), when
    /// the engine is what stopped the request.
    ///
    /// ```
    /// use binance_sign::client::{BoxError, ClientError};
    /// let error: BoxError = Box::new(ClientError::StreamingBody);
    /// assert!(matches!(ClientError::from_boxed(&*error), Some(ClientError::StreamingBody)));
    /// ```
    pub fn from_boxed<'a>(
        error: &'a (dyn std::error::Error + Send + Sync + 'static),
    ) -> Option<&'a ClientError> {
        error.downcast_ref::<ClientError>()
    }
}

/// A clock probe that did not give a time: which URL, the HTTP status when there was one, and
/// what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("probing the server time at {url}{} failed", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
pub struct ProbeError {
    /// The URL probed.
    pub url: String,
    /// The response's status, when one came.
    pub status: Option<u16>,
    /// What went wrong.
    #[source]
    pub failure: ProbeFailure,
}

impl ProbeError {
    pub(crate) fn new(url: &str, status: Option<u16>, failure: ProbeFailure) -> Self {
        Self {
            url: crate::source::excerpt(url, 200),
            status,
            failure,
        }
    }
}

/// What went wrong with a probe.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeFailure {
    /// The request did not complete.
    #[error("the request failed")]
    Transport(#[source] BoxError),
    /// The status was not a success.
    #[error("the server answered an error status")]
    Status,
    /// The body was not a plausible `{"serverTime":...}`, or the clock refused the sample.
    #[error("the answer gives no usable server time")]
    Body(#[source] SyncError),
}
