//! The crypto layer: [`SigningKey`] (HMAC-SHA256, and behind features Ed25519 and RSA private
//! keys) signs and verifies bytes, and a [`Signature`] is what it makes, as bytes, hex or
//! base64. Nothing here knows a request form: the REST, WebSocket API, FIX and HTTP forms take a
//! key and decide what to sign and how the signature travels.

use std::fmt;

use crate::error::{ApiKeyProblem, Error, SecretProblem};

#[cfg(feature = "ed25519")]
pub(crate) mod ed25519;
pub(crate) mod hmac;
mod key;
#[cfg(any(feature = "ed25519", feature = "rsa"))]
pub(crate) mod pem;
#[cfg(feature = "rsa")]
pub(crate) mod rsa;
mod signature;

pub(crate) use key::Key;
pub use key::SigningKey;
pub use signature::Signature;

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

/// The 32 bytes of a 64-character hex HMAC tag (either case); `None` for anything else.
/// Depends only on the text, never on a secret.
pub(crate) fn parse_hex_tag(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut tag = [0u8; 32];
    for (byte, pair) in tag.iter_mut().zip(bytes.chunks_exact(2)) {
        *byte = crate::encoding::hex_value(pair[0])? << 4 | crate::encoding::hex_value(pair[1])?;
    }
    Some(tag)
}

/// Checks a secret for the mistakes that otherwise show up only as a remote `-1022`.
pub(crate) fn check_secret(api_key: Option<&str>, secret: &str) -> Result<(), Error> {
    let problem = if secret.is_empty() {
        Some(SecretProblem::Empty)
    } else if secret.contains(['\r', '\n']) {
        Some(SecretProblem::LineBreak)
    } else if secret.trim() != secret {
        Some(SecretProblem::SurroundingWhitespace)
    } else if secret.len() >= 2
        && ["\"", "'", "`"]
            .iter()
            .any(|q| secret.starts_with(q) && secret.ends_with(q))
    {
        Some(SecretProblem::SurroundingQuotes)
    } else if Some(secret) == api_key {
        Some(SecretProblem::EqualsApiKey)
    } else {
        None
    };
    problem.map_or(Ok(()), |p| Err(Error::InvalidSecret(p)))
}

/// Checks that an API key can travel in the `X-MBX-APIKEY` header as it is.
pub(crate) fn check_api_key(api_key: &str) -> Result<(), Error> {
    if api_key.is_empty() {
        return Err(Error::InvalidApiKey(ApiKeyProblem::Empty));
    }
    if let Some(position) = api_key.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::InvalidApiKey(ApiKeyProblem::NotVisibleAscii {
            position,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_mistakes_are_named() {
        let key = "apikey";
        for (secret, problem) in [
            ("", SecretProblem::Empty),
            ("abc\n", SecretProblem::LineBreak),
            ("ab\rc", SecretProblem::LineBreak),
            (" abc", SecretProblem::SurroundingWhitespace),
            ("abc\t", SecretProblem::SurroundingWhitespace),
            ("\"abc\"", SecretProblem::SurroundingQuotes),
            ("'abc'", SecretProblem::SurroundingQuotes),
            ("apikey", SecretProblem::EqualsApiKey),
        ] {
            let err = check_secret(Some(key), secret).unwrap_err();
            assert_eq!(err, Error::InvalidSecret(problem));
            assert!(secret.len() < 3 || !err.to_string().contains(secret.trim()));
        }
        assert!(check_secret(Some(key), "abc").is_ok());
        assert!(check_secret(None, "apikey").is_ok());
    }

    #[test]
    fn api_key_must_be_header_safe() {
        assert!(check_api_key("abc\r\nX-Evil: 1").is_err());
        assert!(check_api_key("a b").is_err());
        assert!(check_api_key("").is_err());
        assert!(check_api_key("é").is_err());
        assert!(
            check_api_key("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A")
                .is_ok()
        );
    }
}
