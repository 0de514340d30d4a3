//! The crypto layer's errors: [`KeyError`] (a key refused, or unable to do what was asked) and
//! [`VerifyError`] (a signature missing, misplaced, malformed or not matching).

use std::fmt;

use super::kind::KeyKind;
use crate::source::{Source, reasons};

reasons! {
    /// An operation that needs something of the signer.
    pub enum Operation {
        /// Signing a WebSocket API request (its payload carries `apiKey`).
        WebSocketApi => "the WebSocket API",
        /// The WebSocket API's `session.logon`.
        SessionLogon => "session.logon",
        /// A FIX logon's `RawData`.
        FixLogon => "FIX logon",
    }
}

reasons! {
    /// Why `signature` is not where Binance reads it.
    pub enum NotLast {
        /// In the query while the body carries parameters.
        InQueryWithBody => "it is in the query while the body carries parameters",
        /// Another parameter follows it.
        Followed => "another parameter follows it",
        /// It appears more than once.
        Repeated => "it appears more than once",
    }
}

reasons! {
    /// What is wrong with a signature's text or bytes.
    pub enum SignatureProblem {
        /// An HMAC tag that is not 64 hex characters.
        NotHmacHex => "expected 64 hex characters (HMAC-SHA256)",
        /// An HMAC tag sent as base64.
        HmacAsBase64 => "expected 64 hex characters (HMAC-SHA256); this looks like base64",
        /// Text that is not hex.
        NotHex => "expected hex",
        /// Text that is not standard, padded base64.
        NotBase64 => "expected base64 (standard alphabet, padded)",
        /// Base64 sent raw on REST.
        RawBase64OnRest => "a base64 signature must be percent-encoded on REST (`+`, `/`, `=` sent raw; a raw `+` reads as a space)",
        /// A percent-escape that does not decode.
        BadPercentEncoding => "invalid percent-encoding in the signature",
        /// An HMAC tag of another length than 32 bytes.
        HmacLength => "an HMAC-SHA256 tag is 32 bytes",
        /// An Ed25519 signature of another length than 64 bytes.
        Ed25519Length => "an Ed25519 signature is 64 bytes (88 base64 characters)",
        /// Bytes that are not an RSA signature.
        NotRsa => "not an RSA signature",
        /// A signature made by another kind of key.
        OtherKind => "the signature was made by another kind of key",
        /// A WebSocket `signature` member that is not a JSON string.
        NotJsonString => "`signature` must be a JSON string",
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

/// A secret, API key or private key refused, or a key unable to do what was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The HMAC secret was refused; see [`SecretProblem`].
    #[error("invalid API secret: {0}")]
    InvalidSecret(SecretProblem),
    /// The API key cannot go into an HTTP header as it is.
    #[error("invalid API key: {0}")]
    InvalidApiKey(ApiKeyProblem),
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
        operation: Operation,
    },
    /// The operation needs another kind of key.
    #[error("{operation} needs {} key, but this signer holds {} key", needed.article(), actual.article())]
    WrongKeyKind {
        /// What was attempted.
        operation: Operation,
        /// The key kind needed.
        needed: KeyKind,
        /// The key kind held.
        actual: KeyKind,
    },
}

/// A signature missing, misplaced, malformed, or not matching the bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// `verify` found no `signature` parameter.
    #[error("the request has no `signature` parameter")]
    MissingSignature,
    /// `verify` found a `signature` that is not the last parameter of the last part.
    #[error("`signature` is not the last parameter of the request ({0}); Binance needs it last")]
    SignatureNotLast(NotLast),
    /// The signature text is not in the form this key type produces.
    #[error("the signature is malformed: {0}")]
    SignatureFormat(SignatureProblem),
    /// The signature does not match the payload.
    #[error("the signature does not match the payload (Binance would answer -1022)")]
    SignatureMismatch,
}
