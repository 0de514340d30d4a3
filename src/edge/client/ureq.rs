//! The blocking adapter: `ureq` 3 on the same engine, for bots without an async runtime.

use std::io::{Cursor, Read};
use std::sync::Mutex;
use std::time::Duration;

use super::drive::{Failure, Transport, drive, header_pairs};
use super::steps::{Outgoing, ProbeOutcome, ProbeReply};
use super::{ClientError, Exchange, Settings};
use crate::LocalReading;

/// A `ureq` agent (feature `ureq`) that signs, governs and resyncs the requests it runs, with
/// blocking sleeps and no async runtime; see the [module documentation](super).
///
/// It takes a gate whose answers need no runtime: the local
/// [`Governor`](crate::limits::Governor). A fleet's `FleetGovernor` talks to Redis on Tokio,
/// so [`new`](Self::new) refuses it ([`ClientError::GateNeedsRuntime`]); a fleet bot uses an
/// async adapter.
///
/// ```no_run
/// use std::sync::Arc;
/// use binance_sign::client::{Settings, SigningAgent};
/// use binance_sign::limits::{Governor, RateLimit, Weight};
/// use binance_sign::{ServerClock, Signer};
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings::new(Signer::hmac("api-key", "secret")?, ServerClock::new())
///     .governor(Arc::new(Governor::new(RateLimit::spot_defaults())))
///     .sign_paths(["/api/v3/order"]);
/// let agent = SigningAgent::new(settings)?;
/// let mut request = http::Request::post("https://testnet.binance.vision/api/v3/order/test")
///     .body(String::from("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"))?;
/// request.extensions_mut().insert(Weight::order(1));
/// let response = agent.run(request)?;
/// println!("{}", response.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub struct SigningAgent {
    agent: ::ureq::Agent,
    settings: Settings,
}

/// Why [`SigningAgent::run`] returned no response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UreqError {
    /// The engine stopped the request.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// `ureq` failed (the request may have reached Binance: it is not sent again).
    #[error(transparent)]
    Transport(#[from] ::ureq::Error),
}

impl SigningAgent {
    /// An agent with `settings`, answering 4xx and 5xx as responses (the engine reads them).
    ///
    /// # Errors
    ///
    /// [`ClientError::GateNeedsRuntime`] for a gate that needs a Tokio runtime.
    pub fn new(settings: Settings) -> Result<Self, ClientError> {
        if settings.gate_ref().is_some_and(|g| g.needs_runtime()) {
            return Err(ClientError::GateNeedsRuntime);
        }
        let agent = ::ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Self { agent, settings })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs `request` (signed when marked with [`Sign`](super::Sign) or under a configured path; weight
    /// from a [`Weight`](crate::limits::Weight) extension), blocking until the response or the refusal.
    ///
    /// # Errors
    ///
    /// [`UreqError::Client`] when the engine sent nothing (or nothing more);
    /// [`UreqError::Transport`] for `ureq`'s own errors.
    pub fn run<B>(
        &self,
        request: http::Request<B>,
    ) -> Result<http::Response<::ureq::Body>, UreqError>
    where
        B: crate::edge::http::SignableBody + Clone + Send + Sync,
    {
        let exchange = Exchange::for_request(&self.settings, &request);
        let mut transport = Blocking {
            agent: &self.agent,
            settings: &self.settings,
            template: request,
        };
        futures_executor::block_on(drive(exchange, &mut transport)).map_err(|e| match e {
            Failure::Client(e) => UreqError::Client(e),
            Failure::Transport(e) => UreqError::Transport(e),
        })
    }
}

struct Blocking<'a, B> {
    agent: &'a ::ureq::Agent,
    settings: &'a Settings,
    template: http::Request<B>,
}

/// A body reader shared with `ureq`'s `Sync` bound.
struct Rest(Mutex<::ureq::BodyReader<'static>>);

impl Read for Rest {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .read(buf)
    }
}

fn read_prefix(
    response: http::Response<::ureq::Body>,
    cap: usize,
) -> Result<(http::Response<::ureq::Body>, Vec<u8>), ::ureq::Error> {
    let (parts, body) = response.into_parts();
    let mut reader = body.into_reader();
    let mut read = Vec::new();
    (&mut reader)
        .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut read)?;
    let prefix = read[..read.len().min(cap)].to_vec();
    let whole = Cursor::new(read).chain(Rest(Mutex::new(reader)));
    let body = ::ureq::Body::builder().reader(whole);
    Ok((http::Response::from_parts(parts, body), prefix))
}

impl<B> Transport for Blocking<'_, B>
where
    B: crate::edge::http::SignableBody + Clone + Send + Sync,
{
    type Response = http::Response<::ureq::Body>;
    type Error = ::ureq::Error;

    fn reading(&self) -> LocalReading {
        self.settings.clock().reading()
    }

    async fn send(&mut self, outgoing: Outgoing) -> Result<Self::Response, Failure<Self::Error>> {
        let mut attempt = self.template.clone();
        outgoing.apply_to(&mut attempt).map_err(ClientError::Sign)?;
        let attempt = attempt.map(|b| b.to_bytes().into_owned());
        self.agent.run(attempt).map_err(Failure::Transport)
    }

    fn head(response: &Self::Response) -> (u16, Vec<(String, String)>) {
        (response.status().as_u16(), header_pairs(response.headers()))
    }

    async fn read_prefix(
        &mut self,
        response: Self::Response,
        cap: usize,
    ) -> Result<(Self::Response, Vec<u8>), Failure<Self::Error>> {
        read_prefix(response, cap).map_err(Failure::Transport)
    }

    async fn probe(&mut self, path: &str, cap: usize) -> ProbeOutcome {
        let mut parts = self.template.uri().clone().into_parts();
        parts.path_and_query = path.parse().ok();
        let url = http::Uri::from_parts(parts).map_or_else(|_| path.to_owned(), |u| u.to_string());
        let sent = self.reading();
        let reply = self
            .agent
            .get(&url)
            .call()
            .and_then(|response| {
                let (status, headers) = Self::head(&response);
                let (_, body) = read_prefix(response, cap)?;
                Ok(ProbeReply {
                    status,
                    headers,
                    body,
                })
            })
            .map_err(Into::into);
        ProbeOutcome {
            url,
            sent,
            received: self.reading(),
            reply,
        }
    }

    async fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
