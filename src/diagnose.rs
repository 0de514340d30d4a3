//! The `-1022` doctor: given a request exactly as it was sent, work out why Binance rejected it.
//!
//! Each common encoder mistake leaves a signature that matches a specific *wrong* payload. The
//! doctor rebuilds those candidate payloads (decoded values, another percent-encoding, an `&`
//! between query and body, only one part, sorted parameters, the WebSocket form, a secret with
//! a trailing newline, the API key as the secret, base64 instead of hex, ...) and checks the
//! sent signature against each. A match is *confirmed* and ranked first. Structural problems
//! Binance rejects with other codes (`-1100`, `-1101`, `-1102`, `-1021`, `-1131`, `-2014`,
//! `-2015`) are reported from the request itself.
//!
//! ```
//! use binance_sign::Signer;
//! use binance_sign::diagnose::{Code, Input};
//! use hmac::{Hmac, KeyInit, Mac};
//! let signer = Signer::hmac("api-key", "secret")?;
//! // A peer encoder signed the raw text, then sent it percent-encoded:
//! let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"secret").unwrap();
//! mac.update(b"note=a b&timestamp=1700000000000");
//! let signature = hex::encode(mac.finalize().into_bytes());
//! let query = format!("note=a%20b&timestamp=1700000000000&signature={signature}");
//! let diagnosis = signer.diagnose(&Input::rest(&query, ""))?;
//! assert!(!diagnosis.valid);
//! assert_eq!(diagnosis.findings[0].code, Code::SignedDecodedPayload);
//! assert!(diagnosis.findings[0].confirmed);
//! # Ok::<(), binance_sign::Error>(())
//! ```

use std::fmt;

use serde::Serialize;

use crate::error::Error;
use crate::product::Product;
use crate::server_time::ServerTime;
use crate::signer::Signer;

mod checks;
mod matcher;
mod rest;
mod ws;

/// Which API the request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Api {
    /// REST: query string and form body.
    #[default]
    Rest,
    /// The WebSocket API: `query` carries the JSON `params` object (or the whole request).
    WebSocket,
}

/// A request as it was sent, and what is known about its fate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Input<'a> {
    /// The query string as sent (REST), or the `params` JSON object (WebSocket).
    pub query: &'a str,
    /// The form body as sent (REST; empty otherwise).
    pub body: &'a str,
    /// Which API.
    pub api: Api,
    /// Binance's server time when the request arrived, if known.
    pub server_time: Option<ServerTime>,
    /// The error code Binance answered (`-1022`, `-2015`, ...), if any.
    pub error_code: Option<i64>,
    /// The product the request went to, if known (for product rules).
    pub product: Option<Product>,
}

impl<'a> Input<'a> {
    /// A REST request.
    pub fn rest(query: &'a str, body: &'a str) -> Self {
        Self {
            query,
            body,
            ..Self::default()
        }
    }

    /// A WebSocket API request: the `params` object (or the whole request) as JSON text.
    pub fn websocket(params_json: &'a str) -> Self {
        Self {
            query: params_json,
            api: Api::WebSocket,
            ..Self::default()
        }
    }

    /// With the server time at arrival.
    #[must_use]
    pub fn server_time(mut self, time: ServerTime) -> Self {
        self.server_time = Some(time);
        self
    }

    /// With the error code Binance answered.
    #[must_use]
    pub fn error_code(mut self, code: i64) -> Self {
        self.error_code = Some(code);
        self
    }

    /// With the product the request went to.
    #[must_use]
    pub fn product(mut self, product: Product) -> Self {
        self.product = Some(product);
        self
    }
}

