//! Signing inside the HTTP clients bots use: a `reqwest-middleware` middleware
//! ([`SigningMiddleware`], feature `reqwest-middleware`) and a `tower` layer ([`SigningLayer`],
//! feature `tower`), sharing one set of [`Settings`].
//!
//! ```no_run
//! # #[cfg(feature = "reqwest-middleware")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use binance_sign::client::{Settings, SigningMiddleware, Weight};
//! use binance_sign::{ServerClock, Signer};
//! use binance_sign::limits::{Governor, RateLimit};
//! let settings = Settings::new(Signer::hmac("api-key", "secret")?, ServerClock::new())
//!     .governor(Arc::new(Governor::new(RateLimit::spot_defaults())))
//!     .sign_paths(["/api/v3/order"]);
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(SigningMiddleware::new(settings))
//!     .build();
//! let response = client
//!     .post("https://testnet.binance.vision/api/v3/order/test")
//!     .form(&[("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")])
//!     .with_extension(Weight::order(1))
//!     .send()
//!     .await?;
//! # let _ = response;
//! # Ok(()) }
//! ```
//!
//! The same settings wrap a hyper (or any tower) client with the layer:
//!
//! ```no_run
//! # #[cfg(feature = "tower")]
//! # fn client<S>(hyper_client: S) -> Result<(), Box<dyn std::error::Error>> {
//! use binance_sign::client::{Settings, SigningLayer};
//! use binance_sign::{ServerClock, Signer};
//! use tower_layer::Layer;
//! let settings = Settings::new(Signer::hmac("api-key", "secret")?, ServerClock::new())
//!     .sign_paths(["/api/v3/order"]);
//! let service = SigningLayer::new(settings).layer(hyper_client);
//! # let _ = service;
//! # Ok(()) }
//! ```
//!
//! Both do what every wrapper otherwise writes by hand, around each request they are told to
//! sign (marked with the [`Sign`] extension, or under a configured path):
//!
//! 1. keep the shared [`ServerClock`] synchronized, probing `GET /api/v3/time` through the
//!    same client (or a probe of your own) when it asks for it;
//! 2. ask the [`Governor`], when one is configured, for every request (weight from the
//!    [`Weight`] extension, 1 by default), waiting with `tokio::time::sleep` (never a blocking
//!    sleep) and refusing during a ban;
//! 3. sign the request's own query and body as they are ([`Signer::sign_http`] rules),
//!    appending `recvWindow`, `timestamp` and `signature`, and setting `X-MBX-APIKEY`;
//! 4. feed Binance's rate-limit headers (and a `-1003` ban message) back to the governor;
//! 5. on `-1021` (the server clock moved), resync the clock and retry once with a fresh
//!    timestamp; on 429 or 418, return the response without retrying into a ban.
//!
//! HMAC and Ed25519 signatures are made inline (microseconds). RSA signing takes about 2 ms,
//! so it runs on `tokio::task::spawn_blocking` instead of stalling the executor. No lock is
//! held across an `.await`: the clock and the governor lock only for a few microseconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::limits::{Decision, Governor};
use crate::signing_key::KeyKind;
use crate::{RecvWindow, ServerClock, ServerTime, Signer, SyncError};

#[cfg(feature = "reqwest-middleware")]
mod reqwest;
#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use self::reqwest::SigningMiddleware;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use self::tower::{SigningFuture, SigningLayer, SigningService};

/// A boxed error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A future of a server time, from a probe of your own.
pub type ProbeFuture = Pin<Box<dyn Future<Output = Result<ServerTime, BoxError>> + Send>>;

/// Request extension: sign this request (whatever its path).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sign;

/// Request extension: what the request costs against the rate limits (1 weight, not an order,
/// when absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weight {
    /// The request weight.
    pub weight: u32,
    /// Whether it places an order.
    pub is_order: bool,
}

impl Weight {
    /// A request of `weight`.
    pub fn of(weight: u32) -> Self {
        Self {
            weight,
            is_order: false,
        }
    }

