//! The `-1022` doctor: given a request exactly as it was sent, work out why Binance rejected it.
//!
//! Each common encoder mistake leaves a signature that matches a specific *wrong* payload. The
//! doctor rebuilds those candidate payloads (decoded values, another percent-encoding, an `&`
//! between query and body, only one part, sorted parameters, the WebSocket form, a secret with
//! a trailing newline, the API key as the secret, base64 instead of hex, ...) and checks the
//! sent signature against each. A match is *confirmed* and ranked first. Structural problems
//! Binance rejects with other codes (`-1100`, `-1101`, `-1102`, `-1021`, `-1131`, `-2014`,
//! `-2015`) are reported from the request itself. Every finding has a severity: an *error* is
//! something Binance refuses, a *warning* something it may read differently from what was
//! meant (a raw `+` in a value, a repeated key).
//!
//! The mistakes rebuilt are data: [`advanced::mistakes()`](crate::advanced::mistakes) lists them, one row each, with how to rebuild
//! the payload from the request as sent and how an encoder commits the mistake. Requests are
//! read as people paste them with [`Pasted`]: a query, `?query`, a full URL, a `curl` command
//! line or a raw HTTP request.
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

use serde::Serialize;

use crate::codes::finding_codes;
use crate::error::Error;
use crate::product::Product;
use crate::signer::Signer;
use crate::time::server_time::ServerTime;

mod checks;
mod matcher;
pub(crate) mod mistakes;
mod paste;
mod rest;
pub(crate) mod sent;
mod ws;
mod ws_members;

use crate::rules::Severity;
pub use paste::{Pasted, WholeRequest};

/// Which API the request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Api {
    /// REST: query string and form body.
    #[default]
    Rest,
    /// The WebSocket API: `query` carries the JSON `params` object (or the whole request).
    WebSocket,
}

/// A request as it was sent, and what is known about its fate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
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
    /// The API key sent in `X-MBX-APIKEY`, if known (else the signer's, if it has one). The
    /// `-2014` checks and the API-key-as-secret check run only on a key actually given.
    pub api_key: Option<&'a str>,
    /// What the client cut off the URL: the text after a raw `#`, if any.
    pub fragment: Option<&'a str>,
    /// What was stripped from the paste, in words; repeated in the [`Diagnosis`].
    pub stripped: &'a [String],
}

impl<'a> Input<'a> {
    /// A REST request, exactly as sent.
    pub fn rest(query: &'a str, body: &'a str) -> Self {
        Self {
            query,
            body,
            ..Self::default()
        }
    }

