//! Binance API request signing that signs exactly the bytes it sends.
//!
//! ```
//! use binance_sign::{Params, RecvWindow, Signer, Timestamp};
//! let signer = Signer::hmac(
//!     "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
//!     "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
//! )?;
//! let params = Params::try_from_pairs([
//!     ("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"),
//!     ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"),
//! ])?;
//! let req = signer.sign_query(
//!     &params,
//!     Timestamp::from_millis(1499827319559)?,
//!     Some(RecvWindow::from_millis(5000)?),
//! )?;
//! assert_eq!(req.signature(), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
//! // Send `req.query()` byte for byte, with `req.api_key()` in the X-MBX-APIKEY header.
//! signer.verify(req.query(), req.body())?;
//! # Ok::<(), binance_sign::Error>(())
//! ```
//!
//! Most `-1022 Signature for this request is not valid` errors come from signing one string and
//! sending another. This crate serializes once: [`Params`] percent-encodes every key and value
//! when it is added, [`Signer`] appends `recvWindow`, `timestamp` and `signature` in that order
//! and signs those bytes, and [`SignedRequest`] hands back exactly what was signed.
//!
//! Modules, one concept each (ARCHITECTURE.md in the repository has the layers and where each
//! kind of change goes):
//! - [`encoding`]: the one percent-encoding ([`encoding::WIRE_ENCODE_SET`]) and a strict decoder.
//! - [`SigningKey`] and [`Signature`]: the crypto layer (HMAC-SHA256, Ed25519, RSA), bytes in,
//!   signature out as bytes, hex or base64; nothing of request forms.
//! - [`Params`], [`Timestamp`], [`RecvWindow`], [`Product`]: the values that go on the wire.
//! - [`rules`]: Binance's parameter formats as one rule book, for `Params`, `check` and
//!   `diagnose` alike.
//! - The request forms, each over a key: [`rest`] (query and body), [`ws`] (the WebSocket
//!   API's sorted, unencoded form), [`fix_logon`] (FIX logon signatures).
//! - [`Signer`] and [`SignedRequest`]: the facade most programs use (a key, an API key, a
//!   product's rules), and, with the `http` feature, `SignedRequest::to_http` and
//!   `Signer::sign_http`.
//! - [`diagnose`]: the `-1022` doctor, which tells why Binance rejected a request.
//! - [`check`]: an oracle for fuzzing other encoders: do these bytes carry exactly what was
//!   meant, and will Binance accept them?
//! - [`ServerClock`] (over [`TimeSync`]), [`ServerTime`] and [`check_window`]: timestamps
//!   Binance accepts (see [`TimeSync`] for how the estimate is made and when it refuses).
//! - [`limits`]: a rate-limit [`Governor`](limits::Governor) fed by Binance's own counts.
//! - [`advanced`]: internals exposed for tools and tests (header readers, the doctor's
//!   mistake table).
//!
//! # Features
//!
//! HMAC-SHA256 is always there; everything else is a feature.
//!
//! | feature | default | what it adds | pick it when |
//! |---|---|---|---|
//! | `ed25519` | yes | Ed25519 keys from PKCS#8 PEM ([`Signer::ed25519_pem`]) | your API key is Ed25519, or you use the WebSocket `session.logon` |
//! | `encrypted-pem` | no | encrypted PKCS#8 PEM keys (PBKDF2 or scrypt, AES) | your key file has a passphrase |
//! | `rust_decimal` | yes | `rust_decimal::Decimal` as a [`ParamValue`] | your bot keeps prices as `Decimal` |
//! | `rsa` | no | RSA keys, RSASSA-PKCS1-v1_5 SHA-256 (`Signer::rsa_pem`) | your API key is RSA |
//! | `http` | no | `SignedRequest::to_http`, `Signer::sign_http`, `Governor::observe_http`; re-exports `http` | you build `http::Request`s yourself |
//! | `reqwest-middleware` | no | `client::SigningMiddleware` (sign, keep the clock, -1021 retry, 429/418 holds) | your bot uses reqwest |
//! | `tower` | no | `client::SigningLayer` / `SigningService`, the same for hyper and tower | your bot uses hyper or tower |
//! | `tracing` | no | the client engine's events through `tracing`, no secret in any field | you log with `tracing` |
//! | `ureq` | no | `client::SigningAgent`, the same engine, blocking (`ureq` 3) | your bot has no async runtime |
//! | `redis` | no | `limits::FleetGovernor`: limits shared by processes through Redis | several processes share one account or IP |
//! | `arbitrary` | no | `Arbitrary` for [`Params`] and the tricky values of `fuzzing` | you fuzz with cargo-fuzz |
//! | `proptest` | no | `proptest` strategies in `fuzzing` | you write property tests |
//!
//! The `client` module (the engine) is there only with `http` (which `reqwest-middleware`,
//! `tower` and `ureq` turn on; a build without it says "could not find `client`"),
//! `limits::FleetGovernor` only with `redis`. The
//! `binance-sign` command is the separate `binance-sign-cli` package; Python is the
//! `binance-sign` package in `python/`. The guides in `docs/` (linked from the README) go
//! deeper, with every example tested.
//!
//! # Time
//!
//! Instants on Binance's clock are [`ServerTime`] (µs since the epoch, range-checked),
//! durations are [`std::time::Duration`], local clock readings are [`LocalReading`] (µs), and
//! only signed clock offsets are plain `i64` microseconds (`offset_micros`).
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod advanced;
pub mod check;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use edge::client;
mod codes;
pub mod diagnose;
mod edge;
pub mod encoding;
mod error;
pub mod fix_logon;
#[cfg(any(feature = "arbitrary", feature = "proptest"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "arbitrary", feature = "proptest"))))]
pub mod fuzzing;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use edge::http::{SignableBody, SignableRequest, SigningInstructions};
pub mod limits;
mod params;
mod product;
pub mod rest;
pub mod rules;
mod signed;
mod signer;
mod signing_key;
mod source;
mod time;
mod wire;
pub mod ws;

