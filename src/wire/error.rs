//! [`WireError`]: a request's wire form (a pre-encoded query or body, a URL, a paste, a FIX
//! field) cannot carry what is asked.

use std::fmt;

use crate::encoding::Part;
use crate::source::Source;

/// A FIX logon field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FixField {
    /// SenderCompID(49).
    SenderCompId,
    /// TargetCompID(56).
    TargetCompId,
    /// SendingTime(52).
    SendingTime,
}

impl fmt::Display for FixField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixField::SenderCompId => "SenderCompID(49)",
            FixField::TargetCompId => "TargetCompID(56)",
            FixField::SendingTime => "SendingTime(52)",
        })
    }
}

/// A request's wire form cannot carry what is asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// re-encode.
    #[error("{part}: malformed at byte {position}: {reason}")]
    MalformedWire {
        /// Which part.
        part: Part,
        /// Byte offset of the problem.
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// `sign_encoded` was given a request without `timestamp`.
    #[error(
        "the request has no `timestamp` parameter; Binance requires one on signed endpoints (-1102)"
    )]
    MissingTimestamp,
    /// `sign_encoded` was given a request that already has a `signature`.
    #[error("{part} already contains a `signature` parameter; pass the unsigned request")]
    AlreadySigned {
        /// Where the signature is.
        part: Part,
    },
    /// A URL or path cannot carry the request as it is.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL or path given.
        url: String,
        /// What is wrong.
        reason: &'static str,
        /// The parser's error, when there is one.
        #[source]
        source: Option<Source>,
    },
    /// A pasted request (a `curl` line, a raw HTTP request) cannot be read.
    #[error("cannot read the pasted request: {reason}")]
    PastedRequest {
        /// What is wrong.
        reason: &'static str,
    },
    /// A WebSocket `params` text is not a JSON object.
    #[error("the WebSocket params are not a JSON object")]
    MalformedJson(#[source] Source),
    /// The `http` crate refused to build the request.
    #[error("cannot build the HTTP request")]
    Http(#[source] Source),
    /// into the signed text.
    #[error("FIX logon {field}: contains the SOH (0x01) field separator at byte {position}")]
    FixFieldSeparator {
        /// The field.
        field: FixField,
        /// Byte offset of the separator.
        position: usize,
    },
}
