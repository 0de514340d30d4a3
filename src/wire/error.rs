//! [`WireError`]: a request's wire form (a pre-encoded query or body, a URL, a paste, a FIX
//! field) cannot carry what is asked.

use std::fmt;

use crate::encoding::Part;
use crate::source::{Source, reasons};

reasons! {
    /// Why a pre-encoded query or body cannot be signed as it is.
    pub enum WireRule {
        /// `&&`, or `&` at an end.
        EmptyParameter => "empty parameter (`&&`, or `&` at an end)",
        /// A byte HTTP clients may re-encode.
        UnsafeByte => "byte that must be percent-encoded (HTTP clients may re-encode it)",
        /// A segment without `=`.
        NoEquals => "parameter without `=`",
        /// A raw `=` inside a value.
        RawEquals => "raw `=` in a value; encode it as %3D",
        /// A body that is not UTF-8.
        BodyNotUtf8 => "the body is not UTF-8",
        /// A streaming body, whose bytes are not known before it is sent.
        StreamingBody => "the body is a stream; only a body whose bytes are known can be signed",
    }
}

reasons! {
    /// Why a URL or path cannot carry the request.
    pub enum UrlRule {
        /// A path that does not start with `/`, or holds `?` or `#`.
        PathShape => "the path must start with `/` and hold no `?` or `#`",
        /// A base URL without scheme or host.
        BaseUrl => "the base URL needs a scheme and a host, like https://api.binance.com",
        /// The signed query cannot be a URI's query.
        QueryDoesNotFit => "the signed query does not fit a URI",
        /// The signed request cannot be a URI.
        RequestDoesNotFit => "the signed request does not fit a URI",
    }
}

reasons! {
    /// Why a pasted request (a curl line, a raw HTTP request) cannot be read.
    pub enum PasteRule {
        /// No request line.
        NoRequestLine => "no request line",
        /// No method on the request line.
        NoMethod => "no method",
        /// No request target on the request line.
        NoTarget => "no request target",
        /// A curl option without its value.
        OptionWithoutValue => "a curl option lacks its value",
        /// A curl command without a URL.
        NoUrl => "the curl command has no URL",
        /// An unclosed single quote.
        UnclosedSingleQuote => "an unclosed ' quote",
        /// An unclosed double quote.
        UnclosedDoubleQuote => "an unclosed \" quote",
        /// An unclosed `$'...'` quote.
        UnclosedAnsiQuote => "an unclosed $' quote",
        /// A malformed `\x` escape in `$'...'`.
        BadHexEscape => "a malformed \\x escape in $'...'",
        /// A malformed `\u` escape in `$'...'`.
        BadUnicodeEscape => "a malformed \\u escape in $'...'",
    }
}

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
        reason: WireRule,
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
        reason: UrlRule,
        /// The parser's error, when there is one.
        #[source]
        source: Option<Source>,
    },
    /// A pasted request (a `curl` line, a raw HTTP request) cannot be read.
    #[error("cannot read the pasted request: {reason}")]
    PastedRequest {
        /// What is wrong.
        reason: PasteRule,
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
