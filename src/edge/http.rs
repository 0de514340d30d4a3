//! Turning a [`SignedRequest`] into an `http::Request`, and signing the caller's own
//! `http::Request` in place (feature `http`), with no re-encoding.

use std::borrow::Cow;

use crate::error::Error;
use crate::rest::{Tail, sign_appending};
use crate::signed::{API_KEY_HEADER, SignedRequest};
use crate::signer::Signer;
use crate::source::Source;
use crate::wire::error::WireError;

impl SignedRequest {
    /// An `http::Request` for `method` at `base_url` + `path`: the query attached verbatim,
    /// the body verbatim with `Content-Type: application/x-www-form-urlencoded` when it is not
    /// empty, and the `X-MBX-APIKEY` header (when the signer has an API key). Nothing is
    /// re-encoded.
    ///
    /// `base_url` is scheme and authority (`https://api.binance.com`, a trailing `/` is
    /// ignored); `path` starts with `/` and has no `?` or `#`.
    ///
    /// # Errors
    ///
    /// [`WireError::InvalidUrl`] for a base URL without scheme and host or a path that does not
    /// start with `/` or holds `?` or `#`; [`WireError::Http`] if the `http` crate refuses the
    /// request.
    ///
    /// ```
    /// use binance_sign::{Params, Signer, Timestamp};
    /// let signer = Signer::hmac("my-api-key", "my-secret")?;
    /// let params = Params::try_from_pairs([("symbol", "BTCUSDT"), ("note", "a b")])?;
    /// let req = signer.sign_body(&params, Timestamp::from_millis(1_700_000_000_000)?, None)?;
    /// let http = req.to_http(http::Method::POST, "https://api.binance.com", "/api/v3/order")?;
    /// assert_eq!(http.uri(), "https://api.binance.com/api/v3/order");
    /// assert_eq!(http.headers()["x-mbx-apikey"], "my-api-key");
    /// assert_eq!(http.headers()["content-type"], "application/x-www-form-urlencoded");
    /// assert_eq!(http.body(), req.body());
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn to_http(
        &self,
        method: http::Method,
        base_url: &str,
        path: &str,
    ) -> Result<http::Request<String>, Error> {
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(Error::Wire(WireError::InvalidUrl {
                url: crate::source::excerpt(path, 200),
                reason: crate::wire::error::UrlRule::PathShape,
                source: None,
            }));
        }
        let base = base_url.trim_end_matches('/');
        let invalid_base = |source| {
            Error::Wire(WireError::InvalidUrl {
                url: crate::source::excerpt(base_url, 200),
                reason: crate::wire::error::UrlRule::BaseUrl,
                source,
            })
        };
        let uri = http::Uri::try_from(format!("{base}{}", self.path_and_query(path)))
            .map_err(|e| invalid_base(Some(Source::new(e))))?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(invalid_base(None));
        }
        let mut request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(self.body().to_owned())
            .map_err(|e| Error::Wire(WireError::Http(Source::new(e))))?;
        set_signed_headers(request.headers_mut(), self.api_key(), self.body().len())?;
        Ok(request)
    }
}

/// A request body whose bytes can be read and replaced, so a request can be signed in place:
/// `String`, `Vec<u8>`, `bytes::Bytes` and hyper's usual `http_body_util::Full<Bytes>`. (A streaming body cannot be signed: its bytes are not known
/// before it is sent. Collect it yourself and use
/// [`Signer::signing_instructions`], which takes any body's bytes.)
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub trait SignableBody {
    /// The body's bytes.
    fn to_bytes(&self) -> Cow<'_, [u8]>;
    /// Replaces the body with `text`.
    fn replace(&mut self, text: String);
    /// An empty body.
    fn empty() -> Self
    where
        Self: Sized;
}

impl SignableBody for String {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
    fn replace(&mut self, text: String) {
        *self = text;
    }
    fn empty() -> Self {
        String::new()
    }
}

impl SignableBody for Vec<u8> {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
    fn replace(&mut self, text: String) {
        *self = text.into_bytes();
    }
    fn empty() -> Self {
        Vec::new()
    }
}

impl SignableBody for bytes::Bytes {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
    fn replace(&mut self, text: String) {
        *self = bytes::Bytes::from(text);
    }
    fn empty() -> Self {
        bytes::Bytes::new()
    }
}

