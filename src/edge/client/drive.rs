//! The one loop that carries out an [`Exchange`]'s actions over a [`Transport`]: every
//! adapter (reqwest, tower, ureq) is a transport, so none of them holds policy.

use std::future::Future;
use std::time::Duration;

use super::engine::Exchange;
use super::error::ClientError;
use super::steps::{Action, Input, Outgoing, ProbeOutcome, SignJob};
use crate::LocalReading;

/// What an HTTP client does for the engine: send, read a bounded prefix of a body, probe the
/// server time, sleep. Implement it to drive any other client with [`drive`].
pub trait Transport: Send {
    /// The client's response.
    type Response: Send;
    /// The client's error (handed back to the caller as it is).
    type Error: Send;

    /// The local clock now (the shared [`ServerClock`](crate::ServerClock)'s reading).
    fn reading(&self) -> LocalReading;

    /// Sends the request (signed as `outgoing` says, or as it is).
    fn send(
        &mut self,
        outgoing: Outgoing,
    ) -> impl Future<Output = Result<Self::Response, Failure<Self::Error>>> + Send;

    /// A response's status and headers.
    fn head(response: &Self::Response) -> (u16, Vec<(String, String)>);

    /// Reads at most `cap` bytes of the body; the response handed back still yields the
    /// whole body to the caller.
    fn read_prefix(
        &mut self,
        response: Self::Response,
        cap: usize,
    ) -> impl Future<Output = Result<Prefixed<Self::Response>, Failure<Self::Error>>> + Send;

    /// `GET path` on the request's host, its body read up to `cap`.
    fn probe(&mut self, path: &str, cap: usize) -> impl Future<Output = ProbeOutcome> + Send;

    /// Sleeps.
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Signs (inline by default; an async client puts a slow job on a blocking thread).
    fn sign(
        &mut self,
        job: SignJob,
    ) -> impl Future<Output = Result<Input, Failure<Self::Error>>> + Send {
        std::future::ready(Ok(job.run()))
    }
}

/// A response whose body's first bytes were read, and those bytes (at most the cap).
pub type Prefixed<R> = (R, Vec<u8>);

/// Why [`drive`] stopped: the engine's refusal, or the client's own error.
#[derive(Debug)]
pub enum Failure<E> {
    /// The engine stopped the request.
    Client(ClientError),
    /// The client failed.
    Transport(E),
}

impl<E> From<ClientError> for Failure<E> {
    fn from(e: ClientError) -> Self {
        Failure::Client(e)
    }
}

/// Runs `exchange` to its end over `transport`: the response to hand back, or why not.
///
/// # Errors
///
/// The engine's [`ClientError`], or the transport's error.
pub async fn drive<T: Transport>(
    mut exchange: Exchange,
    transport: &mut T,
) -> Result<T::Response, Failure<T::Error>> {
    let mut response: Option<T::Response> = None;
    let mut input = Input::Start;
    loop {
        input = match exchange.step(input, transport.reading()) {
            Action::Sleep(duration) => {
                transport.sleep(duration).await;
                Input::Slept
            }
            Action::Gate(call) => call.run().await,
            Action::Probe { path } => Input::Probed(transport.probe(&path, super::READ_CAP).await),
            Action::Sign(job) => transport.sign(job).await?,
            Action::Send(outgoing) => {
                let sent = transport.send(outgoing).await?;
                let (status, headers) = T::head(&sent);
                response = Some(sent);
                Input::Response { status, headers }
            }
            Action::ReadBody { cap } => {
                let Some(sent) = response.take() else {
                    return Err(missing());
                };
                let (sent, prefix) = transport.read_prefix(sent, cap).await?;
                response = Some(sent);
                Input::Body(prefix)
            }
            Action::Return => return response.ok_or_else(missing),
            Action::Fail(e) => return Err(Failure::Client(e)),
        };
    }
}

fn missing<E>() -> Failure<E> {
    Failure::Client(ClientError::OutOfStep {
        stage: "drive",
        input: "an action with no response to act on",
    })
}

/// A response's headers as owned name/value pairs (values that are not visible ASCII left
/// out), as [`Input::Response`] takes them.
pub fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    crate::limits::headers::http_pairs(headers)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
