//! The `tower` layer and service.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use tower_layer::Layer;
use tower_service::Service;

use super::drive::{Failure, Transport, drive, header_pairs};
use super::steps::{Input, Outgoing, ProbeOutcome, ProbeReply, SignJob};
use super::{BoxError, ClientError, Exchange, Settings, Sign};
use crate::LocalReading;
use crate::edge::http::SignableBody;

/// The future of a [`SigningService`] call.
pub type SigningFuture<R> = Pin<Box<dyn Future<Output = Result<R, BoxError>> + Send>>;

/// A `tower` layer (feature `tower`) that signs, governs and resyncs the requests of the
/// service it wraps (a hyper client, say); see the [module documentation](super).
///
/// Request bodies must implement [`SignableBody`] (`String`, `Vec<u8>`, `bytes::Bytes`,
/// `http_body_util::Full<Bytes>`; for any other body, such as a `BoxBody`, collect it and use
/// [`Signer::signing_instructions`](crate::Signer::signing_instructions)): a
/// streaming body cannot be signed, so it does not type-check. Responses come back with a
/// [`Replayed`] body: the inner body, after the prefix the engine read (up to
/// [`READ_CAP`](super::READ_CAP), for a 4xx to a signed request, a 429 or a 418).
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

type Out<ResB> = http::Response<Replayed<ResB>>;

/// A response body the engine may have read the start of: that prefix again, then the rest
/// of the inner body as it arrives. The caller reads the whole body, however long.
#[derive(Debug)]
pub struct Replayed<B> {
    prefix: Option<Bytes>,
    rest: Option<Pin<Box<B>>>,
}

impl<B> Replayed<B> {
    fn unread(body: B) -> Self {
        Self {
            prefix: None,
            rest: Some(Box::pin(body)),
        }
    }
}

impl<B> Body for Replayed<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Some(prefix) = this.prefix.take().filter(|p| !p.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(prefix))));
        }
        match &mut this.rest {
            None => Poll::Ready(None),
            Some(rest) => rest
                .as_mut()
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(Into::into))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.as_ref().is_none_or(Bytes::is_empty)
            && self.rest.as_ref().is_none_or(|r| r.is_end_stream())
    }
}

impl<S, B, ResB> Service<http::Request<B>> for SigningService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: SignableBody + Clone + Send + Sync + 'static,
    ResB: Body<Data = Bytes> + Send + 'static,
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

/// The inner service, for one request.
struct Inner<S, B> {
    settings: Settings,
    inner: S,
    template: http::Request<B>,
}

async fn call<S, B, ResB>(inner: &mut S, request: http::Request<B>) -> Result<Out<ResB>, BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>>,
    S::Error: Into<BoxError>,
{
    poll_fn(|cx| inner.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    let response = inner.call(request).await.map_err(Into::into)?;
    Ok(response.map(Replayed::unread))
}

/// Reads at most `cap` bytes of the body's rest into its prefix.
async fn read_prefix<ResB>(
    response: Out<ResB>,
    cap: usize,
) -> Result<(Out<ResB>, Vec<u8>), BoxError>
where
    ResB: Body<Data = Bytes>,
    ResB::Error: Into<BoxError>,
{
    let (parts, mut body) = response.into_parts();
    let mut read = Vec::new();
    if let Some(rest) = &mut body.rest {
        while read.len() <= cap {
            match poll_fn(|cx| rest.as_mut().poll_frame(cx)).await {
                None => {
                    body.rest = None;
                    break;
                }
                Some(frame) => {
                    if let Ok(data) = frame.map_err(Into::into)?.into_data() {
                        read.extend_from_slice(&data);
                    }
                }
            }
        }
    }
    let prefix = read[..read.len().min(cap)].to_vec();
    body.prefix = Some(Bytes::from(read));
    Ok((http::Response::from_parts(parts, body), prefix))
}

impl<S, B, ResB> Transport for Inner<S, B>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>> + Send,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: SignableBody + Clone + Send + Sync,
    ResB: Body<Data = Bytes> + Send,
    ResB::Error: Into<BoxError>,
{
    type Response = Out<ResB>;
    type Error = BoxError;

    fn reading(&self) -> LocalReading {
        self.settings.clock().reading()
    }

    async fn send(&mut self, outgoing: Outgoing) -> Result<Out<ResB>, Failure<BoxError>> {
        let mut attempt = self.template.clone();
        outgoing.apply_to(&mut attempt).map_err(ClientError::Sign)?;
        call(&mut self.inner, attempt)
            .await
            .map_err(Failure::Transport)
    }

    fn head(response: &Out<ResB>) -> (u16, Vec<(String, String)>) {
        (response.status().as_u16(), header_pairs(response.headers()))
    }

    async fn read_prefix(
        &mut self,
        response: Out<ResB>,
        cap: usize,
    ) -> Result<(Out<ResB>, Vec<u8>), Failure<BoxError>> {
        read_prefix(response, cap).await.map_err(Failure::Transport)
    }

    async fn probe(&mut self, path: &str, cap: usize) -> ProbeOutcome {
        let mut parts = self.template.uri().clone().into_parts();
        let url = {
            parts.path_and_query = path.parse().ok();
            http::Uri::from_parts(parts).map_or_else(|_| path.to_owned(), |u| u.to_string())
        };
        let sent = self.reading();
        let reply = async {
            let mut request = http::Request::get(url.as_str()).body(B::empty())?;
            if let Some(host) = self.template.headers().get(http::header::HOST) {
                request
                    .headers_mut()
                    .insert(http::header::HOST, host.clone());
            }
            let response = call(&mut self.inner, request).await?;
            let (status, headers) = Self::head(&response);
            let (_, body) = read_prefix(response, cap).await?;
            Ok::<_, BoxError>(ProbeReply {
                status,
                headers,
                body,
            })
        }
        .await;
        ProbeOutcome {
            url,
            sent,
            received: self.reading(),
            reply,
        }
    }

    async fn sleep(&mut self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }

    async fn sign(&mut self, job: SignJob) -> Result<Input, Failure<BoxError>> {
        if !job.is_slow() {
            return Ok(job.run());
        }
        tokio::task::spawn_blocking(move || job.run())
            .await
            .map_err(|e| Failure::Client(ClientError::Task(Box::new(e))))
    }
}

async fn run<S, B, ResB>(
    settings: Settings,
    mut inner: S,
    request: http::Request<B>,
) -> Result<Out<ResB>, BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>> + Send,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: SignableBody + Clone + Send + Sync,
    ResB: Body<Data = Bytes> + Send,
    ResB::Error: Into<BoxError>,
{
    let sign = settings.should_sign(
        request.uri().path(),
        request.extensions().get::<Sign>().is_some(),
    );
    if !sign && settings.gate_ref().is_none() {
        return call(&mut inner, request).await;
    }
    let exchange = Exchange::for_request(&settings, &request);
    let mut transport = Inner {
        settings,
        inner,
        template: request,
    };
    match drive(exchange, &mut transport).await {
        Ok(response) => Ok(response),
        Err(Failure::Transport(e)) => Err(e),
        Err(Failure::Client(e)) => Err(Box::new(e)),
    }
}