impl SignableBody for http_body_util::Full<bytes::Bytes> {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        // `Full` hands its bytes out only by value; a clone of a `Bytes` is a reference count.
        Cow::Owned(
            self.clone()
                .into_inner()
                .map(|b| b.to_vec())
                .unwrap_or_default(),
        )
    }
    fn replace(&mut self, text: String) {
        *self = http_body_util::Full::new(bytes::Bytes::from(text));
    }
    fn empty() -> Self {
        http_body_util::Full::new(bytes::Bytes::new())
    }
}

/// What signing a request means for it, in the style of aws-sigv4's signing instructions:
/// the new query and body, and the headers to set (`X-MBX-APIKEY`, `Content-Type`, a
/// `Content-Length` of the signed body, or none without a body). Apply them to any request
/// type, whatever its body.
///
/// ```
/// use binance_sign::{Signer, Timestamp};
/// let signer = Signer::hmac("my-api-key", "my-secret")?;
/// let (mut parts, body) = http::Request::post("https://api.binance.com/api/v3/order?symbol=BTCUSDT")
///     .header("content-length", "23")
///     .body(())
///     .unwrap()
///     .into_parts();
/// let signed = signer.signing_instructions(
///     &parts,
///     b"side=BUY&quantity=0.001",
///     Timestamp::from_millis(1_700_000_000_000)?,
///     None,
/// )?;
/// signed.apply_to_parts(&mut parts)?;
/// assert_eq!(parts.uri.query(), Some("symbol=BTCUSDT"));
/// assert_eq!(parts.headers["content-length"], signed.body().len().to_string().as_str());
/// assert_eq!(parts.headers["x-mbx-apikey"], "my-api-key");
/// let request = http::Request::from_parts(parts, signed.into_body());
/// signer.verify(request.uri().query().unwrap_or(""), request.body())?;
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub struct SigningInstructions {
    query: String,
    body: String,
    api_key: Option<String>,
}

impl SigningInstructions {
    pub(crate) fn new(query: String, body: String, api_key: Option<&str>) -> Self {
        Self {
            query,
            body,
            api_key: api_key.map(str::to_owned),
        }
    }

    /// The signed query (without `?`; empty for none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The signed body.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The signed body, to put into the request.
    pub fn into_body(self) -> String {
        self.body
    }

    /// Sets the headers signing asks for on `headers`, removing a stale `Content-Length`
    /// when there is no body.
    ///
    /// # Errors
    ///
    /// An API key that is not a valid header value.
    pub fn apply_to_headers(&self, headers: &mut http::HeaderMap) -> Result<(), Error> {
        set_signed_headers(headers, self.api_key.as_deref(), self.body.len())
    }

    /// Sets the signed query on `uri` (its path kept).
    ///
    /// # Errors
    ///
    /// [`WireError::InvalidUrl`] when the signed query does not fit a URI.
    pub fn apply_to_uri(&self, uri: &mut http::Uri) -> Result<(), Error> {
        *uri = with_query(uri, &self.query)?;
        Ok(())
    }

    /// [`apply_to_uri`](Self::apply_to_uri) and [`apply_to_headers`](Self::apply_to_headers)
    /// on a request's parts; the body is the caller's to set ([`into_body`](Self::into_body)).
    ///
    /// # Errors
    ///
    /// As those two.
    pub fn apply_to_parts(&self, parts: &mut http::request::Parts) -> Result<(), Error> {
        self.apply_to_uri(&mut parts.uri)?;
        self.apply_to_headers(&mut parts.headers)
    }
}

/// A request signing can be applied to in place: `http::Request<B>` of a [`SignableBody`],
/// and, with the `reqwest-middleware` feature, `reqwest::Request` (with a body whose bytes are
/// known).
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub trait SignableRequest {
    /// The raw query (empty for none).
    fn raw_query(&self) -> &str;
    /// The body's bytes.
    ///
    /// # Errors
    ///
    /// A streaming body.
    fn body_bytes(&self) -> Result<Cow<'_, [u8]>, Error>;
    /// Puts the signed query, body and headers into the request.
    ///
    /// # Errors
    ///
    /// As [`SigningInstructions::apply_to_parts`].
    fn apply(&mut self, signed: SigningInstructions) -> Result<(), Error>;
}