    /// An order request of `weight`.
    pub fn order(weight: u32) -> Self {
        Self {
            weight,
            is_order: true,
        }
    }
}

impl Default for Weight {
    fn default() -> Self {
        Self::of(1)
    }
}

/// Why a request was not sent (or not retried).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request could not be signed.
    #[error("cannot sign the request")]
    Sign(#[source] Error),
    /// The server clock gives no time or timestamp, even after a probe.
    #[error("the server clock is not usable")]
    Clock(#[source] SyncError),
    /// Probing the server time failed.
    #[error("probing the server time failed")]
    Probe(#[source] BoxError),
    /// The IP is banned until this server time (HTTP 418): nothing is sent.
    #[error("the IP is banned until server time {until} (HTTP 418); nothing is sent")]
    Banned {
        /// When the ban ends.
        until: ServerTime,
    },
    /// The request alone counts more than a whole window of this limit allows.
    #[error("the request is heavier than a whole window of {limit:?} allows")]
    TooHeavy {
        /// The limit.
        limit: crate::limits::RateLimit,
    },
    /// The request's body is a stream: its bytes cannot be signed before sending.
    #[error("the request body is a stream; only bodies whose bytes are known can be signed")]
    StreamingBody,
    /// The signing task failed (RSA signing runs on a blocking thread).
    #[error("the signing task failed")]
    Task(#[source] BoxError),
}

/// What the middleware and the layer are configured with. Cheap to clone (shared).
#[derive(Clone)]
pub struct Settings {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    signer: Signer,
    clock: ServerClock,
    governor: Option<Arc<Governor>>,
    recv_window: Option<RecvWindow>,
    sign_paths: Vec<String>,
    time_path: String,
    probe: Option<Arc<dyn Fn() -> ProbeFuture + Send + Sync>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("signer", &self.inner.signer)
            .field("governor", &self.inner.governor.is_some())
            .field("recv_window", &self.inner.recv_window)
            .field("sign_paths", &self.inner.sign_paths)
            .field("time_path", &self.inner.time_path)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Signs with `signer`, timestamps from `clock` (synchronized through `/api/v3/time`).
    pub fn new(signer: Signer, clock: ServerClock) -> Self {
        Self {
            inner: Arc::new(Inner {
                signer,
                clock,
                governor: None,
                recv_window: None,
                sign_paths: Vec::new(),
                time_path: "/api/v3/time".to_owned(),
                probe: None,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// Asks `governor` before every request and feeds it every response.
    #[must_use]
    pub fn governor(self, governor: Arc<Governor>) -> Self {
        self.edit(|i| i.governor = Some(governor))
    }

    /// Appends this `recvWindow` to signed requests that have none. The clock's timestamps
    /// are placed for the `recv_window` of its own [`TimeSyncConfig`](crate::TimeSyncConfig)
    /// (default 5000 ms): give the clock the same window
    /// ([`ServerClock::with_config`](crate::ServerClock::with_config)), or a shorter one,
    /// never a longer one, or timestamps may fall outside this window (`-1021`).
    #[must_use]
    pub fn recv_window(self, recv_window: RecvWindow) -> Self {
        self.edit(|i| i.recv_window = Some(recv_window))
    }

    /// Signs every request whose path starts with one of `prefixes` (besides those marked
    /// with [`Sign`]).
    #[must_use]
    pub fn sign_paths<I: IntoIterator<Item = S>, S: Into<String>>(self, prefixes: I) -> Self {
        let prefixes: Vec<String> = prefixes.into_iter().map(Into::into).collect();
        self.edit(|i| i.sign_paths = prefixes)
    }

    /// The server-time path probed on the request's host (default `/api/v3/time`; see
    /// [`Product::server_time_path`](crate::Product::server_time_path)).
    #[must_use]
    pub fn time_path(self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.edit(|i| i.time_path = path)
    }

    /// Probes the server time with `probe` instead of a `GET` of the time path through the same
    /// client.
    #[must_use]
    pub fn probe<F>(self, probe: F) -> Self
    where
        F: Fn() -> ProbeFuture + Send + Sync + 'static,
    {
        self.edit(|i| i.probe = Some(Arc::new(probe)))
    }

    /// The signer.
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The shared clock.
    pub fn clock(&self) -> &ServerClock {
        &self.inner.clock
    }

    /// The governor, if any.
    pub fn governor_ref(&self) -> Option<&Arc<Governor>> {
        self.inner.governor.as_ref()
    }

    pub(crate) fn should_sign(&self, path: &str, marked: bool) -> bool {
        marked
            || self
                .inner
                .sign_paths
                .iter()
                .any(|p| path.starts_with(p.as_str()))
    }

    pub(crate) fn time_path_str(&self) -> &str {
        &self.inner.time_path
    }

    /// Runs the configured probe and feeds its answer to the clock; `None` when there is no
    /// probe of the user's own (then the transport `GET`s the time path).
    pub(crate) async fn custom_probe(&self) -> Option<Result<(), ClientError>> {
        let probe = self.inner.probe.as_ref()?;
        let sent = self.inner.clock.reading();
        let answer = match probe().await {
            Ok(time) => self
                .inner
                .clock
                .observe(sent, time)
                .map(drop)
                .map_err(ClientError::Clock),
            Err(e) => Err(ClientError::Probe(e)),
        };
        Some(answer)
    }

    /// After a `-1021` and its resync probe: whether to probe once more. When the clock holds
    /// the answer as a candidate (it disagrees with the estimate: the server clock stepped), a
    /// second, independent answer can confirm it; this waits a few milliseconds first (the same
    /// `serverTime` again confirms nothing) and allows at most two more probes.
    pub(crate) async fn probe_again_after_resync(&self, extra: &mut u8) -> bool {
        if *extra >= 2 || !self.inner.clock.holds_sample() {
            return false;
        }
        *extra += 1;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        true
    }

    /// Probes (with `probe`) when the clock asks for it; a failed probe only matters when the
    /// clock has no usable estimate left.
    pub(crate) async fn keep_time<E>(
        &self,
        probe: impl AsyncFnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.needs_resync() {
            return Ok(());
        }
        match probe().await {
            Err(e) if self.inner.clock.now().is_err() => Err(e),
            _ => Ok(()),
        }
    }

    /// The signed query and body with a fresh timestamp; when the clock has none, `probe`
    /// once and sign again.
    pub(crate) async fn sign_probing<E: From<ClientError>>(
        &self,
        query: &str,
        body: &[u8],
        probe: impl AsyncFnOnce() -> Result<(), E>,
    ) -> Result<(String, String), E> {
        match self.sign(query.to_owned(), body.to_vec()).await {
            Err(SignFailure::Clock(_)) => probe().await?,
            other => return other.map_err(|f| ClientError::from(f).into()),
        }
        self.sign(query.to_owned(), body.to_vec())
            .await
            .map_err(|f| ClientError::from(f).into())
    }

    /// Feeds a probe's answer (the body of the time endpoint) to the clock.
    pub(crate) fn observe_time(
        &self,
        sent: crate::LocalReading,
        body: &[u8],
    ) -> Result<(), ClientError> {
        let text = String::from_utf8_lossy(body);
        self.inner
            .clock
            .observe_json(sent, &text)
            .map(drop)
            .map_err(ClientError::Clock)
    }

    /// Waits for the governor's leave to send (no governor: now). Needs a synchronized clock.
    pub(crate) async fn admit(&self, weight: Weight) -> Result<Option<ServerTime>, ClientError> {
        let Some(governor) = &self.inner.governor else {
            return Ok(self.inner.clock.now().ok());
        };
        loop {
            let now = self.inner.clock.now().map_err(ClientError::Clock)?;
            match governor.acquire(now, weight.weight, weight.is_order) {
                Decision::Send => return Ok(Some(now)),
                Decision::Wait(d) => tokio::time::sleep(d.min(Duration::from_secs(3600))).await,
                Decision::Banned { until } => return Err(ClientError::Banned { until }),
                Decision::TooHeavy { limit } => return Err(ClientError::TooHeavy { limit }),
            }
        }
    }

    /// Before a clock probe through the client (`GET` of the time path, weight 1): the
    /// governor's leave, like any request. The very first probe, before the clock has any
    /// time to ask the governor with, goes uncounted (Binance's reported counts catch it up).
    pub(crate) async fn admit_probe(&self) -> Result<Option<ServerTime>, ClientError> {
        if self.inner.governor.is_none() || self.inner.clock.now().is_err() {
            return Ok(None);
        }
        self.admit(Weight::of(1)).await
    }

    /// The signed query and body; RSA keys sign on a blocking thread.
    async fn sign(&self, query: String, body: Vec<u8>) -> Result<(String, String), SignFailure> {
        let timestamp = self.inner.clock.timestamp().map_err(SignFailure::Clock)?;
        let recv_window = self.inner.recv_window;
        let signer = self.inner.signer.clone();
        let sign = move || signer.sign_wire(&query, &body, timestamp, recv_window);
        let signed = if self.inner.signer.key_kind() == KeyKind::Rsa {
            tokio::task::spawn_blocking(sign)
                .await
                .map_err(|e| SignFailure::Other(ClientError::Task(Box::new(e))))?
        } else {
            sign()
        };
        signed.map_err(|e| SignFailure::Other(ClientError::Sign(e)))
    }

    /// Feeds a response to the governor.
    pub(crate) fn observe<'a>(
        &self,
        sent: Option<ServerTime>,
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: Option<&[u8]>,
    ) {
        let Some(governor) = &self.inner.governor else {
            return;
        };
        let received = self.inner.clock.now().ok();
        let Some(received) = received.or(sent) else {
            return;
        };
        // Malformed headers are not this request's business; the hold is in place anyway.
        let _ = governor.observe(sent.unwrap_or(received), received, status, headers);
        if let Some(body) = body {
            governor.observe_body(&String::from_utf8_lossy(body));
        }
    }

    pub(crate) fn governed(&self) -> bool {
        self.inner.governor.is_some()
    }

    pub(crate) fn needs_resync(&self) -> bool {
        self.inner.clock.needs_resync()
    }
}

/// Why signing did not happen: the clock wants a probe, or something else.
enum SignFailure {
    Clock(SyncError),
    Other(ClientError),
}

impl From<SignFailure> for ClientError {
    fn from(failure: SignFailure) -> Self {
        match failure {
            SignFailure::Clock(e) => ClientError::Clock(e),
            SignFailure::Other(e) => e,
        }
    }
}

/// A response's headers as name/value pairs (values that are not visible ASCII left out).
pub(crate) fn headers_of(headers: &http::HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
}

/// Binance's error code in a response body (`{"code":-1021,"msg":"..."}`).
pub(crate) fn binance_code(body: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Reply {
        code: i64,
    }
    serde_json::from_slice::<Reply>(body).ok().map(|r| r.code)
}

/// What to do with a response to a signed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reaction {
    /// Hand it back.
    Return,
    /// `-1021`: resync the clock and send again, once.
    Resync,
}

pub(crate) fn react(status: u16, body: &[u8], retried: bool) -> Reaction {
    if !retried
        && (400..500).contains(&status)
        && status != 429
        && status != 418
        && binance_code(body) == Some(-1021)
    {
        Reaction::Resync
    } else {
        Reaction::Return
    }
}

/// Whether a response's body must be read (to see `-1021`, or a `-1003` ban end).
pub(crate) fn must_read(status: u16, signed: bool, governed: bool) -> bool {
    (signed && (400..500).contains(&status)) || (governed && (status == 429 || status == 418))
}