macro_rules! codes {
    ($($variant:ident => $text:literal, $doc:literal;)*) => {
        /// A finding's stable, machine-readable code. These strings are a public contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as it appears in JSON output and docs, e.g. `signed-decoded-payload`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    SignedDecodedPayload => "signed-decoded-payload", "Signed the raw (decoded) values, sent them percent-encoded.";
    SignedOtherEncoding => "signed-other-encoding", "Signed another percent-encoding of the same values (`+`/`%20`, hex case, one-sided `@`/`,`/`:`), or signed encoded and sent raw.";
    AmpersandBetweenQueryAndBody => "ampersand-between-query-and-body", "Signed `query&body` instead of `query` immediately followed by `body`.";
    PartialPayloadSigned => "partial-payload-signed", "Signed the query alone or the body alone.";
    ParamsReordered => "params-reordered", "Signed the parameters in another order than sent (sorted, typically).";
    SignatureNotLast => "signature-not-last", "`signature` is not the last parameter, or is missing.";
    DuplicateParameter => "duplicate-parameter", "A parameter appears more than once (`-1101`).";
    SecretWhitespace => "secret-whitespace", "Signed with the secret plus whitespace, a newline or quotes.";
    ApiKeyAsSecret => "api-key-as-secret", "Signed with the API key instead of the secret.";
    SignatureEncoding => "signature-encoding", "Base64 where hex is expected, or an asymmetric signature not percent-encoded.";
    WsSignedAsRest => "ws-signed-as-rest", "A WebSocket request signed in the REST form (encoded, unsorted, or without `apiKey`).";
    EmptyValue => "empty-value", "A parameter with an empty value (`-1102`).";
    ListFormat => "list-format", "A list not sent as one compact JSON value (`-1100`/`-1101`).";
    NumberFormat => "number-format", "A number in exponent form or with a decimal comma (`-1100`).";
    TimestampAhead => "timestamp-ahead", "`timestamp` 1000 ms or more ahead of the server (`-1021`).";
    TimestampExpired => "timestamp-expired", "`timestamp` older than `recvWindow` when it arrived (`-1021`).";
    RecvWindowInvalid => "recv-window-invalid", "`recvWindow` over 60000, malformed, or fractional where not allowed (`-1131`).";
    ApiKeyPermissions => "api-key-permissions", "`-2015` with a valid signature: permissions, IP whitelist, or a reset/expired key.";
    ApiKeyFormat => "api-key-format", "`-2014` with a valid signature: the API key is malformed or missing from `X-MBX-APIKEY`.";
    UnknownMismatch => "unknown-mismatch", "The signature matches no known mistake.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing the doctor found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// What is wrong, in one line.
    pub message: String,
    /// What to change.
    pub fix: String,
    /// Whether the sent signature was reproduced from the wrong payload this finding names
    /// (certain), rather than inferred from the request's shape.
    pub confirmed: bool,
}

impl Finding {
    pub(crate) fn new(code: Code, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fix: fix.into(),
            confirmed: false,
        }
    }

    pub(crate) fn confirmed(mut self) -> Self {
        self.confirmed = true;
        self
    }
}

/// The doctor's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Whether the signature is valid for these exact bytes, as Binance checks it.
    pub valid: bool,
    /// What is wrong, most likely first. Empty for a valid request.
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    /// A one-paragraph summary for people.
    pub fn summary(&self) -> String {
        match (self.valid, self.findings.is_empty()) {
            (true, true) => "valid: the signature is valid for these exact bytes. If Binance still answered -1022, it received other bytes: make sure nothing re-encodes the query or body after signing.".into(),
            (true, false) => "the signature is valid for these exact bytes, but Binance will still reject this request:".into(),
            (false, _) => "the signature does not match these bytes:".into(),
        }
    }

    fn finish(valid: bool, mut findings: Vec<Finding>) -> Self {
        // Most likely first: confirmed by the signature, then by code order (signature
        // mistakes, structure, timing, the key). The sort is stable.
        findings.sort_by_key(|f| (!f.confirmed, f.code));
        let mut seen = Vec::new();
        findings.retain(|f| {
            let new = !seen.contains(&(f.code, f.message.clone()));
            seen.push((f.code, f.message.clone()));
            new
        });
        Self { valid, findings }
    }
}

impl Signer {
    /// Diagnoses a request as it was sent; see the [module documentation](self).
    ///
    /// # Errors
    ///
    /// [`Error::MalformedJson`] when a WebSocket `params` text is not a JSON object.
    pub fn diagnose(&self, input: &Input<'_>) -> Result<Diagnosis, Error> {
        let (valid, findings) = match input.api {
            Api::Rest => rest::diagnose(self, input),
            Api::WebSocket => ws::diagnose(self, input)?,
        };
        Ok(Diagnosis::finish(valid, findings))
    }
}
