//! [`Signer`]: signs REST requests and verifies them, for every key kind.

use std::fmt;
use std::sync::Arc;

use hmac::Mac as _;

use crate::encoding::encode_into;
use crate::error::Error;
use crate::keys::{self, HmacKey, KeyKind};
use crate::params::Params;
use crate::product::Product;
use crate::recv_window::RecvWindow;
use crate::signed::SignedRequest;
use crate::timestamp::Timestamp;
use crate::wire::{self, Located};

/// The key material behind a signer.
#[derive(Clone)]
pub(crate) enum Key {
    Hmac(HmacKey),
    #[cfg(feature = "ed25519")]
    Ed25519(Box<crate::keys::ed25519::Ed25519Key>),
    #[cfg(feature = "rsa")]
    Rsa(Box<crate::keys::rsa::RsaKey>),
}

/// A signature as the key produced it, before any transport encoding.
pub(crate) enum RawSignature {
    /// HMAC: lowercase hex.
    Hex([u8; 64]),
    /// Ed25519 / RSA: standard base64, padded.
    #[cfg_attr(not(any(feature = "ed25519", feature = "rsa")), allow(dead_code))]
    Base64(String),
}

impl RawSignature {
    /// The signature text as the key produced it (hex, or raw base64).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            RawSignature::Hex(hex) => std::str::from_utf8(hex).unwrap_or_default(),
            RawSignature::Base64(text) => text,
        }
    }

    /// Appends the signature as it travels in a query or form body.
    fn write_rest(&self, out: &mut String) {
        match self {
            RawSignature::Hex(_) => out.push_str(self.as_str()),
            RawSignature::Base64(text) => encode_into(text, out),
        }
    }
}

/// Signs Binance requests with one API key and its key material.
///
/// Parameters go out in a fixed order, enforced by construction: the user's parameters in
/// insertion order, then `recvWindow` (if given), then `timestamp`, then `signature`, last.
/// The bytes signed are the bytes returned; send them as they are.
///
/// The HMAC key state is computed once, at construction; each signature clones it. `Clone` is
/// cheap (the key is shared), and a `Signer` is `Send + Sync`. `Debug` shows neither key, and
/// the secret is zeroized when the last clone is dropped.
///
/// ```
/// use binance_sign::{Params, Signer, Timestamp};
/// let signer = Signer::hmac("my-api-key", "my-secret")?;
/// let params = Params::try_from_pairs([("symbol", "BTCUSDT")])?;
/// let req = signer.sign_query(&params, Timestamp::from_millis(1_700_000_000_000)?, None)?;
/// assert!(req.query().starts_with("symbol=BTCUSDT&timestamp=1700000000000&signature="));
/// assert!(!format!("{signer:?}").contains("my-secret"));
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    api_key: Option<Arc<str>>,
    key: Arc<Key>,
    product: Option<Product>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field(
                "api_key",
                &self
                    .api_key
                    .as_ref()
                    .map(|k| format!("<redacted, {} chars>", k.len())),
            )
            .field("key", &format_args!("<redacted {} key>", self.key_kind()))
            .field("product", &self.product)
            .finish()
    }
}

impl Signer {
    /// An HMAC-SHA256 signer.
    ///
    /// The secret is refused, with an error that says why but never shows it, when it is
    /// empty, has surrounding whitespace, a line break or surrounding quotes, or equals the API
    /// key. The API key must be visible ASCII, as it goes into the `X-MBX-APIKEY` header.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] naming the [`SecretProblem`](crate::SecretProblem), or
    /// [`Error::InvalidApiKey`].
    ///
    /// ```
    /// use binance_sign::{Error, SecretProblem, Signer};
    /// assert_eq!(
    ///     Signer::hmac("key", "secret\n").unwrap_err(),
    ///     Error::InvalidSecret(SecretProblem::LineBreak)
    /// );
    /// ```
    pub fn hmac(api_key: impl AsRef<str>, secret: impl AsRef<str>) -> Result<Self, Error> {
        let (api_key, secret) = (api_key.as_ref(), secret.as_ref());
        keys::check_api_key(api_key)?;
        keys::check_secret(Some(api_key), secret)?;
        Ok(Self::from_key(
            Some(api_key),
            Key::Hmac(HmacKey::new(secret.as_bytes())),
        ))
    }

