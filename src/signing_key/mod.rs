//! The crypto layer: [`SigningKey`] (HMAC-SHA256, and behind features Ed25519 and RSA private
//! keys) signs and verifies bytes, and a [`Signature`] is what it makes, as bytes, hex or
//! base64. Nothing here knows a request form: the REST, WebSocket API, FIX and HTTP forms take a
//! key and decide what to sign and how the signature travels.

use error::{ApiKeyProblem, KeyError, SecretProblem};

#[cfg(feature = "ed25519")]
pub(crate) mod ed25519;
pub(crate) mod error;
pub(crate) mod hmac;
mod key;
pub(crate) mod kind;
#[cfg(any(feature = "ed25519", feature = "rsa"))]
pub(crate) mod pem;
#[cfg(feature = "rsa")]
pub(crate) mod rsa;
mod signature;

pub use kind::KeyKind;

pub(crate) use key::Key;
pub use key::SigningKey;
pub use signature::Signature;

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
pub(crate) fn check_secret(api_key: Option<&str>, secret: &str) -> Result<(), KeyError> {
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
    problem.map_or(Ok(()), |p| Err(KeyError::InvalidSecret(p)))
}

/// Checks that an API key can travel in the `X-MBX-APIKEY` header as it is.
pub(crate) fn check_api_key(api_key: &str) -> Result<(), KeyError> {
    if api_key.is_empty() {
        return Err(KeyError::InvalidApiKey(ApiKeyProblem::Empty));
    }
    if let Some(position) = api_key.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(KeyError::InvalidApiKey(ApiKeyProblem::NotVisibleAscii {
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
            assert_eq!(err, KeyError::InvalidSecret(problem));
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
