//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::product::Product;
use crate::signing_key::KeyKind;
use crate::time::timestamp::TimeUnit;

/// Which part of a request a wire-level problem was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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

/// Which half of a `key=value` parameter a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The key.
    Key,
    /// The value.
    Value,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Key => "key",
            Field::Value => "value",
        })
    }
}

/// "query: " or "" when the text was not part of a request.
struct Where(Option<Part>);

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(part) => write!(f, "{part}: "),
            None => Ok(()),
        }
    }
}

/// An error from a dependency (a serializer, a key parser, the `http` crate), kept whole as the
/// [`source`](std::error::Error::source) of an [`Error`].
///
/// Cloning shares it. Two sources are equal when they print the same text.
#[derive(Clone)]
pub struct Source(Arc<dyn StdError + Send + Sync + 'static>);

impl Source {
    pub(crate) fn new(error: impl StdError + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// The wrapped error, to inspect or downcast.
    pub fn get(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl StdError for Source {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Source {}

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

/// What is wrong with a PEM private key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The text is not a PEM document.
    NotPem,
    /// A PKCS#1 RSA key (`BEGIN RSA PRIVATE KEY`); Binance tooling and this crate take PKCS#8.
    Pkcs1,
    /// A public key where the private key is needed.
    PublicKey,
    /// A PEM document of another kind (its label).
    OtherLabel(String),
    /// An encrypted key given without a passphrase.
    NeedsPassphrase,
    /// An encrypted key that could not be decrypted: wrong passphrase or unsupported cipher.
    Decrypt,
    /// The encrypted PKCS#8 structure is malformed.
    MalformedEncrypted,
    /// The PKCS#8 structure is malformed.
    MalformedPkcs8,
    /// The key's algorithm identifier (its OID) is not Ed25519 or RSA.
    UnsupportedAlgorithm(String),
    /// The key material of this kind is malformed.
    Malformed(KeyKind),
    /// An RSA modulus outside the 2048 to 4096 bits Binance accepts.
    RsaSize {
        /// The modulus size.
        bits: usize,
    },
    /// The PEM holds another kind of key than the constructor takes.
    WrongKind {
        /// The kind the PEM holds.
        found: KeyKind,
        /// The kind the constructor takes.
        wanted: KeyKind,
    },
    /// The key kind needs a cargo feature of this crate that is off.
    FeatureDisabled(KeyKind),
    /// An encrypted PEM key, and the `encrypted-pem` feature is off.
    EncryptedPemDisabled,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::NotPem => f.write_str("not a PEM document"),
            KeyProblem::Pkcs1 => f.write_str(
                "this is a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY); convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem`",
            ),
            KeyProblem::PublicKey => f.write_str(
                "this is a public key; signing needs the private key (BEGIN PRIVATE KEY)",
            ),
            KeyProblem::OtherLabel(label) => write!(
                f,
                "expected a PKCS#8 private key (BEGIN PRIVATE KEY), found BEGIN {label}"
            ),
            KeyProblem::NeedsPassphrase => {
                f.write_str("the PEM is an encrypted PKCS#8 key; give its passphrase")
            }
            KeyProblem::Decrypt => f.write_str(
                "cannot decrypt the PKCS#8 key: wrong passphrase or unsupported cipher",
            ),
            KeyProblem::MalformedEncrypted => f.write_str("malformed encrypted PKCS#8"),
            KeyProblem::MalformedPkcs8 => f.write_str("malformed PKCS#8 private key"),
            KeyProblem::UnsupportedAlgorithm(oid) => write!(
                f,
                "unsupported key algorithm {oid}; Binance accepts Ed25519, RSA and HMAC keys"
            ),
            KeyProblem::Malformed(kind) => write!(f, "malformed {kind} PKCS#8 key"),
            KeyProblem::RsaSize { bits } => {
                write!(f, "the RSA key has {bits} bits; Binance needs 2048 to 4096")
            }
            KeyProblem::WrongKind { found, wanted } => write!(
                f,
                "this PEM holds {} key, not {} key; use {}",
                found.article(),
                wanted.article(),
                found.constructor()
            ),
            KeyProblem::FeatureDisabled(kind) => write!(
                f,
                "{kind} keys need the `{}` cargo feature of binance-sign",
                kind.feature()
            ),
            KeyProblem::EncryptedPemDisabled => f.write_str(
                "this PEM key is encrypted: turn on the `encrypted-pem` cargo feature of binance-sign, or decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`)",
            ),
        }
    }
}

/// What is wrong with an API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiKeyProblem {
    /// The API key is empty.
    Empty,
    /// The byte at this offset is not visible ASCII, so the key cannot go into the
    /// `X-MBX-APIKEY` header as it is.
    NotVisibleAscii {
        /// Byte offset in the key.
        position: usize,
    },
}

impl fmt::Display for ApiKeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiKeyProblem::Empty => f.write_str("it is empty"),
            ApiKeyProblem::NotVisibleAscii { position } => write!(
                f,
                "the byte at offset {position} is not visible ASCII (spaces, line breaks and other characters would break the X-MBX-APIKEY header)"
            ),
        }
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

