//! The crate's error type.

use std::fmt;

/// Which part of a request a wire-level problem was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The query string (after `?`).
    Query,
    /// The `application/x-www-form-urlencoded` body.
    Body,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Query => "query",
            Part::Body => "body",
        })
    }
}

/// What is wrong with a secret passed to [`Signer::hmac`](crate::Signer::hmac).
///
/// The secret itself is never part of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretProblem {
    /// The secret is empty.
    Empty,
    /// The secret starts or ends with whitespace (often a copy-paste slip).
    SurroundingWhitespace,
    /// The secret contains a carriage return or line feed (often read from a file with its
    /// trailing newline).
    LineBreak,
    /// The secret is wrapped in quotes (often copied from a `.env` or JSON file).
    SurroundingQuotes,
    /// The secret equals the API key: the two were swapped or the key was passed twice.
    EqualsApiKey,
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretProblem::Empty => "the secret is empty",
            SecretProblem::SurroundingWhitespace => {
                "the secret starts or ends with whitespace; trim it"
            }
            SecretProblem::LineBreak => {
                "the secret contains a line break (CR or LF); strip the trailing newline"
            }
            SecretProblem::SurroundingQuotes => "the secret is wrapped in quotes; remove them",
            SecretProblem::EqualsApiKey => {
                "the secret equals the API key; pass the secret key, not the API key"
            }
        })
    }
}

/// Everything that can go wrong in this crate.
///
/// Messages name the parameter and the rule, and say what to change. No variant ever carries
/// secret material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter key is empty.
    #[error("a parameter has an empty key; every parameter needs a name")]
    EmptyKey,
    /// A parameter key appears twice (Binance answers `-1101`).
    #[error("parameter `{key}` appears twice; Binance rejects duplicates (-1101)")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// A key the signer sets itself was given as a user parameter.
    #[error("parameter `{key}` is set by the signer; pass it as an argument, not as a parameter")]
    ReservedKey {
        /// The reserved key (`signature`, `timestamp` or `recvWindow`).
        key: String,
    },
    /// A parameter value is empty (Binance answers `-1102`).
    #[error("parameter `{key}` has an empty value; Binance rejects empty values (-1102)")]
    EmptyValue {
        /// The key whose value is empty.
        key: String,
    },
    /// A key or value contains a control character (NUL, CR, LF, DEL, ...).
    #[error(
        "parameter `{key}`: its {field} contains the control character U+{code:04X} at byte {position}; control characters are refused"
    )]
    ControlCharacter {
        /// The key (lossy, with control characters escaped) of the parameter.
        key: String,
        /// `"key"` or `"value"`.
        field: &'static str,
        /// The code point of the control character.
        code: u32,
        /// Byte offset in the key or value.
        position: usize,
    },
    /// A number cannot be written the way Binance accepts decimals
    /// (`^[0-9]{1,20}(\.[0-9]{1,20})?$`, no exponent, no NaN or infinity).
    #[error("parameter `{key}`: {reason}")]
    NumberFormat {
        /// The parameter.
        key: String,
        /// What is wrong with the number.
        reason: String,
    },
    /// `Params::from_serialize` could not serialize the value.
    #[error("cannot serialize the parameters: {0}")]
    Serialize(String),
    /// A timestamp outside the range Binance accepts.
    #[error("timestamp {value} {unit} is out of range: {rule}")]
    TimestampOutOfRange {
        /// The value given.
        value: u64,
        /// `"ms"` or `"µs"`.
        unit: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A `recvWindow` outside Binance's rules.
    #[error("recvWindow {value} is invalid: {rule}")]
    RecvWindowInvalid {
        /// The value given, as text.
        value: String,
        /// The rule it broke.
        rule: &'static str,
    },
    /// The HMAC secret was refused; see [`SecretProblem`].
    #[error("invalid API secret: {0}")]
    InvalidSecret(SecretProblem),
    /// The API key cannot go into an HTTP header as it is.
    #[error("invalid API key: {0}")]
    InvalidApiKey(&'static str),
    /// A percent-escape is not `%` followed by two hex digits.
    #[error(
        "{part}: invalid percent-escape at byte {position}; `%` must be followed by two hex digits"
    )]
    InvalidEscape {
        /// Where the escape is.
        part: Part,
        /// Byte offset of the `%`.
        position: usize,
    },
    /// Decoded bytes are not UTF-8.
    #[error("{part}: the parameter at byte {position} does not decode to UTF-8")]
    InvalidUtf8 {
        /// Where the parameter is.
        part: Part,
        /// Byte offset of the parameter.
        position: usize,
    },
    /// A wire-encoded string is not of the form `k=v&k=v`, or holds a byte HTTP clients may
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
    /// `verify` found no `signature` parameter.
    #[error("the request has no `signature` parameter")]
    MissingSignature,
    /// `verify` found a `signature` that is not the last parameter of the last part.
    #[error("`signature` is not the last parameter of the request ({0}); Binance needs it last")]
    SignatureNotLast(&'static str),
    /// The signature text is not in the form this key type produces.
    #[error("the signature is malformed: {0}")]
    SignatureFormat(&'static str),
    /// The signature does not match the payload.
    #[error("the signature does not match the payload (Binance would answer -1022)")]
    SignatureMismatch,
    /// A key file could not be used.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The operation needs another kind of key.
    #[error("{operation} needs {needed} key, but this signer holds {actual} key")]
    WrongKeyKind {
        /// What was attempted.
        operation: &'static str,
        /// The key kind needed.
        needed: &'static str,
        /// The key kind held.
        actual: &'static str,
    },
    /// A URL or path cannot carry the request as it is.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// A WebSocket `params` text is not a JSON object.
    #[error("the WebSocket params are not a JSON object: {0}")]
    MalformedJson(String),
    /// A rule of the target product was broken (see [`Product`](crate::Product)).
    #[error("{product}: {rule}")]
    ProductRule {
        /// The product.
        product: &'static str,
        /// The rule.
        rule: &'static str,
    },
}