    /// An HMAC-SHA256 signer with no API key: it verifies and diagnoses requests (which need
    /// only the secret), and signs them, but the result carries no `X-MBX-APIKEY` and the
    /// WebSocket API (whose payload includes `apiKey`) refuses it.
    ///
    /// ```
    /// use binance_sign::Signer;
    /// let verifier = Signer::hmac_without_api_key("my-secret")?;
    /// assert_eq!(verifier.api_key(), None);
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] as [`hmac`](Self::hmac) (except for the comparison with the API
    /// key).
    pub fn hmac_without_api_key(secret: impl AsRef<str>) -> Result<Self, Error> {
        let secret = secret.as_ref();
        keys::check_secret(None, secret)?;
        Ok(Self::from_key(
            None,
            Key::Hmac(HmacKey::new(secret.as_bytes())),
        ))
    }

    /// An Ed25519 signer from a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// The key is parsed once, here. Its kind is read from the key's algorithm identifier: an
    /// RSA key is refused with a message pointing to [`rsa_pem`](Self::rsa_pem). Signatures are
    /// base64, percent-encoded on REST.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem) (not PEM, PKCS#1,
    /// a public key, another key kind, malformed), or [`Error::InvalidApiKey`].
    ///
    /// ```
    /// use binance_sign::{KeyKind, Signer};
    /// let pem = "-----BEGIN PRIVATE KEY-----\n\
    ///            MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n\
    ///            -----END PRIVATE KEY-----\n";
    /// let signer = Signer::ed25519_pem("my-api-key", pem)?;
    /// assert_eq!(signer.key_kind(), KeyKind::Ed25519);
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn ed25519_pem(api_key: impl AsRef<str>, pem: &str) -> Result<Self, Error> {
        Self::asymmetric(Some(api_key.as_ref()), pem, None, Some(KeyKind::Ed25519))
    }

    /// An Ed25519 signer from an encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`,
    /// PBES2 with PBKDF2 or scrypt and AES; feature `encrypted-pem`).
    ///
    /// # Errors
    ///
    /// As [`ed25519_pem`](Self::ed25519_pem), and [`Error::InvalidKey`] with
    /// [`KeyProblem::Decrypt`](crate::KeyProblem::Decrypt) for a wrong passphrase.
    #[cfg(all(feature = "ed25519", feature = "encrypted-pem"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "ed25519", feature = "encrypted-pem"))))]
    pub fn ed25519_pem_encrypted(
        api_key: impl AsRef<str>,
        pem: &str,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Self, Error> {
        Self::asymmetric(
            Some(api_key.as_ref()),
            pem,
            Some(passphrase.as_ref()),
            Some(KeyKind::Ed25519),
        )
    }

    /// An RSA signer (RSASSA-PKCS1-v1_5 with SHA-256) from a PKCS#8 PEM private key of 2048 to
    /// 4096 bits.
    ///
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`) files are refused with the command that converts them;
    /// an Ed25519 key is refused with a message pointing to [`ed25519_pem`](Self::ed25519_pem).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem) (also for a modulus
    /// outside 2048 to 4096 bits), or [`Error::InvalidApiKey`].
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn rsa_pem(api_key: impl AsRef<str>, pem: &str) -> Result<Self, Error> {
        Self::asymmetric(Some(api_key.as_ref()), pem, None, Some(KeyKind::Rsa))
    }

    /// An RSA signer from an encrypted PKCS#8 PEM.
    ///
    /// # Errors
    ///
    /// As [`rsa_pem`](Self::rsa_pem), and [`Error::InvalidKey`] with
    /// [`KeyProblem::Decrypt`](crate::KeyProblem::Decrypt) for a wrong passphrase.
    #[cfg(all(feature = "rsa", feature = "encrypted-pem"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "rsa", feature = "encrypted-pem"))))]
    pub fn rsa_pem_encrypted(
        api_key: impl AsRef<str>,
        pem: &str,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Self, Error> {
        Self::asymmetric(
            Some(api_key.as_ref()),
            pem,
            Some(passphrase.as_ref()),
            Some(KeyKind::Rsa),
        )
    }

    /// A signer for whatever PKCS#8 private key `pem` holds (Ed25519 or RSA), read from its
    /// algorithm identifier; `passphrase` for an encrypted key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem), including
    /// [`KeyProblem::FeatureDisabled`](crate::KeyProblem::FeatureDisabled) for a kind whose
    /// feature is off, or [`Error::InvalidApiKey`].
    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "ed25519", feature = "rsa"))))]
    pub fn from_pem(
        api_key: impl AsRef<str>,
        pem: &str,
        passphrase: Option<&[u8]>,
    ) -> Result<Self, Error> {
        Self::asymmetric(Some(api_key.as_ref()), pem, passphrase, None)
    }

    /// A signer with no API key for whatever PKCS#8 private key `pem` holds: it verifies and
    /// diagnoses requests; see [`hmac_without_api_key`](Self::hmac_without_api_key).
    ///
    /// # Errors
    ///
    /// As [`from_pem`](Self::from_pem).
    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "ed25519", feature = "rsa"))))]
    pub fn from_pem_without_api_key(pem: &str, passphrase: Option<&[u8]>) -> Result<Self, Error> {
        Self::asymmetric(None, pem, passphrase, None)
    }

    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    fn asymmetric(
        api_key: Option<&str>,
        pem: &str,
        passphrase: Option<&[u8]>,
        wanted: Option<KeyKind>,
    ) -> Result<Self, Error> {
        use crate::keys::pem;
        if let Some(api_key) = api_key {
            keys::check_api_key(api_key)?;
        }
        let der = pem::read(pem, passphrase)?;
        if let Some(wanted) = wanted {
            pem::expect(&der, wanted)?;
        }
        let key = match der.kind {
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 => Key::Ed25519(Box::new(keys::ed25519::Ed25519Key::from_der(&der)?)),
            #[cfg(feature = "rsa")]
            KeyKind::Rsa => Key::Rsa(Box::new(keys::rsa::RsaKey::from_der(&der)?)),
            other => {
                return Err(Error::InvalidKey {
                    problem: crate::error::KeyProblem::FeatureDisabled(other),
                    source: None,
                });
            }
        };
        Ok(Self::from_key(api_key, key))
    }

    pub(crate) fn from_key(api_key: Option<&str>, key: Key) -> Self {
        Self {
            api_key: api_key.map(Arc::from),
            key: Arc::new(key),
            product: None,
        }
    }

    /// The same signer, bound to `product`: signing then refuses what that product would
    /// bounce (microsecond timestamps or a fractional `recvWindow` off spot).
    #[must_use]
    pub fn for_product(mut self, product: Product) -> Self {
        self.product = Some(product);
        self
    }

    /// The product this signer is bound to, if any.
    pub fn product(&self) -> Option<Product> {
        self.product
    }

    /// The API key (it is sent in clear in the `X-MBX-APIKEY` header); `None` for a signer
    /// made without one.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The kind of key this signer holds.
    pub fn key_kind(&self) -> KeyKind {
        match &*self.key {
            Key::Hmac(_) => KeyKind::Hmac,
            #[cfg(feature = "ed25519")]
            Key::Ed25519(_) => KeyKind::Ed25519,
            #[cfg(feature = "rsa")]
            Key::Rsa(_) => KeyKind::Rsa,
        }
    }

    pub(crate) fn key(&self) -> &Key {
        &self.key
    }

    /// Refuses `operation` unless this signer holds a key of kind `needed`.
    pub(crate) fn require_kind(
        &self,
        operation: &'static str,
        needed: KeyKind,
    ) -> Result<(), Error> {
        let actual = self.key_kind();
        if actual == needed {
            Ok(())
        } else {
            Err(Error::WrongKeyKind {
                operation,
                needed,
                actual,
            })
        }
    }

    /// Signs a request whose parameters all travel in the query (GET, DELETE).
    ///
    /// # Errors
    ///
    /// [`Error::ProductRule`] when the signer is bound to a product whose rules the timestamp
    /// or window break, and [`Error::SigningFailed`] if an RSA key fails.
    pub fn sign_query(
        &self,
        params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<SignedRequest, Error> {
        let mut query = String::with_capacity(params.encoded().len() + TAIL_CAPACITY);
        let at = self.write_signed(params, timestamp, recv_window, &mut query)?;
        Ok(SignedRequest::new(
            query,
            String::new(),
            at,
            self.api_key.clone(),
        ))
    }

    /// Signs a request whose parameters all travel in the form body (POST, PUT).
    ///
    /// # Errors
    ///
    /// As [`sign_query`](Self::sign_query).
    pub fn sign_body(
        &self,
        params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<SignedRequest, Error> {
        let mut body = String::with_capacity(params.encoded().len() + TAIL_CAPACITY);
        let at = self.write_signed(params, timestamp, recv_window, &mut body)?;
        Ok(SignedRequest::new(
            String::new(),
            body,
            at,
            self.api_key.clone(),
        ))
    }

    /// Signs a request with some parameters in the query and the rest in the body.
    ///
    /// `recvWindow`, `timestamp` and `signature` go at the end of the body; the payload is the
    /// query immediately followed by the body, with no `&` between them. A key in both parts is
    /// refused.
    ///
    /// # Errors
    ///
    /// [`Error::KeyInBothParts`] for a key in both parts, and as [`sign_query`](Self::sign_query).
    pub fn sign_split(
        &self,
        query_params: &Params,
        body_params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<SignedRequest, Error> {
        let mut query = String::with_capacity(query_params.encoded().len());
        let mut body = String::with_capacity(body_params.encoded().len() + TAIL_CAPACITY);
        self.sign_split_into(
            query_params,
            body_params,
            timestamp,
            recv_window,
            &mut query,
            &mut body,
        )?;
        let at = signature_offset(&body);
        Ok(SignedRequest::new(query, body, at, self.api_key.clone()))
    }

    /// Writes the signed string into `out` (cleared first), reusing its buffer: the query of a
    /// GET or DELETE, or the form body of a POST or PUT (the bytes are the same).
    ///
    /// With an HMAC key this performs no heap allocation once `out` has the capacity: the
    /// parameters were encoded when they were pushed, the tail is formatted in place, the keyed
    /// HMAC state is cloned on the stack and the hex goes through a stack buffer.
    ///
    /// ```
    /// use binance_sign::{Params, Signer, Timestamp};
    /// let signer = Signer::hmac("key", "secret")?;
    /// let params = Params::try_from_pairs([("symbol", "BTCUSDT")])?;
    /// let mut out = String::with_capacity(256);
    /// signer.sign_into(&params, Timestamp::from_millis(1_700_000_000_000)?, None, &mut out)?;
    /// assert_eq!(signer.sign_query(&params, Timestamp::from_millis(1_700_000_000_000)?, None)?.query(), out);
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`sign_query`](Self::sign_query).
    pub fn sign_into(
        &self,
        params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
        out: &mut String,
    ) -> Result<(), Error> {
        self.write_signed(params, timestamp, recv_window, out)
            .map(drop)
    }

    /// Writes a split request into `query_out` and `body_out` (both cleared first); see
    /// [`sign_split`](Self::sign_split) and [`sign_into`](Self::sign_into).
    ///
    /// # Errors
    ///
    /// As [`sign_split`](Self::sign_split).
    pub fn sign_split_into(
        &self,
        query_params: &Params,
        body_params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
        query_out: &mut String,
        body_out: &mut String,
    ) -> Result<(), Error> {
        self.check_rules(timestamp, recv_window)?;
        if let Some((key, _)) = query_params
            .iter()
            .find(|(key, _)| body_params.contains_key(key))
        {
            return Err(Error::KeyInBothParts {
                key: key.to_owned(),
            });
        }
        query_out.clear();
        query_out.push_str(query_params.encoded());
        body_out.clear();
        body_out.push_str(body_params.encoded());
        write_tail(timestamp, recv_window, body_out);
        let signature = self.sign_raw(&[query_out.as_bytes(), body_out.as_bytes()])?;
        body_out.push_str("&signature=");
        signature.write_rest(body_out);
        Ok(())
    }

    /// Writes `params ‖ tail ‖ &signature=…` into `out`; returns where the signature starts.
    fn write_signed(
        &self,
        params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
        out: &mut String,
    ) -> Result<usize, Error> {
        self.check_rules(timestamp, recv_window)?;
        out.clear();
        out.push_str(params.encoded());
        write_tail(timestamp, recv_window, out);
        let signature = self.sign_raw(&[out.as_bytes()])?;
        out.push_str("&signature=");
        let at = out.len();
        signature.write_rest(out);
        Ok(at)
    }

    fn check_rules(
        &self,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<(), Error> {
        match self.product {
            Some(product) => product.check(timestamp, recv_window),
            None => Ok(()),
        }
    }

    /// Signs requests that are already wire-encoded (by another encoder, or a hand-rolled
    /// client): checks that `query` and `body` are well-formed `k=v&k=v` strings with valid
    /// `%XX` escapes and only bytes HTTP clients never re-encode, with a `timestamp`, with no
    /// `signature`, no empty value, and no key in both the query and the body (a key may repeat
    /// within one part: ARRAY parameters such as `asset=BTC&asset=USDT` travel that way; not
    /// `timestamp` or `recvWindow`); then signs exactly those bytes and appends `signature` to
    /// the body (or to the query when the body is empty).
    ///
    /// Raw bytes accepted besides `A-Z a-z 0-9 - . _ ~` and `%XX`: `! $ ( ) * + , / : @ ?`.
    /// A `+` reads as a space, as in any form.
    ///
    /// ```
    /// use binance_sign::Signer;
    /// let signer = Signer::hmac("key", "secret")?;
    /// let req = signer.sign_encoded("symbol=BTCUSDT&timestamp=1700000000000", "")?;
    /// signer.verify(req.query(), req.body())?;
    /// assert!(signer.sign_encoded("symbol=BTC USDT&timestamp=1700000000000", "").is_err());
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MalformedWire`] naming the part and byte, [`Error::InvalidEscape`],
    /// [`Error::InvalidUtf8`], [`Error::MissingTimestamp`], [`Error::AlreadySigned`],
    /// [`Error::EmptyValue`], [`Error::DuplicateKey`], [`Error::ControlCharacter`], a malformed
    /// `timestamp` or `recvWindow`, and as [`sign_query`](Self::sign_query).
    pub fn sign_encoded(&self, query: &str, body: &str) -> Result<SignedRequest, Error> {
        let info = wire::validate_encoded(query, body)?;
        if let Some(timestamp) = info.timestamp {
            self.check_rules(timestamp, info.recv_window)?;
        }
        let signature = self.sign_raw(&[query.as_bytes(), body.as_bytes()])?;
        let (mut query, mut body) = (query.to_owned(), body.to_owned());
        let last = if body.is_empty() {
            &mut query
        } else {
            &mut body
        };
        last.push_str("&signature=");
        let at = last.len();
        signature.write_rest(last);
        Ok(SignedRequest::new(query, body, at, self.api_key.clone()))
    }

    /// Checks a signed request as Binance does, over the exact bytes received: `signature` must
    /// be the last parameter of the body (or of the query when the body is empty), and must
    /// match `query ‖ body` without it. HMAC signatures are hex in either case and compared in
    /// constant time; Ed25519 and RSA signatures must be percent-encoded base64 and are checked
    /// with the public key.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSignature`], [`Error::SignatureNotLast`], [`Error::SignatureFormat`] or
    /// [`Error::SignatureMismatch`], saying what failed.
    pub fn verify(&self, query: &str, body: &str) -> Result<(), Error> {
        let located = wire::locate_signature(query, body)?;
        self.verify_located(&located)
    }

    pub(crate) fn verify_located(&self, located: &Located<'_>) -> Result<(), Error> {
        let parts = [located.query.as_bytes(), located.body.as_bytes()];
        match &*self.key {
            Key::Hmac(key) => verify_hmac(key.state(), &parts, located.signature),
            #[cfg(any(feature = "ed25519", feature = "rsa"))]
            _ => self.verify_signature_bytes(&parts, &decode_rest_base64(located.signature)?),
        }
    }

    /// Verifies a signature as the key produced it (hex, or plain base64), with no transport
    /// encoding: the WebSocket API and FIX form.
    pub(crate) fn verify_raw(&self, parts: &[&[u8]], signature: &str) -> Result<(), Error> {
        match &*self.key {
            Key::Hmac(key) => verify_hmac(key.state(), parts, signature),
            #[cfg(any(feature = "ed25519", feature = "rsa"))]
            _ => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(signature.as_bytes())
                    .map_err(|_| {
                        Error::SignatureFormat("expected base64 (standard alphabet, padded)")
                    })?;
                self.verify_signature_bytes(parts, &bytes)
            }
        }
    }

    /// Verifies decoded signature bytes of an asymmetric key (HMAC tags are refused here).
    #[cfg_attr(not(any(feature = "ed25519", feature = "rsa")), allow(dead_code))]
    pub(crate) fn verify_signature_bytes(
        &self,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Error> {
        let _ = (parts, signature); // unused when built without the key features
        match &*self.key {
            Key::Hmac(_) => Err(Error::SignatureMismatch),
            #[cfg(feature = "ed25519")]
            Key::Ed25519(key) => key.verify(parts, signature),
            #[cfg(feature = "rsa")]
            Key::Rsa(key) => key.verify(parts, signature),
        }
    }

    /// The signature of the concatenated `parts`, as the key produces it.
    #[inline]
    pub(crate) fn sign_raw(&self, parts: &[&[u8]]) -> Result<RawSignature, Error> {
        match &*self.key {
            Key::Hmac(key) => Ok(RawSignature::Hex(keys::hmac_hex(key.state(), parts))),
            #[cfg(feature = "ed25519")]
            Key::Ed25519(key) => Ok(RawSignature::Base64(key.sign(parts))),
            #[cfg(feature = "rsa")]
            Key::Rsa(key) => key.sign(parts).map(RawSignature::Base64),
        }
    }
}

