//! Signing inside the HTTP clients bots use, on one engine: a `reqwest-middleware` middleware
//! ([`SigningMiddleware`], feature `reqwest-middleware`), a `tower` layer for hyper
//! ([`SigningLayer`], feature `tower`) and a blocking `ureq` agent ([`SigningAgent`], feature
//! `ureq`), sharing one set of [`Settings`].
//!
//! ```no_run
//! # #[cfg(feature = "reqwest-middleware")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use binance_sign::client::{Settings, SigningMiddleware};
//! use binance_sign::client::{reqwest, reqwest_middleware};
//! use binance_sign::limits::{Governor, RateLimit, Weight};
//! use binance_sign::{ServerClock, Signer};
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
//! # The engine
//!
//! Every adapter runs the same [`Exchange`]: a state machine with no I/O (feature `http`
//! only, no runtime) that says what to do next as an [`Action`] and is told what happened as
//! an [`Input`]. [`drive`] carries those out over a [`Transport`] (send, read a bounded body
//! prefix, probe, sleep), which is all an adapter is; implement it to drive any other client.
//! For each request it is told to sign (marked with the [`Sign`] extension, or under a
//! configured path), the engine:
//!
//! 1. refuses to send during a ban it saw and waits out a hold, both kept on the local boot
//!    clock, so that they still count after a suspend and before the clock has any time;
//! 2. keeps the shared [`ServerClock`] synchronized: when it asks for a probe, one request
//!    probes `GET /api/v3/time` on the request's host and the others wait for that probe (or
//!    go on with the current estimate, when it still holds); a failed probe names its URL and
//!    HTTP status, and every request that waited on it gets that error;
//! 3. asks the [`RateGate`] (a [`Governor`](crate::limits::Governor), a fleet's
//!    `FleetGovernor`, or yours), when one is configured, for the probe and the request
//!    (weight from the [`Weight`](crate::limits::Weight) extension, 1 by default), sleeping
//!    through its waits and refusing during a ban or for a request heavier than a window;
//! 4. signs the request's own query and body as they are ([`Signer::sign_http`] rules),
//!    appending `recvWindow`, `timestamp` and `signature`, and setting `X-MBX-APIKEY`,
//!    `Content-Type` and `Content-Length`;
//! 5. reads at most [`READ_CAP`] bytes of a body it must see (a 4xx to a signed request, a
//!    429 or 418), handing the whole body back to the caller, and reports the response to the
//!    gate (holds, bans, the counts Binance reports);
//! 6. on `-1021` (the server clock moved), resyncs the clock and retries once with a fresh
//!    timestamp; on 429 or 418, returns the response without retrying into a ban.
//!
//! Never stack a generic retry middleware outside this one on order endpoints: after a
//! timeout it would send the order again, and Binance may have taken the first one.
//!
//! HMAC and Ed25519 signatures are made inline (microseconds). RSA signing takes about 2 ms,
//! so the async adapters run it on `tokio::task::spawn_blocking`. No lock is held across an
//! `.await`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::limits::RateGate;
use crate::{RecvWindow, ServerClock, ServerTime, Signer};

mod drive;
mod engine;
mod error;
mod events;
mod meaning;
mod steps;

#[cfg(feature = "reqwest-middleware")]
mod middleware;
#[cfg(feature = "tower")]
mod tower;
#[cfg(feature = "ureq")]
mod ureq;

pub use self::drive::{Failure, Prefixed, Transport, drive, header_pairs};
pub use self::engine::Exchange;
pub use self::error::{BoxError, ClientError, ProbeError, ProbeFailure};
pub use self::steps::{
    Action, GateAnswer, GateCall, Input, Outgoing, ProbeOutcome, ProbeReply, READ_CAP, SignJob,
};

#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use self::middleware::SigningMiddleware;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use self::tower::{Replayed, SigningFuture, SigningLayer, SigningService};
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use self::ureq::{SigningAgent, UreqError};

/// The `reqwest` crate the middleware is built on (use this one, or the same version).
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use ::reqwest;
/// The `reqwest-middleware` crate the middleware is built on.
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use ::reqwest_middleware;

/// A future of a server time, from a probe of your own.
pub type ProbeFuture = Pin<Box<dyn Future<Output = Result<ServerTime, BoxError>> + Send>>;

/// Request extension: sign this request (whatever its path).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sign;

/// What the adapters are configured with. Cheap to clone (shared): the clones share the
/// clock, the gate, and the engine's record of probes, holds and bans.
#[derive(Clone)]
pub struct Settings {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    signer: Signer,
    clock: ServerClock,
    gate: Option<Arc<dyn RateGate>>,
    recv_window: Option<RecvWindow>,
    sign_paths: Vec<String>,
    time_path: String,
    shared: Arc<Mutex<engine::Shared>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("signer", &self.inner.signer)
            .field("gate", &self.inner.gate)
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
                gate: None,
                recv_window: None,
                sign_paths: Vec::new(),
                time_path: "/api/v3/time".to_owned(),
                shared: Arc::default(),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// Asks `gate` before every request (and clock probe) and tells it every response: a
    /// local [`Governor`](crate::limits::Governor), a fleet's `FleetGovernor`, or a gate of
    /// your own.
    #[must_use]
    pub fn governor<G: RateGate + 'static>(self, gate: Arc<G>) -> Self {
        self.edit(|i| i.gate = Some(gate))
    }

    /// [`governor`](Self::governor) for a gate already behind `dyn`.
    #[must_use]
    pub fn gate(self, gate: Arc<dyn RateGate>) -> Self {
        self.edit(|i| i.gate = Some(gate))
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

    /// The signer.
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The shared clock.
    pub fn clock(&self) -> &ServerClock {
        &self.inner.clock
    }

    /// The rate gate, if any.
    pub fn gate_ref(&self) -> Option<&Arc<dyn RateGate>> {
        self.inner.gate.as_ref()
    }

    /// Whether a request at `path` is signed (`marked` with [`Sign`], or under a configured
    /// path).
    pub fn should_sign(&self, path: &str, marked: bool) -> bool {
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
}
