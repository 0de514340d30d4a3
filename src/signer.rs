//! [`Signer`]: signs REST requests and verifies them, for every key kind.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::params::Params;
use crate::product::Product;
use crate::rest::{self, TAIL_CAPACITY};
use crate::signed::SignedRequest;
use crate::signing_key::error::KeyError;
use crate::signing_key::{self, KeyKind, SigningKey};
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::Timestamp;
use crate::wire;

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
    key: SigningKey,
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
    /// [`KeyError::InvalidSecret`] naming the [`SecretProblem`](crate::SecretProblem), or
    /// [`KeyError::InvalidApiKey`].
    ///
    /// ```
    /// use binance_sign::{Error, KeyError, SecretProblem, Signer};
    /// assert_eq!(
    ///     Signer::hmac("key", "secret\n").unwrap_err(),
    ///     Error::Key(KeyError::InvalidSecret(SecretProblem::LineBreak))
    /// );
    /// ```
    pub fn hmac(api_key: impl AsRef<str>, secret: impl AsRef<str>) -> Result<Self, Error> {
        let (api_key, secret) = (api_key.as_ref(), secret.as_ref());
        signing_key::check_api_key(api_key)?;
        signing_key::check_secret(Some(api_key), secret)?;
        Ok(Self::from_key(
            Some(api_key),
            SigningKey::hmac_bytes(secret.as_bytes()),
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
    /// [`KeyError::InvalidSecret`] as [`hmac`](Self::hmac) (except for the comparison with the API
    /// key).
    pub fn hmac_without_api_key(secret: impl AsRef<str>) -> Result<Self, Error> {
        let secret = secret.as_ref();
        signing_key::check_secret(None, secret)?;
        Ok(Self::from_key(
            None,
            SigningKey::hmac_bytes(secret.as_bytes()),
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
    /// [`KeyError::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem) (not PEM, PKCS#1,
    /// a public key, another key kind, malformed), or [`KeyError::InvalidApiKey`].
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
    /// As [`ed25519_pem`](Self::ed25519_pem), and [`KeyError::InvalidKey`] with
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
    /// [`KeyError::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem) (also for a modulus
    /// outside 2048 to 4096 bits), or [`KeyError::InvalidApiKey`].
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn rsa_pem(api_key: impl AsRef<str>, pem: &str) -> Result<Self, Error> {
        Self::asymmetric(Some(api_key.as_ref()), pem, None, Some(KeyKind::Rsa))
    }

    /// An RSA signer from an encrypted PKCS#8 PEM.
    ///
    /// # Errors
    ///
    /// As [`rsa_pem`](Self::rsa_pem), and [`KeyError::InvalidKey`] with
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
    /// [`KeyError::InvalidKey`] naming the [`KeyProblem`](crate::KeyProblem), including
    /// [`KeyProblem::FeatureDisabled`](crate::KeyProblem::FeatureDisabled) for a kind whose
    /// feature is off, or [`KeyError::InvalidApiKey`].
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
        if let Some(api_key) = api_key {
            signing_key::check_api_key(api_key)?;
        }
        let key = SigningKey::from_pem_of(pem, passphrase, wanted)?;
        Ok(Self::from_key(api_key, key))
    }

    /// A signer for `key`, with the API key sent in `X-MBX-APIKEY` (`None`: a signer that
    /// verifies and diagnoses, and signs without the header).
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidApiKey`] for an API key that cannot go into the header as it is.
    ///
    /// ```
    /// use binance_sign::{Signer, SigningKey};
    /// let signer = Signer::new(Some("my-api-key"), SigningKey::hmac("my-secret")?)?;
    /// assert_eq!(signer.api_key(), Some("my-api-key"));
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn new(api_key: Option<&str>, key: SigningKey) -> Result<Self, Error> {
        if let Some(api_key) = api_key {
            signing_key::check_api_key(api_key)?;
        }
        Ok(Self::from_key(api_key, key))
    }

    fn from_key(api_key: Option<&str>, key: SigningKey) -> Self {
        Self {
            api_key: api_key.map(Arc::from),
            key,
            product: None,
        }
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
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
        self.key.kind()
    }

    /// Refuses `operation` unless this signer holds a key of kind `needed`.
    pub(crate) fn require_kind(
        &self,
        operation: signing_key::error::Operation,
        needed: KeyKind,
    ) -> Result<(), Error> {
        let actual = self.key_kind();
        if actual == needed {
            Ok(())
        } else {
            Err(Error::Key(KeyError::WrongKeyKind {
                operation,
                needed,
                actual,
            }))
        }
    }

    /// Signs a request whose parameters all travel in the query (GET, DELETE).
    ///
    /// # Errors
    ///
    /// [`ProductError::ProductRule`](crate::ProductError::ProductRule) when the signer is bound to a product whose rules the timestamp
    /// or window break, and [`KeyError::SigningFailed`] if an RSA key fails.
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
    /// [`ParamError::KeyInBothParts`](crate::ParamError::KeyInBothParts) for a key in both parts, and as [`sign_query`](Self::sign_query).
    pub fn sign_split(
        &self,
        query_params: &Params,
        body_params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<SignedRequest, Error> {
        let mut query = String::with_capacity(query_params.encoded().len());
        let mut body = String::with_capacity(body_params.encoded().len() + TAIL_CAPACITY);
        let at = self.write_split(
            query_params,
            body_params,
            timestamp,
            recv_window,
            &mut query,
            &mut body,
        )?;
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
        self.write_split(
            query_params,
            body_params,
            timestamp,
            recv_window,
            query_out,
            body_out,
        )
        .map(drop)
    }

    /// The product's rules, then the split REST form; returns where the signature starts in
    /// `body_out`.
    fn write_split(
        &self,
        query_params: &Params,
        body_params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
        query_out: &mut String,
        body_out: &mut String,
    ) -> Result<usize, Error> {
        self.apply_product_rules(timestamp, recv_window)?;
        rest::sign_split_into(
            &self.key,
            query_params,
            body_params,
            timestamp,
            recv_window,
            query_out,
            body_out,
        )
    }

    /// Writes `params ‖ tail ‖ &signature=…` into `out`; returns where the signature starts.
    fn write_signed(
        &self,
        params: &Params,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
        out: &mut String,
    ) -> Result<usize, Error> {
        self.apply_product_rules(timestamp, recv_window)?;
        rest::sign_into(&self.key, params, timestamp, recv_window, out)
    }

    pub(crate) fn apply_product_rules(
        &self,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<(), Error> {
        match self.product {
            Some(product) => Ok(product.check(timestamp, recv_window)?),
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
    /// [`WireError::MalformedWire`](crate::WireError::MalformedWire) naming the part and byte, [`EncodingError::InvalidEscape`](crate::EncodingError::InvalidEscape),
    /// [`EncodingError::InvalidUtf8`](crate::EncodingError::InvalidUtf8), [`WireError::MissingTimestamp`](crate::WireError::MissingTimestamp), [`WireError::AlreadySigned`](crate::WireError::AlreadySigned),
    /// [`ParamError::EmptyValue`](crate::ParamError::EmptyValue), [`ParamError::DuplicateKey`](crate::ParamError::DuplicateKey), [`ParamError::ControlCharacter`](crate::ParamError::ControlCharacter), a malformed
    /// `timestamp` or `recvWindow`, and as [`sign_query`](Self::sign_query).
    pub fn sign_encoded(&self, query: &str, body: &str) -> Result<SignedRequest, Error> {
        let info = wire::validate_encoded(query, body)?;
        if let Some(timestamp) = info.timestamp {
            self.apply_product_rules(timestamp, info.recv_window)?;
        }
        let no_tail = rest::Tail {
            recv_window: None,
            timestamp: None,
        };
        let (query, body, at) = rest::sign_appending(&self.key, query, body, no_tail)?;
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
    /// [`VerifyError::MissingSignature`](crate::VerifyError::MissingSignature), [`VerifyError::SignatureNotLast`](crate::VerifyError::SignatureNotLast), [`VerifyError::SignatureFormat`](crate::VerifyError::SignatureFormat) or
    /// [`VerifyError::SignatureMismatch`](crate::VerifyError::SignatureMismatch), saying what failed.
    pub fn verify(&self, query: &str, body: &str) -> Result<(), Error> {
        rest::verify(&self.key, query, body)
    }
}