/// Everything that can go wrong in this crate.
///
/// Messages name the parameter and the rule, show the offending input (never a secret), and
/// say what to change. Errors from dependencies are kept as the [`source`](StdError::source).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter key is empty.
    #[error("a parameter has an empty key; every parameter needs a name")]
    EmptyKey,
    /// A user parameter key appears twice in one part (Binance answers `-1101`).
    #[error(
        "parameter `{key}` appears twice; Binance rejects duplicates (-1101); for an ARRAY parameter sent as a repeated key use Params::push_repeated"
    )]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// A parameter key is in both the query and the body (Binance answers `-1101`, or reads
    /// the query's value).
    #[error(
        "parameter `{key}` is in both the query and the body; Binance answers -1101 (or reads the query's value): put it in one part"
    )]
    KeyInBothParts {
        /// The key.
        key: String,
    },
    /// `timestamp` or `recvWindow` appears twice in an encoded request.
    #[error(
        "`{key}` appears twice; Binance answers -1101: send it once, after the other parameters"
    )]
    SignerKeyTwice {
        /// `timestamp` or `recvWindow`.
        key: String,
    },
    /// A WebSocket `params` member is set twice.
    #[error(
        "WebSocket params member `{key}` is set twice; a JSON object holds each key once (an ARRAY parameter goes as one JSON array)"
    )]
    DuplicateMember {
        /// The member's key.
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
        /// The key (with control characters escaped) of the parameter.
        key: String,
        /// Whether the character is in the key or the value.
        field: Field,
        /// The code point of the control character.
        code: u32,
        /// Byte offset in the key or value.
        position: usize,
    },
    /// A number cannot be written the way Binance accepts decimals (no exponent, no NaN or
    /// infinity, at most 20 digits on each side of the point).
    #[error("parameter `{key}`: {value} {rule}")]
    NumberFormat {
        /// The parameter.
        key: String,
        /// The number as Rust printed it.
        value: String,
        /// What is wrong with it.
        rule: &'static str,
    },
    /// A value of a type no parameter can hold (a nested map or struct, a tuple).
    #[error("parameter `{key}`: {what} cannot be a parameter value; {hint}")]
    Unsupported {
        /// The parameter (`?` when the serializer gave no name).
        key: String,
        /// What was found.
        what: &'static str,
        /// What to use instead.
        hint: &'static str,
    },
    /// A serializer failed.
    #[error("cannot serialize parameter `{key}`")]
    Serialize {
        /// The parameter being serialized (`?` when unknown).
        key: String,
        /// The serializer's error.
        #[source]
        source: Source,
    },
    /// A timestamp outside the range Binance accepts.
    #[error("timestamp {value} {unit} is out of range: {rule}")]
    TimestampOutOfRange {
        /// The value given.
        value: u64,
        /// Its unit.
        unit: TimeUnit,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A server time outside the range Binance's clock can show (2017-01-01 to year 2286): a
    /// clock that was never synchronized, or a unit mix-up.
    #[error(
        "server time {value} {unit} is out of range (2017-01-01 to year 2286): was the clock synchronized, and is the unit right?"
    )]
    ServerTimeOutOfRange {
        /// The value given.
        value: u64,
        /// Its unit.
        unit: TimeUnit,
    },
    /// A `timestamp` text that is not a whole number of milliseconds or microseconds.
    #[error(
        "timestamp `{text}` is not a whole number of milliseconds (13 digits) or microseconds (16 digits)"
    )]
    MalformedTimestamp {
        /// The text given (escaped).
        text: String,
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
    InvalidApiKey(ApiKeyProblem),
    /// A percent-escape is not `%` followed by two hex digits.
    #[error(
        "{}invalid percent-escape `{found}` at byte {position}; `%` must be followed by two hex digits",
        Where(*part)
    )]
    InvalidEscape {
        /// Which part of a request, if the text was one.
        part: Option<Part>,
        /// Byte offset of the `%`.
        position: usize,
        /// The `%` and up to two bytes after it (escaped).
        found: String,
    },
    /// Decoded bytes are not UTF-8.
    #[error(
        "{}the component at byte {position} does not decode to UTF-8: `{text}`",
        Where(*part)
    )]
    InvalidUtf8 {
        /// Which part of a request, if the text was one.
        part: Option<Part>,
        /// Byte offset of the component.
        position: usize,
        /// The component as sent (escaped, at most 64 bytes).
        text: String,
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
    /// A private key could not be used.
    #[error("invalid private key: {problem}")]
    InvalidKey {
        /// What is wrong.
        problem: KeyProblem,
        /// The parser's error, when there is one.
        #[source]
        source: Option<Source>,
    },
    /// The key failed to produce a signature.
    #[error("{kind} signing failed")]
    SigningFailed {
        /// The key kind.
        kind: KeyKind,
        /// The signer's error.
        #[source]
        source: Source,
    },
    /// The operation needs the API key, and the signer was made without one.
    #[error("{operation} needs the API key; make the signer with one")]
    MissingApiKey {
        /// What was attempted.
        operation: &'static str,
    },
    /// The operation needs another kind of key.
    #[error("{operation} needs {} key, but this signer holds {} key", needed.article(), actual.article())]
    WrongKeyKind {
        /// What was attempted.
        operation: &'static str,
        /// The key kind needed.
        needed: KeyKind,
        /// The key kind held.
        actual: KeyKind,
    },
    /// A FIX logon field contains the SOH (`0x01`) field separator, which would inject fields
    /// into the signed text.
    #[error("FIX logon {field}: contains the SOH (0x01) field separator at byte {position}")]
    FixFieldSeparator {
        /// The field.
        field: FixField,
        /// Byte offset of the separator.
        position: usize,
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
    /// No timestamp could be taken from the server clock (not synchronized, the machine slept,
    /// or the estimate is too uncertain for the `recvWindow`): probe the server time again.
    #[error("no timestamp from the server clock")]
    Clock(#[source] Box<crate::time::sync::SyncError>),
    /// The `http` crate refused to build the request.
    #[error("cannot build the HTTP request")]
    Http(#[source] Source),
    /// A pasted request (a `curl` line, a raw HTTP request) cannot be read.
    #[error("cannot read the pasted request: {reason}")]
    PastedRequest {
        /// What is wrong.
        reason: &'static str,
    },
    /// A WebSocket `params` text is not a JSON object.
    #[error("the WebSocket params are not a JSON object")]
    MalformedJson(#[source] Source),
    /// A rule of the target product was broken (see [`Product`]).
    #[error("{product}: {rule}")]
    ProductRule {
        /// The product.
        product: Product,
        /// The rule.
        rule: &'static str,
    },
}

/// `text` with control characters escaped, cut to at most `max` bytes (on a character
/// boundary) with `…` when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 3);
    for c in text[..end].chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if end < text.len() {
        out.push('…');
    }
    out
}