/// Room for `&recvWindow=60000.000&timestamp=<16 digits>&signature=<up to 684 chars>`.
const TAIL_CAPACITY: usize = 128;

/// Appends `recvWindow` (if any) and `timestamp`, each preceded by `&` unless `out` is empty.
/// (Separators and names go in as one piece: each `push_str` is a copy call.)
fn write_tail(timestamp: Timestamp, recv_window: Option<RecvWindow>, out: &mut String) {
    let first = out.is_empty();
    match recv_window {
        Some(rw) => {
            out.push_str(if first { "recvWindow=" } else { "&recvWindow=" });
            rw.write_to(out);
            out.push_str("&timestamp=");
        }
        None => out.push_str(if first { "timestamp=" } else { "&timestamp=" }),
    }
    timestamp.write_to(out);
}

fn signature_offset(last: &str) -> usize {
    last.rfind("&signature=")
        .map_or(0, |i| i + "&signature=".len())
}

fn verify_hmac(
    keyed: &hmac::Hmac<sha2::Sha256>,
    parts: &[&[u8]],
    signature: &str,
) -> Result<(), Error> {
    let Some(tag) = keys::parse_hex_tag(signature) else {
        return Err(Error::SignatureFormat(
            if signature.len() != 64
                && (signature.len() == 44 || signature.contains("%3D") || signature.ends_with('='))
            {
                "expected 64 hex characters (HMAC-SHA256); this looks like base64"
            } else {
                "expected 64 hex characters (HMAC-SHA256)"
            },
        ));
    };
    // `verify_slice` compares in constant time.
    keys::hmac_fed(keyed, parts)
        .verify_slice(&tag)
        .map_err(|_| Error::SignatureMismatch)
}

/// Decodes a percent-encoded base64 signature as received on REST.
#[cfg(any(feature = "ed25519", feature = "rsa"))]
fn decode_rest_base64(signature: &str) -> Result<Vec<u8>, Error> {
    use base64::Engine as _;
    if signature.bytes().any(|b| matches!(b, b'+' | b'/' | b'=')) {
        return Err(Error::SignatureFormat(
            "a base64 signature must be percent-encoded on REST (`+`, `/`, `=` sent raw; a raw `+` reads as a space)",
        ));
    }
    let text = crate::encoding::decode(signature)
        .map_err(|_| Error::SignatureFormat("invalid percent-encoding in the signature"))?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| Error::SignatureFormat("expected base64 (standard alphabet, padded)"))
}
