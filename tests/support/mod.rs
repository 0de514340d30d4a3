//! A local stand-in for Binance: a real HTTP server (`axum`) on 127.0.0.1 that applies
//! Binance's documented checks to the raw bytes it receives, with its own signature checks
//! (HMAC with `hmac`, Ed25519 with `ed25519-dalek`, RSA with `rsa`) and its own clock.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

pub mod redis_server;
pub mod scripted;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
pub const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
/// The API key the server pairs with the Ed25519 test key.
pub const ED25519_KEY: &str = "ed25519-api-key";
/// The API key the server pairs with the RSA test key.
pub const RSA_KEY: &str = "rsa-api-key";
pub const ED25519_PEM: &str = include_str!("../data/ed25519-binance-docs.pem");
pub const RSA_PEM: &str = include_str!("../data/rsa-2048.pem");

/// A scripted answer, given instead of checking the next signed request.
#[derive(Clone, Debug)]
pub enum Scripted {
    /// HTTP 429 with this `Retry-After` (seconds).
    TooMany(u64),
    /// HTTP 418 with this `Retry-After` (seconds) and a `-1003` "banned until" message.
    Banned(u64),
    /// This HTTP status with a small JSON error.
    Status(u16),
    /// HTTP 429 with these `Retry-After` headers, in order.
    TooManyWith(Vec<&'static str>),
    /// HTTP 400 with a `-1013` error whose message is this many bytes long.
    Long(usize),
    /// HTTP 429 with `Retry-After: 1` and a message this many bytes long.
    LongTooMany(usize),
}

#[derive(Debug, Default)]
pub struct State {
    /// Added to the server's clock, ms.
    pub offset_ms: i64,
    /// Answers to give the next requests (other than `/api/v3/time`), in order.
    pub script: VecDeque<Scripted>,
    /// Every request received: (path, time since start, status answered).
    pub log: Vec<(String, std::time::Duration, u16)>,
    /// Answers to give the next `/api/v3/time` requests, in order.
    pub time_script: VecDeque<Scripted>,
    /// How long `/api/v3/time` takes to answer.
    pub time_delay: std::time::Duration,
}

#[derive(Clone)]
pub struct Binance {
    pub base: String,
    pub state: Arc<Mutex<State>>,
    started: Instant,
}

impl Binance {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let binance = Binance {
            base: format!("http://{addr}"),
            state: Arc::default(),
            started: Instant::now(),
        };
        let server = binance.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
            let server = server.clone();
            async move {
                let delay = server.state.lock().unwrap().time_delay;
                if uri.path().ends_with("/time") && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                server.handle(uri, headers, body)
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        binance
    }

    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        wall + self.state.lock().unwrap().offset_ms
    }

    /// Answers the next request (other than `/api/v3/time`) with `answer`.
    pub fn script(&self, answer: Scripted) {
        self.state.lock().unwrap().script.push_back(answer);
    }

    /// Answers the next `/api/v3/time` request with `answer`.
    pub fn script_time(&self, answer: Scripted) {
        self.state.lock().unwrap().time_script.push_back(answer);
    }

