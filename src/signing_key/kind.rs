//! [`KeyKind`]: HMAC, Ed25519 or RSA.

use std::fmt;

/// The kind of key a [`Signer`](crate::Signer) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// HMAC-SHA256 with a secret string; signatures are 64 lowercase hex characters.
    Hmac,
    /// Ed25519; signatures are 88 base64 characters.
    Ed25519,
    /// RSA (RSASSA-PKCS1-v1_5 with SHA-256); signatures are base64.
    Rsa,
}

impl KeyKind {
    /// `"an HMAC"`, `"an Ed25519"`, `"an RSA"`.
    pub(crate) fn article(self) -> &'static str {
        match self {
            KeyKind::Hmac => "an HMAC",
            KeyKind::Ed25519 => "an Ed25519",
            KeyKind::Rsa => "an RSA",
        }
    }

    /// The [`Signer`](crate::Signer) constructor for this kind.
    pub(crate) fn constructor(self) -> &'static str {
        match self {
            KeyKind::Hmac => "Signer::hmac",
            KeyKind::Ed25519 => "Signer::ed25519_pem",
            KeyKind::Rsa => "Signer::rsa_pem",
        }
    }

    /// The cargo feature this kind needs.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            KeyKind::Hmac => "(none)",
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Rsa => "rsa",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Hmac => "HMAC-SHA256",
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Rsa => "RSA",
        })
    }
}
