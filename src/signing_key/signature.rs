//! [`Signature`]: what a [`SigningKey`](super::SigningKey) makes, in the forms it travels in.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::KeyKind;
use super::error::VerifyError;

/// A signature: the bytes a [`SigningKey`](super::SigningKey) made, with its key kind.
///
/// Binance sends HMAC-SHA256 signatures as 64 lowercase hex characters and Ed25519 and RSA
/// signatures as base64 ([`to_text`](Self::to_text) picks the one for the kind); other venues
/// may want the other form, so both are here, along with the raw bytes. A signature is not a
/// secret: `Debug` and `Display` show it.
///
/// ```
/// use binance_sign::{KeyKind, Signature, SigningKey};
/// let key = SigningKey::hmac("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")?;
/// let signature = key.sign(b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")?;
/// assert_eq!(signature.kind(), KeyKind::Hmac);
/// assert_eq!(signature.to_hex(), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
/// assert_eq!(signature.to_base64(), "yNtWglrnHW15RHhJ5hcRX0qSD6Ks3KsrBTxLKDi9a3E=");
/// assert_eq!(Signature::from_hex(KeyKind::Hmac, &signature.to_hex())?, signature);
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    kind: KeyKind,
    bytes: Bytes,
}

#[derive(Clone, PartialEq, Eq)]
enum Bytes {
    /// An HMAC-SHA256 tag.
    Tag([u8; 32]),
    /// An Ed25519 or RSA signature.
    Other(Box<[u8]>),
}

impl Signature {
    pub(crate) fn hmac(tag: [u8; 32]) -> Self {
        Self {
            kind: KeyKind::Hmac,
            bytes: Bytes::Tag(tag),
        }
    }

    /// An Ed25519 or RSA signature as the key made it.
    #[cfg_attr(not(any(feature = "ed25519", feature = "rsa")), allow(dead_code))]
    pub(crate) fn asymmetric(kind: KeyKind, bytes: &[u8]) -> Self {
        Self {
            kind,
            bytes: Bytes::Other(bytes.into()),
        }
    }

    /// A signature of `kind` from its raw bytes. HMAC-SHA256 tags are 32 bytes; other lengths
    /// are checked when the signature is verified.
    ///
    /// # Errors
    ///
    /// [`VerifyError::SignatureFormat`] for an HMAC tag that is not 32 bytes.
    pub fn from_bytes(kind: KeyKind, bytes: &[u8]) -> Result<Self, VerifyError> {
        match kind {
            KeyKind::Hmac => <[u8; 32]>::try_from(bytes).map(Self::hmac).map_err(|_| {
                VerifyError::SignatureFormat(super::error::SignatureProblem::HmacLength)
            }),
            _ => Ok(Self {
                kind,
                bytes: Bytes::Other(bytes.into()),
            }),
        }
    }

    /// A signature of `kind` from hex (either case).
    ///
    /// # Errors
    ///
    /// [`VerifyError::SignatureFormat`] for text that is not hex (or not 64 characters for HMAC).
    pub fn from_hex(kind: KeyKind, text: &str) -> Result<Self, VerifyError> {
        let bytes = hex::decode(text)
            .map_err(|_| VerifyError::SignatureFormat(super::error::SignatureProblem::NotHex))?;
        Self::from_bytes(kind, &bytes)
    }

    /// A signature of `kind` from standard, padded base64.
    ///
    /// # Errors
    ///
    /// [`VerifyError::SignatureFormat`] for text that is not base64.
    pub fn from_base64(kind: KeyKind, text: &str) -> Result<Self, VerifyError> {
        let bytes = STANDARD
            .decode(text.as_bytes())
            .map_err(|_| VerifyError::SignatureFormat(super::error::SignatureProblem::NotBase64))?;
        Self::from_bytes(kind, &bytes)
    }

    /// The kind of key that made it.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The raw signature bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Tag(tag) => tag,
            Bytes::Other(bytes) => bytes,
        }
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// Standard base64, padded.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.as_bytes())
    }

    /// The text Binance uses for this kind, before any transport encoding: hex for HMAC,
    /// base64 for Ed25519 and RSA (the WebSocket API and FIX form; REST percent-encodes it).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }

    /// Appends [`to_text`](Self::to_text) to `out`; for HMAC without a heap allocation.
    pub(crate) fn write_text(&self, out: &mut String) {
        match &self.bytes {
            Bytes::Tag(tag) => {
                let mut hex = [0u8; 64];
                // 32 bytes always fit 64 hex characters, which are ASCII.
                let _ = hex::encode_to_slice(tag, &mut hex);
                out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
            }
            Bytes::Other(bytes) => STANDARD.encode_string(bytes, out),
        }
    }

    /// Appends the signature as it travels in a query or form body: hex, or percent-encoded
    /// base64.
    pub(crate) fn write_rest(&self, out: &mut String) {
        match &self.bytes {
            Bytes::Tag(_) => self.write_text(out),
            Bytes::Other(bytes) => crate::encoding::encode_into(&STANDARD.encode(bytes), out),
        }
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}, {})", self.kind, self.to_text())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}