    /// The requests received for `path`.
    pub fn hits(&self, path: &str) -> Vec<(std::time::Duration, u16)> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, t, s)| (*t, *s))
            .collect()
    }

    fn handle(&self, uri: Uri, headers: HeaderMap, body: String) -> Response {
        let (status, reply, extra) = self.answer(&uri, &headers, &body);
        self.state.lock().unwrap().log.push((
            uri.path().to_owned(),
            self.started.elapsed(),
            status.as_u16(),
        ));
        let mut response = (status, axum::Json(reply)).into_response();
        for (k, v) in extra {
            response.headers_mut().append(k, v.parse().unwrap());
        }
        response
    }

    fn answer(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        body: &str,
    ) -> (StatusCode, Value, Vec<(&'static str, String)>) {
        let time = uri.path().ends_with("/time");
        let scripted = {
            let mut state = self.state.lock().unwrap();
            if time {
                state.time_script.pop_front()
            } else {
                state.script.pop_front()
            }
        };
        if time && scripted.is_none() {
            return (StatusCode::OK, json!({"serverTime": self.now_ms()}), vec![]);
        }
        match scripted {
            Some(Scripted::TooMany(secs)) => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"code": -1003, "msg": "Too many requests; current limit of IP is 6000 requests per minute."}),
                    vec![
                        ("retry-after", secs.to_string()),
                        ("x-mbx-used-weight-1m", "10".into()),
                    ],
                );
            }
            Some(Scripted::Banned(secs)) => {
                let until = self.now_ms() + secs as i64 * 1000;
                return (
                    StatusCode::IM_A_TEAPOT,
                    json!({"code": -1003, "msg": format!("Way too much request weight used; IP banned until {until}. Please use WebSocket Streams for live updates to avoid bans.")}),
                    vec![("retry-after", secs.to_string())],
                );
            }
            Some(Scripted::TooManyWith(values)) => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"code": -1003, "msg": "Too many requests."}),
                    values
                        .into_iter()
                        .map(|v| ("retry-after", v.to_owned()))
                        .collect(),
                );
            }
            Some(Scripted::Status(code)) => {
                return (
                    StatusCode::from_u16(code).unwrap(),
                    json!({"code": -1001, "msg": "Internal error; unable to process your request."}),
                    vec![],
                );
            }
            Some(Scripted::LongTooMany(len)) => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"code": -1003, "msg": "x".repeat(len)}),
                    vec![("retry-after", "1".to_owned())],
                );
            }
            Some(Scripted::Long(len)) => {
                return (
                    StatusCode::BAD_REQUEST,
                    json!({"code": -1013, "msg": "x".repeat(len)}),
                    vec![],
                );
            }
            None => {}
        }
        let (status, reply) = self.check(uri, headers, body);
        (status, reply, vec![("x-mbx-used-weight-1m", "1".into())])
    }

    /// Binance's checks, over the bytes as received.
    fn check(&self, uri: &Uri, headers: &HeaderMap, body: &str) -> (StatusCode, Value) {
        let error =
            |code: i64, msg: &str| (StatusCode::BAD_REQUEST, json!({"code": code, "msg": msg}));
        let Some(api_key) = headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok()) else {
            return error(-2014, "API-key format invalid.");
        };
        let query = uri.query().unwrap_or("");
        let last = if body.is_empty() { query } else { body };
        let (head, tail) = last.rsplit_once('&').unwrap_or(("", last));
        let Some(signature) = tail.strip_prefix("signature=") else {
            return error(
                -1102,
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
            );
        };
        let payload = if body.is_empty() {
            head.to_owned()
        } else {
            format!("{query}{head}")
        };
        if !verify(api_key, &payload, signature) {
            return error(-1022, "Signature for this request is not valid.");
        }
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .chain(form_urlencoded::parse(body.as_bytes()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let Some(timestamp) = get("timestamp").and_then(|t| t.parse::<i64>().ok()) else {
            return error(
                -1102,
                "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
            );
        };
        let window = get("recvWindow")
            .and_then(|w| w.parse::<f64>().ok())
            .unwrap_or(5000.0);
        let server = self.now_ms();
        if timestamp >= server + 1000 {
            return error(
                -1021,
                "Timestamp for this request was 1000ms ahead of the server's time.",
            );
        }
        if (server - timestamp) as f64 > window {
            return error(
                -1021,
                "Timestamp for this request is outside of the recvWindow.",
            );
        }
        (StatusCode::OK, json!({ "params": params }))
    }
}

/// Checks `signature` over `payload` with the key the API key stands for.
fn verify(api_key: &str, payload: &str, signature: &str) -> bool {
    use base64::Engine as _;
    let b64 = || {
        let text: String = form_urlencoded::parse(format!("s={signature}").as_bytes())
            .next()?
            .1
            .into_owned();
        base64::engine::general_purpose::STANDARD.decode(text).ok()
    };
    match api_key {
        KEY => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(payload.as_bytes());
            hex::decode(signature).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
        }
        ED25519_KEY => {
            use ed25519_dalek::pkcs8::DecodePrivateKey;
            let key = ed25519_dalek::SigningKey::from_pkcs8_pem(ED25519_PEM)
                .unwrap()
                .verifying_key();
            b64()
                .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
                .is_some_and(|s| key.verify_strict(payload.as_bytes(), &s).is_ok())
        }
        RSA_KEY => {
            use rsa::pkcs8::DecodePrivateKey;
            use rsa::signature::Verifier;
            let private = rsa::PrivateKey::from_pkcs8_pem(RSA_PEM).unwrap();
            let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(rsa::PublicKey::from(&private));
            b64()
                .and_then(|s| rsa::pkcs1v15::Signature::try_from(s.as_slice()).ok())
                .is_some_and(|s| key.verify(payload.as_bytes(), &s).is_ok())
        }
        _ => false,
    }
}

/// The decoded parameters the server saw, without the tail.
pub fn seen(reply: &Value) -> Vec<(String, String)> {
    serde_json::from_value::<Vec<(String, String)>>(reply["params"].clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !["recvWindow", "timestamp", "signature"].contains(&k.as_str()))
        .collect()
}