    /// A REST request as pasted (see [`Pasted`]): its query, body, API key, cut fragment and
    /// what was stripped.
    pub fn pasted(pasted: &'a Pasted) -> Self {
        Self {
            query: &pasted.query,
            body: &pasted.body,
            api_key: pasted.api_key.as_deref(),
            fragment: pasted.fragment.as_deref(),
            stripped: &pasted.stripped,
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

    /// With the API key sent in `X-MBX-APIKEY`.
    #[must_use]
    pub fn api_key(mut self, api_key: &'a str) -> Self {
        self.api_key = Some(api_key);
        self
    }
}

finding_codes! {
    SignedDecodedPayload => "signed-decoded-payload", Error, "Signed the raw (decoded) values, sent them percent-encoded.";
    SignedOtherEncoding => "signed-other-encoding", Error, "Signed another percent-encoding of the same values (`+`/`%20`, hex case, one-sided `@`/`,`/`:`), or signed encoded and sent raw.";
    AmpersandBetweenQueryAndBody => "ampersand-between-query-and-body", Error, "Signed `query&body` instead of `query` immediately followed by `body`.";
    PartialPayloadSigned => "partial-payload-signed", Error, "Signed the query alone or the body alone.";
    ParamsReordered => "params-reordered", Error, "Signed the parameters in another order than sent (sorted, typically).";
    SignatureNotLast => "signature-not-last", Error, "`signature` is sent once, but not as the last parameter of the last part.";
    DuplicateParameter => "duplicate-parameter", Error, "A parameter appears more than once: in both query and body, or repeated when it is not an ARRAY parameter (`-1101`); ARRAY parameters such as `asset` repeat legally and get no finding.";
    SecretWhitespace => "secret-whitespace", Error, "Signed with the secret plus whitespace, a newline or quotes.";
    ApiKeyAsSecret => "api-key-as-secret", Error, "Signed with the API key instead of the secret.";
    SignatureEncoding => "signature-encoding", Error, "Base64 where hex is expected, or an asymmetric signature not percent-encoded.";
    WsSignedAsRest => "ws-signed-as-rest", Error, "A WebSocket request signed in the REST form (encoded, unsorted, or without `apiKey`).";
    EmptyValue => "empty-value", Error, "A parameter with an empty value (`-1102`).";
    ListFormat => "list-format", Error, "A list not sent as one compact JSON value (`-1100`/`-1101`).";
    NumberFormat => "number-format", Error, "A number in exponent form or with a decimal comma (`-1100`).";
    TimestampAhead => "timestamp-ahead", Error, "`timestamp` 1000 ms or more ahead of the server (`-1021`).";
    TimestampExpired => "timestamp-expired", Error, "`timestamp` older than `recvWindow` when it arrived (`-1021`).";
    RecvWindowInvalid => "recv-window-invalid", Error, "`recvWindow` over 60000, malformed, or fractional where not allowed (`-1131`).";
    ApiKeyPermissions => "api-key-permissions", Error, "`-2015` with a valid signature: permissions, IP whitelist, or a reset/expired key.";
    ApiKeyFormat => "api-key-format", Error, "`-2014` with a valid signature: the API key is malformed or missing from `X-MBX-APIKEY`.";
    UnknownMismatch => "unknown-mismatch", Error, "The signature matches no known mistake.";
    SignatureMissing => "signature-missing", Error, "No `signature` was sent (a raw `#` in a value cuts the URL there: nothing after it leaves the client).";
    MalformedEscape => "malformed-escape", Error, "A `%` not followed by two hex digits, or escapes that do not decode to UTF-8.";
    ClientReencoded => "client-reencoded", Error, "The HTTP client changes (or changed) the bytes after signing: raw bytes it percent-encodes, or escapes of unreserved characters it unquotes.";
    PlusInValue => "plus-in-value", Warning, "A raw `+` in a value: Binance reads a space.";
    JsonValueSplit => "json-value-split", Error, "A JSON value sent unencoded and cut by a raw `&` inside it.";
    TimestampUnit => "timestamp-unit", Error, "`timestamp` in microseconds to a product that takes milliseconds (or in seconds).";
    SignatureRepeated => "signature-repeated", Error, "`signature` is sent more than once.";
    TimestampMalformed => "timestamp-malformed", Error, "`timestamp` is not a whole number of milliseconds after 2017 (`-1100`/`-1021`).";
    TimestampMissing => "timestamp-missing", Error, "A signed request without `timestamp` (`-1102`).";
}

/// One thing the doctor found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// Error (Binance refuses it) or warning (Binance may read it differently).
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// What to change.
    pub fix: String,
    /// Whether the sent signature was reproduced from the wrong payload this finding names
    /// (certain), rather than inferred from the request's shape.
    pub confirmed: bool,
    /// How many findings of this code (and severity) the request gave: findings of one kind
    /// are aggregated into the first, so the report stays small whatever the input.
    pub count: usize,
    /// Where the first few of them are (at most 8), when they are at a place in the request.
    pub positions: Vec<Position>,
}

/// A place in a REST request: a byte offset in the query or the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Position {
    /// The part.
    pub part: crate::Part,
    /// The byte offset in it.
    pub at: usize,
}

