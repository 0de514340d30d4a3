//! The `reqwest-middleware` adapter: a [`Transport`] over the rest of the middleware chain.

use bytes::Bytes;
use http::Extensions;
use reqwest::{Request, Response, ResponseBuilderExt as _};
use reqwest_middleware::{Middleware, Next, Result};

use super::drive::{Failure, Transport, drive, header_pairs};
use super::steps::{Input, Outgoing, ProbeOutcome, ProbeReply, SignJob};
use super::{ClientError, Exchange, Settings, Sign};
use crate::LocalReading;
use crate::edge::http::SignableRequest as _;
use crate::limits::Weight;

/// Signs, governs and resyncs the requests of a `reqwest_middleware::ClientWithMiddleware`
/// (feature `reqwest-middleware`, built on reqwest 0.13 and reqwest-middleware 0.5, both
/// re-exported from [`client`](super)); see the [module documentation](super).
///
/// ```no_run
/// use std::sync::Arc;
/// use binance_sign::client::{Settings, Sign, SigningMiddleware};
/// use binance_sign::client::{reqwest, reqwest_middleware};
/// use binance_sign::limits::{Governor, RateLimit, Weight};
/// use binance_sign::{ServerClock, Signer};
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
}

/// The rest of the chain, for one request.
struct Chain<'a, 'n> {
    settings: &'a Settings,
    /// The request as the caller built it: cloned for each signed send, taken once unsigned.
    template: Option<Request>,
    next: Next<'n>,
    extensions: &'a mut Extensions,
}

impl Transport for Chain<'_, '_> {
    type Response = Response;
    type Error = reqwest_middleware::Error;

    fn reading(&self) -> LocalReading {
        self.settings.clock().reading()
    }

    async fn send(
        &mut self,
        outgoing: Outgoing,
    ) -> std::result::Result<Response, Failure<Self::Error>> {
        let template = self.template.as_ref().ok_or(ClientError::StreamingBody)?;
        let request = if outgoing.signed().is_some() {
            let mut request = template.try_clone().ok_or(ClientError::StreamingBody)?;
            outgoing.apply_to(&mut request).map_err(ClientError::Sign)?;
            request
        } else {
            self.template.take().ok_or(ClientError::StreamingBody)?
        };
        self.next
            .clone()
            .run(request, self.extensions)
            .await
            .map_err(Failure::Transport)
    }

    fn head(response: &Response) -> (u16, Vec<(String, String)>) {
        (response.status().as_u16(), header_pairs(response.headers()))
    }

    async fn read_prefix(
        &mut self,
        response: Response,
        cap: usize,
    ) -> std::result::Result<(Response, Vec<u8>), Failure<Self::Error>> {
        read_prefix(response, cap)
            .await
            .map_err(|e| Failure::Transport(e.into()))
    }

    async fn probe(&mut self, path: &str, cap: usize) -> ProbeOutcome {
        let mut url = match &self.template {
            Some(t) => t.url().clone(),
            None => reqwest::Url::parse("http://invalid/").unwrap_or_else(|_| unreachable!()),
        };
        url.set_path(path);
        url.set_query(None);
        let sent = self.reading();
        let reply = async {
            let response = self
                .next
                .clone()
                .run(
                    Request::new(http::Method::GET, url.clone()),
                    &mut Extensions::new(),
                )
                .await?;
            let (status, headers) = Self::head(&response);
            let (_, body) = read_prefix(response, cap).await?;
            Ok::<_, reqwest_middleware::Error>(ProbeReply {
                status,
                headers,
                body,
            })
        }
        .await;
        ProbeOutcome {
            url: url.to_string(),
            sent,
            received: self.reading(),
            reply: reply.map_err(Into::into),
        }
    }

    async fn sleep(&mut self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }

    async fn sign(&mut self, job: SignJob) -> std::result::Result<Input, Failure<Self::Error>> {
        if !job.is_slow() {
            return Ok(job.run());
        }
        tokio::task::spawn_blocking(move || job.run())
            .await
            .map_err(|e| Failure::Client(ClientError::Task(Box::new(e))))
    }
}

/// Reads at most `cap` bytes of `response`'s body; the response handed back yields the whole
/// body (what was read, then the rest as it arrives).
async fn read_prefix(mut response: Response, cap: usize) -> reqwest::Result<(Response, Vec<u8>)> {
    let mut read = Vec::new();
    let mut complete = false;
    while read.len() <= cap {
        match response.chunk().await? {
            Some(chunk) => read.extend_from_slice(&chunk),
            None => {
                complete = true;
                break;
            }
        }
    }
    let prefix = read[..read.len().min(cap)].to_vec();
    let (status, version, url) = (
        response.status(),
        response.version(),
        response.url().clone(),
    );
    let headers = response.headers().clone();
    let body = if complete {
        reqwest::Body::from(read)
    } else {
        let first =
            futures_util::stream::once(async move { Ok::<_, reqwest::Error>(Bytes::from(read)) });
        let rest = futures_util::stream::unfold(response, |mut r| async move {
            match r.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), r)),
                Ok(None) => None,
                Err(e) => Some((Err(e), r)),
            }
        });
        reqwest::Body::wrap_stream(futures_util::StreamExt::chain(first, rest))
    };
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    let rebuilt = builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(reqwest::Body::from(Vec::new())));
    Ok((Response::from(rebuilt), prefix))
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
        if !sign && self.settings.gate_ref().is_none() {
            return next.run(req, extensions).await;
        }
        let (query, body) = if sign {
            let body = req
                .body_bytes()
                .map_err(|_| reqwest_middleware::Error::middleware(ClientError::StreamingBody))?
                .into_owned();
            (req.raw_query().to_owned(), body)
        } else {
            (String::new(), Vec::new())
        };
        let exchange = Exchange::new(&self.settings, &query, &body, weight, sign);
        let mut chain = Chain {
            settings: &self.settings,
            template: Some(req),
            next,
            extensions,
        };
        match drive(exchange, &mut chain).await {
            Ok(response) => Ok(response),
            Err(Failure::Transport(e)) => Err(e),
            Err(Failure::Client(e)) => Err(reqwest_middleware::Error::middleware(e)),
        }
    }
}
