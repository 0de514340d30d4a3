//! [`SigningKey`]: key material that signs and verifies bytes.

use std::fmt;
use std::sync::Arc;

use hmac::Mac as _;

use super::error::{KeyError, VerifyError};
use super::hmac::{HmacKey, hmac_fed, hmac_tag};
use super::{KeyKind, Signature, check_secret};

/// The key material behind a [`SigningKey`].
#[derive(Clone)]
pub(crate) enum Key {
    Hmac(HmacKey),
    #[cfg(feature = "ed25519")]
    Ed25519(Box<super::ed25519::Ed25519Key>),
    #[cfg(feature = "rsa")]
    Rsa(Box<super::rsa::RsaKey>),
}

/// A key that signs and verifies bytes: HMAC-SHA256, or (features `ed25519`, `rsa`) an Ed25519
/// or RSA private key. It knows nothing of request forms: the request-form modules
/// ([`rest`](crate::rest), [`ws`](crate::ws), [`fix_logon`](crate::fix_logon)) take a key and
/// decide what is signed and how the signature travels, [`Signer`](crate::Signer) wraps them
/// with an API key and a product's rules, and a scheme of another venue is built on it the same
/// way (see `examples/other_venue.rs`).
///
/// The HMAC key state is computed once, here; each signature clones it. `Clone` is cheap (the
/// key is shared), the key is `Send + Sync`, `Debug` shows only its kind, and the secret is
/// wiped when the last clone is dropped.
///
/// ```
/// use binance_sign::SigningKey;
/// let key = SigningKey::hmac("my-secret")?;
/// let signature = key.sign(b"symbol=BTCUSDT&timestamp=1700000000000")?;
/// key.verify(b"symbol=BTCUSDT&timestamp=1700000000000", &signature)?;
/// assert!(key.verify(b"symbol=ETHUSDT&timestamp=1700000000000", &signature).is_err());
/// assert_eq!(format!("{key:?}"), "SigningKey(<redacted HMAC-SHA256 key>)");
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    key: Arc<Key>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(<redacted {} key>)", self.kind())
    }
}

impl SigningKey {
    /// An HMAC-SHA256 key from a Binance API secret, refused (with an error that never shows
    /// it) when it is empty or carries surrounding whitespace, a line break or quotes.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidSecret`] naming the [`SecretProblem`](crate::SecretProblem).
    pub fn hmac(secret: impl AsRef<str>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        check_secret(None, secret)?;
        Ok(Self::hmac_bytes(secret.as_bytes()))
    }

    /// An HMAC-SHA256 key from raw bytes, unchecked (HMAC takes keys of any length): for a
    /// venue whose secrets are, say, base64-decoded bytes.
    pub fn hmac_bytes(secret: &[u8]) -> Self {
        Self::from(Key::Hmac(HmacKey::new(secret)))
    }

    /// The private key a PKCS#8 PEM holds (Ed25519 or RSA, read from its algorithm
    /// identifier); `passphrase` for an encrypted key (feature `encrypted-pem`).
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem).
    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "ed25519", feature = "rsa"))))]
    pub fn from_pem(pem: &str, passphrase: Option<&[u8]>) -> Result<Self, KeyError> {
        Self::from_pem_of(pem, passphrase, None)
    }

    /// [`from_pem`](Self::from_pem), refusing a key of another kind than `wanted`.
    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    pub(crate) fn from_pem_of(
        pem: &str,
        passphrase: Option<&[u8]>,
        wanted: Option<KeyKind>,
    ) -> Result<Self, KeyError> {
        use super::pem;
        let der = pem::read(pem, passphrase)?;
        if let Some(wanted) = wanted {
            pem::expect(&der, wanted)?;
        }
        let key = match der.kind {
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 => Key::Ed25519(Box::new(super::ed25519::Ed25519Key::from_der(&der)?)),
            #[cfg(feature = "rsa")]
            KeyKind::Rsa => Key::Rsa(Box::new(super::rsa::RsaKey::from_der(&der)?)),
            other => {
                return Err(KeyError::InvalidKey {
                    problem: super::error::KeyProblem::FeatureDisabled(other),
                    source: None,
                });
            }
        };
        Ok(Self::from(key))
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match &*self.key {
            Key::Hmac(_) => KeyKind::Hmac,
            #[cfg(feature = "ed25519")]
            Key::Ed25519(_) => KeyKind::Ed25519,
            #[cfg(feature = "rsa")]
            Key::Rsa(_) => KeyKind::Rsa,
        }
    }

    /// The signature of `message`.
    ///
    /// # Errors
    ///
    /// [`KeyError::SigningFailed`] if an RSA key fails (HMAC and Ed25519 cannot).
    pub fn sign(&self, message: &[u8]) -> Result<Signature, KeyError> {
        self.sign_parts(&[message])
    }

    /// The signature of the concatenated `parts`, without concatenating them.
    ///
    /// # Errors
    ///
    /// As [`sign`](Self::sign).
    #[inline]
    pub fn sign_parts(&self, parts: &[&[u8]]) -> Result<Signature, KeyError> {
        match &*self.key {
            Key::Hmac(key) => Ok(Signature::hmac(hmac_tag(key.state(), parts))),
            #[cfg(feature = "ed25519")]
            Key::Ed25519(key) => Ok(Signature::asymmetric(KeyKind::Ed25519, &key.sign(parts))),
            #[cfg(feature = "rsa")]
            Key::Rsa(key) => Ok(Signature::asymmetric(KeyKind::Rsa, &key.sign(parts)?)),
        }
    }

    /// Checks that `signature` signs `message` with this key (HMAC tags compared in constant
    /// time).
    ///
    /// # Errors
    ///
    /// [`VerifyError::SignatureMismatch`], or [`VerifyError::SignatureFormat`] for a signature of another
    /// key kind or length.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), VerifyError> {
        self.verify_parts(&[message], signature)
    }

    /// [`verify`](Self::verify) over the concatenated `parts`.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    pub fn verify_parts(&self, parts: &[&[u8]], signature: &Signature) -> Result<(), VerifyError> {
        if signature.kind() != self.kind() {
            return Err(VerifyError::SignatureFormat(
                super::error::SignatureProblem::OtherKind,
            ));
        }
        let bytes = signature.as_bytes();
        match &*self.key {
            Key::Hmac(key) => hmac_fed(key.state(), parts)
                .verify_slice(bytes)
                .map_err(|_| VerifyError::SignatureMismatch),
            #[cfg(feature = "ed25519")]
            Key::Ed25519(key) => key.verify(parts, bytes),
            #[cfg(feature = "rsa")]
            Key::Rsa(key) => key.verify(parts, bytes),
        }
    }

    /// The key material, for the doctor's search of key mistakes.
    pub(crate) fn material(&self) -> &Key {
        &self.key
    }
}

impl From<Key> for SigningKey {
    fn from(key: Key) -> Self {
        Self { key: Arc::new(key) }
    }
}
