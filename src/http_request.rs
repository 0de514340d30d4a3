//! Turning a [`SignedRequest`] into an `http::Request` (feature `http`), with no re-encoding.

use crate::error::{Error, Source};
use crate::signed::{API_KEY_HEADER, SignedRequest};

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
    /// [`Error::InvalidUrl`] for a base URL without scheme and host or a path that does not
    /// start with `/` or holds `?` or `#`; [`Error::Http`] if the `http` crate refuses the
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
            return Err(Error::InvalidUrl {
                url: crate::error::excerpt(path, 200),
                reason: "the path must start with `/` and hold no `?` or `#`",
                source: None,
            });
        }
        let base = base_url.trim_end_matches('/');
        let invalid_base = |source| Error::InvalidUrl {
            url: crate::error::excerpt(base_url, 200),
            reason: "the base URL needs a scheme and a host, like https://api.binance.com",
            source,
        };
        let uri = http::Uri::try_from(format!("{base}{}", self.path_and_query(path)))
            .map_err(|e| invalid_base(Some(Source::new(e))))?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(invalid_base(None));
        }
        let mut builder = http::Request::builder().method(method).uri(uri);
        if let Some(api_key) = self.api_key() {
            builder = builder.header(API_KEY_HEADER, api_key);
        }
        if !self.body().is_empty() {
            builder = builder.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        builder
            .body(self.body().to_owned())
            .map_err(|e| Error::Http(Source::new(e)))
    }
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
