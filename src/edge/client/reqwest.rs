//! The `reqwest-middleware` middleware.

use bytes::Bytes;
use http::Extensions;
use reqwest::{Request, Response, ResponseBuilderExt as _};
use reqwest_middleware::{Middleware, Next, Result};

use super::{ClientError, Reaction, Settings, Sign, Weight, headers_of, must_read, react};
use crate::ServerTime;
use crate::edge::http::set_signed_headers;

/// Signs, governs and resyncs the requests of a `reqwest_middleware::ClientWithMiddleware`
/// (feature `reqwest-middleware`); see the [module documentation](super).
///
/// ```no_run
/// use std::sync::Arc;
/// use binance_sign::client::{Settings, Sign, SigningMiddleware, Weight};
/// use binance_sign::{ServerClock, Signer};
/// use binance_sign::limits::{Governor, RateLimit};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings::new(Signer::hmac("api-key", "secret")?, ServerClock::new())
///     .governor(Arc::new(Governor::new(RateLimit::spot_defaults())))
///     .sign_paths(["/api/v3/order", "/api/v3/account"]);
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(SigningMiddleware::new(settings))
///     .build();
/// let response = client
///     .post("https://testnet.binance.vision/api/v3/order/test")
///     .body("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001")
///     .with_extension(Sign)            // sign this one (its path is not in sign_paths)
///     .with_extension(Weight::order(1))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub struct SigningMiddleware {
    settings: Settings,
}

impl SigningMiddleware {
    /// A middleware with `settings`.
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// One probe of the server time: the configured probe, or a `GET` of the time path on the
    /// request's host through the rest of the chain.
    async fn probe(&self, like: &Request, next: &Next<'_>) -> std::result::Result<(), ClientError> {
        if let Some(answer) = self.settings.custom_probe().await {
            return answer;
        }
        let mut url = like.url().clone();
        url.set_path(self.settings.time_path_str());
        url.set_query(None);
        let admitted = self.settings.admit_probe().await?;
        // Read after the governor's wait, so the round trip is only the request's own.
        let sent = self.settings.clock().reading();
        let mut extensions = Extensions::new();
        let response = next
            .clone()
            .run(Request::new(http::Method::GET, url), &mut extensions)
            .await
            .map_err(|e| ClientError::Probe(Box::new(e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Probe(Box::new(e)))?;
        self.settings
            .observe(admitted, status, headers_of(&headers), Some(&body));
        self.settings.observe_time(sent, &body)
    }

    /// Feeds a response to the governor, reading its body first when it must be read (to see
    /// `-1021` on a signed request, a ban end on a 429 or 418); the body read, if it was.
    async fn observed(
        &self,
        sent: Option<ServerTime>,
        response: Response,
        signed: bool,
    ) -> Result<(Response, Option<Bytes>)> {
        let status = response.status().as_u16();
        if !must_read(status, signed, self.settings.governed()) {
            self.settings
                .observe(sent, status, headers_of(response.headers()), None);
            return Ok((response, None));
        }
        let (response, bytes) = buffered(response).await?;
        self.settings
            .observe(sent, status, headers_of(response.headers()), Some(&bytes));
        Ok((response, Some(bytes)))
    }

    /// Probes when the clock asks for it; see [`Settings::keep_time`].
    async fn keep_time(
        &self,
        like: &Request,
        next: &Next<'_>,
    ) -> std::result::Result<(), ClientError> {
        self.settings
            .keep_time(async || self.probe(like, next).await)
            .await
    }

    /// `template` signed with a fresh timestamp (probing once if the clock asks for it).
    async fn signed(
        &self,
        template: &Request,
        query: &str,
        body: &[u8],
        next: &Next<'_>,
    ) -> std::result::Result<Request, ClientError> {
        let signed = self
            .settings
            .sign_probing(query, body, async || self.probe(template, next).await)
            .await?;
        let mut request = template.try_clone().ok_or(ClientError::StreamingBody)?;
        let (query, body) = signed;
        request
            .url_mut()
            .set_query(if query.is_empty() { None } else { Some(&query) });
        let body_len = body.len();
        if body_len > 0 || request.body().is_some() {
            *request.body_mut() = Some(body.into());
        }
        set_signed_headers(
            request.headers_mut(),
            self.settings.signer().api_key(),
            body_len,
        )
        .map_err(ClientError::Sign)?;
        Ok(request)
    }
}

/// The response with its body read, and the body.
async fn buffered(response: Response) -> Result<(Response, Bytes)> {
    let (status, version, url) = (
        response.status(),
        response.version(),
        response.url().clone(),
    );
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    let rebuilt = builder
        .body(body.clone())
        .map_err(reqwest_middleware::Error::middleware)?;
    Ok((Response::from(rebuilt), body))
}

fn fail(e: ClientError) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(e)
}

#[async_trait::async_trait]
impl Middleware for SigningMiddleware {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        let marked = extensions.get::<Sign>().is_some();
        let weight = extensions.get::<Weight>().copied().unwrap_or_default();
        let sign = self.settings.should_sign(req.url().path(), marked);
        if !sign {
            if !self.settings.governed() {
                return next.run(req, extensions).await;
            }
            // Governed, not signed: no retry, so the request goes as it is (any body).
            self.keep_time(&req, &next).await.map_err(fail)?;
            let sent = self.settings.admit(weight).await.map_err(fail)?;
            let response = next.clone().run(req, extensions).await?;
            return Ok(self.observed(sent, response, false).await?.0);
        }
        // The request as the caller built it, to sign afresh on a retry.
        let body = match req.body() {
            None => Vec::new(),
            Some(body) => body
                .as_bytes()
                .ok_or_else(|| fail(ClientError::StreamingBody))?
                .to_vec(),
        };
        let query = req.url().query().unwrap_or("").to_owned();
        let mut retried = false;
        loop {
            self.keep_time(&req, &next).await.map_err(fail)?;
            let sent = self.settings.admit(weight).await.map_err(fail)?;
            let request = self
                .signed(&req, &query, &body, &next)
                .await
                .map_err(fail)?;
            let response = next.clone().run(request, extensions).await?;
            let status = response.status().as_u16();
            let (response, bytes) = self.observed(sent, response, true).await?;
            let Some(bytes) = bytes else {
                return Ok(response);
            };
            match react(status, &bytes, retried) {
                Reaction::Resync => {
                    // The server clock moved: probe now, whatever the clock thinks, and send
                    // once more with a fresh timestamp.
                    self.probe(&req, &next).await.map_err(fail)?;
                    let mut extra = 0;
                    while self.settings.probe_again_after_resync(&mut extra).await {
                        self.probe(&req, &next).await.map_err(fail)?;
                    }
                    retried = true;
                }
                Reaction::Return => return Ok(response),
            }
        }
    }
}