impl<B: SignableBody> SignableRequest for http::Request<B> {
    fn raw_query(&self) -> &str {
        self.uri().query().unwrap_or("")
    }
    fn body_bytes(&self) -> Result<Cow<'_, [u8]>, Error> {
        Ok(self.body().to_bytes())
    }
    fn apply(&mut self, signed: SigningInstructions) -> Result<(), Error> {
        signed.apply_to_uri(self.uri_mut())?;
        signed.apply_to_headers(self.headers_mut())?;
        self.body_mut().replace(signed.into_body());
        Ok(())
    }
}

#[cfg(feature = "reqwest-middleware")]
impl SignableRequest for reqwest::Request {
    fn raw_query(&self) -> &str {
        self.url().query().unwrap_or("")
    }
    fn body_bytes(&self) -> Result<Cow<'_, [u8]>, Error> {
        match self.body() {
            None => Ok(Cow::Borrowed(&[])),
            Some(body) => {
                body.as_bytes()
                    .map(Cow::Borrowed)
                    .ok_or(Error::Wire(WireError::MalformedWire {
                        part: crate::Part::Body,
                        position: 0,
                        reason: crate::wire::error::WireRule::StreamingBody,
                    }))
            }
        }
    }
    fn apply(&mut self, signed: SigningInstructions) -> Result<(), Error> {
        self.url_mut()
            .set_query(Some(signed.query()).filter(|q| !q.is_empty()));
        signed.apply_to_headers(self.headers_mut())?;
        if !signed.body().is_empty() || self.body().is_some() {
            *self.body_mut() = Some(signed.into_body().into());
        }
        Ok(())
    }
}

impl Signer {
    /// Signs the caller's own `http::Request` in place: its query and body are signed exactly
    /// as they are (the [`sign_encoded`](Signer::sign_encoded) rules: bytes that are not safe
    /// to send as they are refused, naming the byte), `recvWindow` (when given) and
    /// `timestamp` are appended when absent, `signature` is appended last (to the body when
    /// there is one, else to the query), `X-MBX-APIKEY` is set (when the signer has an API
    /// key), and `Content-Type: application/x-www-form-urlencoded` for a body.
    ///
    /// ```
    /// use binance_sign::{Signer, Timestamp};
    /// let signer = Signer::hmac("my-api-key", "my-secret")?;
    /// let mut request = http::Request::post("https://api.binance.com/api/v3/order?symbol=BTCUSDT")
    ///     .body(String::from("side=BUY&quantity=0.001"))
    ///     .unwrap();
    /// signer.sign_http(&mut request, Timestamp::from_millis(1_700_000_000_000)?, None)?;
    /// assert_eq!(request.uri().query(), Some("symbol=BTCUSDT"));
    /// assert!(request.body().starts_with("side=BUY&quantity=0.001&timestamp=1700000000000&signature="));
    /// assert_eq!(request.headers()["x-mbx-apikey"], "my-api-key");
    /// signer.verify(request.uri().query().unwrap_or(""), request.body())?;
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`sign_encoded`](Signer::sign_encoded) (a body that is not UTF-8 is
    /// [`WireError::MalformedWire`]), and [`WireError::InvalidUrl`] if the new URI cannot be built.
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn sign_http<R: SignableRequest>(
        &self,
        request: &mut R,
        timestamp: crate::Timestamp,
        recv_window: Option<crate::RecvWindow>,
    ) -> Result<(), Error> {
        let (query, body) = self.sign_wire(
            request.raw_query(),
            &request.body_bytes()?,
            timestamp,
            recv_window,
        )?;
        request.apply(SigningInstructions::new(query, body, self.api_key()))
    }

    /// The [`SigningInstructions`] for a request with these `parts` and `body` bytes (any body
    /// type: collect a stream first), signed by the [`sign_http`](Self::sign_http) rules.
    ///
    /// # Errors
    ///
    /// As [`sign_http`](Self::sign_http).
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn signing_instructions(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        timestamp: crate::Timestamp,
        recv_window: Option<crate::RecvWindow>,
    ) -> Result<SigningInstructions, Error> {
        let query = parts.uri.query().unwrap_or("");
        let (query, body) = self.sign_wire(query, body, timestamp, recv_window)?;
        Ok(SigningInstructions::new(query, body, self.api_key()))
    }

    /// [`sign_http`](Self::sign_http) with the timestamp from the shared server clock.
    ///
    /// # Errors
    ///
    /// [`Error::Clock`] when the clock gives no timestamp (probe the server time), and as
    /// [`sign_http`](Self::sign_http).
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn sign_http_now<R: SignableRequest>(
        &self,
        request: &mut R,
        clock: &crate::ServerClock,
        recv_window: Option<crate::RecvWindow>,
    ) -> Result<(), Error> {
        let timestamp = clock.timestamp().map_err(Error::Clock)?;
        self.sign_http(request, timestamp, recv_window)
    }

    /// The signed query and body of a request whose query and body are `query` and `body`.
    pub(crate) fn sign_wire(
        &self,
        query: &str,
        body: &[u8],
        timestamp: crate::Timestamp,
        recv_window: Option<crate::RecvWindow>,
    ) -> Result<(String, String), Error> {
        let body = std::str::from_utf8(body).map_err(|e| {
            Error::Wire(WireError::MalformedWire {
                part: crate::Part::Body,
                position: e.valid_up_to(),
                reason: crate::wire::error::WireRule::BodyNotUtf8,
            })
        })?;
        // The caller's parts are checked once; what is appended is built from typed values.
        let found = crate::wire::read_encoded(query, body)?;
        let tail = Tail {
            recv_window: recv_window.filter(|_| found.recv_window.is_none()),
            timestamp: Some(timestamp).filter(|_| found.timestamp.is_none()),
        };
        self.apply_product_rules(
            found.timestamp.unwrap_or(timestamp),
            found.recv_window.or(tail.recv_window),
        )?;
        let (query, body, _) = sign_appending(self.signing_key(), query, body, tail)?;
        Ok((query, body))
    }
}