pub use encoding::error::{EncodingError, Part};
pub use error::Error;
/// The `http` crate, for [`SignedRequest::to_http`] and
/// [`Governor::observe_http`](limits::Governor::observe_http).
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http;
pub use params::error::{Field, ParamError, UnsupportedValue};
pub use params::{DisplayValue, ParamValue, Params, ValueKind};
pub use product::{Product, UnknownProduct};
pub use product::{ProductError, ProductRule};
pub use signed::{API_KEY_HEADER, SignedRequest};
pub use signer::Signer;
pub use signing_key::error::{
    ApiKeyProblem, KeyError, KeyProblem, NotLast, Operation, SecretProblem, SignatureProblem,
    VerifyError,
};
pub use signing_key::{KeyKind, Signature, SigningKey};
pub use source::Source;
pub use time::acceptance::{MAX_AHEAD, WindowVerdict, check_window};
pub use time::clock::ServerClock;
pub use time::error::{RecvWindowRule, TimeError, TimestampRule};
pub use time::recv_window::{MAX_RECV_WINDOW_MILLIS, RecvWindow};
pub use time::server_time::ServerTime;
pub use time::sync::{
    Estimate, LocalReading, Observation, SyncError, SystemClock, TimeSync, TimeSyncConfig,
    parse_server_time,
};
pub use time::timestamp::{MAX_TIMESTAMP_MILLIS, MIN_TIMESTAMP_MILLIS, Timestamp};
pub use time::unit::TimeUnit;
pub use wire::error::{FixField, PasteRule, UrlRule, WireError, WireRule};

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The guides' examples (`docs/*.md`), run as doctests so none goes stale.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../docs/signing.md")]
    pub struct Signing;
    #[doc = include_str!("../docs/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../docs/doctor.md")]
    pub struct Doctor;
    #[doc = include_str!("../docs/clock.md")]
    pub struct Clock;
    #[doc = include_str!("../docs/rate-limits.md")]
    pub struct RateLimits;
    #[doc = include_str!("../docs/clients.md")]
    pub struct Clients;
    #[doc = include_str!("../docs/oracle.md")]
    pub struct Oracle;
    #[doc = include_str!("../docs/performance.md")]
    pub struct Performance;
}