/// The findings of one diagnosis, aggregated by kind as they come.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    /// Counts one more finding of `code` (at its usual severity, unconfirmed) at `place` when
    /// one is already reported, and says whether it did: the caller then need not build it.
    pub(crate) fn tally(&mut self, code: Code, place: Option<Position>) -> bool {
        self.tally_as(code, code.severity(), place)
    }

    /// [`tally`](Self::tally) at `severity`.
    pub(crate) fn tally_as(
        &mut self,
        code: Code,
        severity: Severity,
        place: Option<Position>,
    ) -> bool {
        match self
            .list
            .iter_mut()
            .find(|f| f.code == code && f.severity == severity && !f.confirmed)
        {
            Some(f) => {
                f.count += 1;
                if let Some(place) = place.filter(|_| f.positions.len() < sent::PLACES) {
                    f.positions.push(place);
                }
                true
            }
            None => false,
        }
    }

    /// Adds `finding`, or counts it into the one of its kind already reported.
    pub(crate) fn push(&mut self, finding: Finding) {
        let kind = |f: &Finding| (f.code, f.severity, f.confirmed);
        match self.list.iter_mut().find(|f| kind(f) == kind(&finding)) {
            Some(f) => {
                f.count += finding.count;
                let room = sent::PLACES.saturating_sub(f.positions.len());
                f.positions.extend(finding.positions.into_iter().take(room));
            }
            None => self.list.push(finding),
        }
    }

    pub(crate) fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.push(f);
        }
    }
}

impl Finding {
    pub(crate) fn new(code: Code, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            fix: fix.into(),
            confirmed: false,
            count: 1,
            positions: Vec::new(),
        }
    }

    /// At `place` in the request.
    pub(crate) fn at(mut self, part: crate::Part, at: usize) -> Self {
        self.positions = vec![Position { part, at }];
        self
    }

    pub(crate) fn confirmed(mut self) -> Self {
        self.confirmed = true;
        self
    }

    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }
}

/// The doctor's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// Whether the signature is valid for these exact bytes, as Binance checks it.
    pub valid: bool,
    /// What is wrong, most likely first: confirmed findings, then errors, then warnings.
    /// Empty for a valid request with nothing to warn about.
    pub findings: Vec<Finding>,
    /// What was stripped from the paste to get the bytes sent (the leading `?`, the URL, ...).
    pub stripped: Vec<String>,
}

impl Diagnosis {
    /// Whether Binance accepts the request as far as the doctor can tell: the signature is
    /// valid and no finding is an error (warnings allowed).
    pub fn ok(&self) -> bool {
        self.valid && self.errors().next().is_none()
    }

    /// The findings that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// A one-paragraph summary for people.
    pub fn summary(&self) -> String {
        match (self.valid, self.ok(), self.findings.is_empty()) {
            (true, _, true) => "valid: the signature is valid for these exact bytes. If Binance still answered -1022, it received other bytes: make sure nothing re-encodes the query or body after signing.".into(),
            (true, true, false) => "valid: the signature is valid for these exact bytes, with warnings:".into(),
            (true, false, _) => "the signature is valid for these exact bytes, but Binance will still reject this request:".into(),
            (false, _, _) => "the signature does not match these bytes:".into(),
        }
    }

    fn finish(valid: bool, findings: Findings, stripped: &[String]) -> Self {
        // Most likely first: confirmed by the signature, then errors before warnings, then by
        // code order (signature mistakes, structure, timing, the key). The sort is stable.
        let mut findings = findings.list;
        findings.sort_by_key(|f| (!f.confirmed, f.severity, f.code));
        for f in &mut findings {
            if f.count > 1 {
                f.message.push_str(&format!(
                    " ({} findings of this kind in all; the first is shown)",
                    f.count
                ));
            }
        }
        Self {
            valid,
            findings,
            stripped: stripped.to_vec(),
        }
    }
}

impl Signer {
    /// Diagnoses a request as it was sent; see the [module documentation](self).
    ///
    /// # Errors
    ///
    /// [`WireError::MalformedJson`](crate::WireError::MalformedJson) when a WebSocket `params` text is not a JSON object.
    pub fn diagnose(&self, input: &Input<'_>) -> Result<Diagnosis, Error> {
        let (valid, findings) = match input.api {
            Api::Rest => rest::diagnose(self, input),
            Api::WebSocket => ws::diagnose(self, input)?,
        };
        Ok(Diagnosis::finish(valid, findings, input.stripped))
    }
}