/// `uri` with its query replaced by `query` (none when empty), its path kept.
fn with_query(uri: &http::Uri, query: &str) -> Result<http::Uri, Error> {
    let mut parts = uri.clone().into_parts();
    let path = parts
        .path_and_query
        .as_ref()
        .map_or("/", |pq| pq.path())
        .to_owned();
    let path_and_query = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    parts.path_and_query = Some(path_and_query.parse().map_err(|e| {
        Error::Wire(WireError::InvalidUrl {
            url: crate::source::excerpt(&path_and_query, 200),
            reason: crate::wire::error::UrlRule::QueryDoesNotFit,
            source: Some(Source::new(e)),
        })
    })?);
    http::Uri::from_parts(parts).map_err(|e| {
        Error::Wire(WireError::InvalidUrl {
            url: crate::source::excerpt(&path_and_query, 200),
            reason: crate::wire::error::UrlRule::RequestDoesNotFit,
            source: Some(Source::new(e)),
        })
    })
}

/// What a signed request's headers must say, set in one place for every way a request is
/// built here (`to_http`, `sign_http`, the client adapters): `X-MBX-APIKEY` when there is an
/// API key; for a body, `Content-Type: application/x-www-form-urlencoded` and a
/// `Content-Length` of the signed body. Without a body, a `Content-Length` the request carried
/// is removed. A length left from before signing would make hyper send only that many bytes:
/// Binance would see no `timestamp` or `signature` and answer -1022.
pub(crate) fn set_signed_headers(
    headers: &mut http::HeaderMap,
    api_key: Option<&str>,
    body_len: usize,
) -> Result<(), Error> {
    if let Some(api_key) = api_key {
        let value = http::HeaderValue::from_str(api_key)
            .map_err(|e| Error::Wire(WireError::Http(Source::new(e))))?;
        headers.insert(API_KEY_HEADER, value);
    }
    if body_len > 0 {
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from(body_len),
        );
    } else {
        headers.remove(http::header::CONTENT_LENGTH);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Params, Signer, Timestamp};

    #[test]
    fn query_is_attached_verbatim_and_bad_urls_are_refused() {
        let signer = Signer::hmac("key", "secret").unwrap();
        let params = Params::try_from_pairs([("symbol", "１"), ("email", "a+b@c.d")]).unwrap();
        let req = signer
            .sign_query(
                &params,
                Timestamp::from_millis(1_700_000_000_000).unwrap(),
                None,
            )
            .unwrap();
        let http = req
            .to_http(http::Method::GET, "http://127.0.0.1:8080/", "/api/v3/order")
            .unwrap();
        assert_eq!(http.uri().query(), Some(req.query()));
        assert!(http.headers().get("content-type").is_none());
        assert_eq!(http.body(), "");
        for (base, path) in [
            ("api.binance.com", "/x"),
            ("https://a b", "/x"),
            ("https://h", "x"),
            ("https://h", "/x?y"),
        ] {
            assert!(
                req.to_http(http::Method::GET, base, path).is_err(),
                "{base} {path}"
            );
        }
    }
}
