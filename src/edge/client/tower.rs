//! The `tower` layer and service.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use super::{
    BoxError, ClientError, Reaction, Settings, Sign, Weight, headers_of, must_read, react,
};
use crate::edge::http::{SignableBody, apply};

/// The future of a [`SigningService`] call.
pub type SigningFuture<R> = Pin<Box<dyn Future<Output = Result<R, BoxError>> + Send>>;

/// A `tower` layer (feature `tower`) that signs, governs and resyncs the requests of the
/// service it wraps (a hyper client, say); see the [module documentation](super).
///
/// Request bodies must implement [`SignableBody`] (`String`, `Vec<u8>`, `bytes::Bytes`): a
/// streaming body cannot be signed, so it does not type-check. Responses whose body had to be
/// read (a 4xx to a signed request, a 429 or 418) come back as `Either::Right(Full<Bytes>)`,
/// the others untouched as `Either::Left`.
///
/// The service's futures must run on a Tokio runtime: the governor's waits are
/// `tokio::time::sleep`s and RSA keys sign on `tokio::task::spawn_blocking`.
///
/// ```no_run
/// use binance_sign::client::{Settings, SigningLayer};
/// use binance_sign::{ServerClock, Signer};
/// use tower_layer::Layer;
/// # fn client<S>(hyper_client: S) -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings::new(Signer::hmac("api-key", "secret")?, ServerClock::new())
///     .sign_paths(["/api/v3/order"]);
/// let service = SigningLayer::new(settings).layer(hyper_client);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct SigningLayer {
    settings: Settings,
}

impl SigningLayer {
    /// A layer with `settings`.
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }
}

impl<S> Layer<S> for SigningLayer {
    type Service = SigningService<S>;

    fn layer(&self, inner: S) -> SigningService<S> {
        SigningService {
            inner,
            settings: self.settings.clone(),
        }
    }
}

/// The service [`SigningLayer`] makes.
#[derive(Clone, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct SigningService<S> {
    inner: S,
    settings: Settings,
}

impl<S> SigningService<S> {
    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

type Out<ResB> = http::Response<Either<ResB, Full<Bytes>>>;

impl<S, B, ResB> Service<http::Request<B>> for SigningService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: SignableBody + Clone + Send + 'static,
    ResB: http_body::Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    type Response = Out<ResB>;
    type Error = BoxError;
    type Future = SigningFuture<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The service that was polled ready takes this request; a clone takes its place.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let settings = self.settings.clone();
        Box::pin(run(settings, inner, request))
    }
}

async fn send<S, B, ResB>(
    inner: &mut S,
    request: http::Request<B>,
) -> Result<http::Response<ResB>, BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>>,
    S::Error: Into<BoxError>,
{
    poll_fn(|cx| inner.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    inner.call(request).await.map_err(Into::into)
}

/// One probe of the server time through `inner` (or the configured probe).
async fn probe<S, B, ResB>(
    settings: &Settings,
    inner: &mut S,
    like: &Target,
) -> Result<(), BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>>,
    S::Error: Into<BoxError>,
    B: SignableBody,
    ResB: http_body::Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
{
    if let Some(answer) = settings.custom_probe().await {
        return Ok(answer?);
    }
    let mut parts = like.uri.clone().into_parts();
    parts.path_and_query = Some(settings.time_path_str().parse()?);
    let mut request = http::Request::get(http::Uri::from_parts(parts)?).body(B::empty())?;
    if let Some(host) = &like.host {
        request
            .headers_mut()
            .insert(http::header::HOST, host.clone());
    }
    let admitted = settings.admit_probe().await?;
    // Read after the governor's wait, so the round trip is only the request's own.
    let sent = settings.clock().reading();
    let response = send(inner, request).await.map_err(ClientError::Probe)?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| ClientError::Probe(e.into()))?
        .to_bytes();
    let status = parts.status.as_u16();
    settings.observe(admitted, status, headers_of(&parts.headers), Some(&body));
    Ok(settings.observe_time(sent, &body)?)
}

/// Where a request goes: its URI and `Host` header, for the probe.
struct Target {
    uri: http::Uri,
    host: Option<http::HeaderValue>,
}

async fn run<S, B, ResB>(
    settings: Settings,
    mut inner: S,
    request: http::Request<B>,
) -> Result<Out<ResB>, BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>>,
    S::Error: Into<BoxError>,
    B: SignableBody + Clone,
    ResB: http_body::Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
{
    let marked = request.extensions().get::<Sign>().is_some();
    let weight = request
        .extensions()
        .get::<Weight>()
        .copied()
        .unwrap_or_default();
    let sign = settings.should_sign(request.uri().path(), marked);
    if !sign && !settings.governed() {
        return Ok(send(&mut inner, request).await?.map(Either::Left));
    }
    let query = request.uri().query().unwrap_or("").to_owned();
    let body = request.body().bytes().to_vec();
    let target = Target {
        uri: request.uri().clone(),
        host: request.headers().get(http::header::HOST).cloned(),
    };
    let mut retried = false;
    loop {
        settings
            .keep_time(async || probe(&settings, &mut inner, &target).await)
            .await?;
        let sent = settings.admit(weight).await?;
        let mut attempt = request.clone();
        if sign {
            let (q, b) = settings
                .sign_probing(&query, &body, async || {
                    probe(&settings, &mut inner, &target).await
                })
                .await?;
            apply(&mut attempt, &q, b, settings.signer().api_key()).map_err(ClientError::Sign)?;
        }
        let response = send(&mut inner, attempt).await?;
        let status = response.status().as_u16();
        if !must_read(status, sign, settings.governed()) {
            settings.observe(sent, status, headers_of(response.headers()), None);
            return Ok(response.map(Either::Left));
        }
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(Into::into)?.to_bytes();
        settings.observe(sent, status, headers_of(&parts.headers), Some(&bytes));
        match react(status, &bytes, retried || !sign) {
            Reaction::Resync => {
                probe(&settings, &mut inner, &target).await?;
                let mut extra = 0;
                while settings.probe_again_after_resync(&mut extra).await {
                    probe(&settings, &mut inner, &target).await?;
                }
                retried = true;
            }
            Reaction::Return => {
                return Ok(http::Response::from_parts(
                    parts,
                    Either::Right(Full::new(bytes)),
                ));
            }
        }
    }
}
