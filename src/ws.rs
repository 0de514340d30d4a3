//! The WebSocket API (`ws-api/v3`, `ws-fapi/v1`): a different canonical form.
//!
//! REST signs the percent-encoded query in the order sent. The WebSocket API signs all `params`
//! except `signature` (including `apiKey` and `timestamp`), **sorted by key** in byte order,
//! joined as `k=v&k=v` over **raw UTF-8 values, no percent-encoding**; `apiKey` and the
//! unencoded signature travel inside the JSON `params`.
//!
//! ```
//! use binance_sign::{RecvWindow, Signer, Timestamp};
//! use binance_sign::ws::WsParams;
//! let signer = Signer::hmac("my-api-key", "my-secret")?;
//! let mut params = WsParams::new();
//! params.insert("symbol", "BTCUSDT")?;
//! params.insert("side", "SELL")?;
//! params.insert("quantity", "0.01000000")?;
//! let signed = signer.sign_ws(&params, Timestamp::from_millis(1_645_423_376_532)?, None)?;
//! assert_eq!(
//!     signed.payload(),
//!     "apiKey=my-api-key&quantity=0.01000000&side=SELL&symbol=BTCUSDT&timestamp=1645423376532"
//! );
//! let request = signed.to_request("order-1", "order.place");
//! assert_eq!(request["params"]["timestamp"], 1_645_423_376_532u64); // a JSON integer
//! assert_eq!(request["params"]["signature"], signed.signature());
//! # Ok::<(), binance_sign::Error>(())
//! ```

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::params::error::ParamError;
use crate::params::{Params, validate_key, validate_pair};
use crate::signer::Signer;
use crate::signing_key::error::{KeyError, VerifyError};
use crate::signing_key::{KeyKind, SigningKey};
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::Timestamp;

/// Keys the WebSocket signer sets itself.
const WS_RESERVED: [&str; 4] = ["apiKey", "signature", "timestamp", "recvWindow"];

/// The user parameters of a WebSocket API request, kept sorted by key in byte order.
///
/// Values keep their JSON type: use integers for Binance's INT parameters (`orderId`, ...) and
/// strings for DECIMAL ones (`price`, `quantity`), as Binance's examples do. Refused like REST
/// parameters (empty key or value, control characters, duplicates) and for the keys the signer
/// sets: `apiKey`, `signature`, `timestamp`, `recvWindow`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WsParams {
    map: BTreeMap<String, Value>,
}

impl WsParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter.
    ///
    /// # Errors
    ///
    /// [`ParamError::EmptyKey`], [`ParamError::ReservedKey`], [`ParamError::ControlCharacter`],
    /// [`ParamError::EmptyValue`] (an empty string or `null`) or [`ParamError::DuplicateMember`].
    pub fn insert(&mut self, key: impl AsRef<str>, value: impl Into<Value>) -> Result<(), Error> {
        let key = key.as_ref();
        let value = value.into();
        validate_key(key, &WS_RESERVED)?;
        match &value {
            Value::String(text) => validate_pair(key, text)?,
            Value::Null => {
                return Err(Error::Params(ParamError::EmptyValue {
                    key: key.to_owned(),
                }));
            }
            _ => {}
        }
        if self.map.contains_key(key) {
            return Err(Error::Params(ParamError::DuplicateMember {
                key: key.to_owned(),
            }));
        }
        self.map.insert(key.to_owned(), value);
        Ok(())
    }

    /// All of `params`, as JSON strings.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert) (a repeated key is refused: the WebSocket API takes lists as
    /// JSON values).
    pub fn from_params(params: &Params) -> Result<Self, Error> {
        let mut out = Self::new();
        for (key, value) in params.iter() {
            out.insert(key, value)?;
        }
        Ok(out)
    }

    /// The members of a JSON object.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub fn from_json(object: Map<String, Value>) -> Result<Self, Error> {
        let mut out = Self::new();
        for (key, value) in object {
            out.insert(key, value)?;
        }
        Ok(out)
    }

    /// The parameters, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A signed WebSocket API `params` object, with what was signed.
#[derive(Clone, Debug, PartialEq)]
pub struct WsSigned {
    params: Map<String, Value>,
    payload: String,
    signature: String,
}

impl WsSigned {
    /// The `params` object, signature included.
    pub fn params(&self) -> &Map<String, Value> {
        &self.params
    }

    /// The exact text that was signed.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The signature as it goes into `params` (hex for HMAC, plain base64 otherwise).
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// `{"id": id, "method": method, "params": {...}}`.
    pub fn to_request(&self, id: impl Into<Value>, method: &str) -> Value {
        request(id, method, self.params.clone())
    }
}

/// `{"id": id, "method": method, "params": params}`.
pub fn request(id: impl Into<Value>, method: &str, params: Map<String, Value>) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), id.into());
    object.insert("method".into(), Value::String(method.to_owned()));
    object.insert("params".into(), Value::Object(params));
    Value::Object(object)
}

/// The `params` of a request sent after `session.logon`: the user's parameters plus
/// `timestamp` (and `recvWindow`), with neither `apiKey` nor `signature`.
///
/// ```
/// use binance_sign::Timestamp;
/// use binance_sign::ws::{WsParams, session_params};
/// let mut p = WsParams::new();
/// p.insert("symbol", "BTCUSDT")?;
/// let params = session_params(&p, Timestamp::from_millis(1_700_000_000_000)?, None);
/// assert_eq!(serde_json::Value::Object(params).to_string(), r#"{"symbol":"BTCUSDT","timestamp":1700000000000}"#);
/// # Ok::<(), binance_sign::Error>(())
/// ```
pub fn session_params(
    params: &WsParams,
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
) -> Map<String, Value> {
    let mut map: Map<String, Value> = params
        .map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    add_time(&mut map, timestamp, recv_window);
    map
}

fn add_time(map: &mut Map<String, Value>, timestamp: Timestamp, recv_window: Option<RecvWindow>) {
    map.insert("timestamp".into(), Value::from(timestamp.value()));
    if let Some(rw) = recv_window {
        let value = if rw.is_fractional() {
            // At most 60_000_000 µs: exact in an f64. The number prints as `6000.346`.
            let micros = u32::try_from(rw.as_micros()).unwrap_or(u32::MAX);
            Value::from(f64::from(micros) / 1000.0)
        } else {
            Value::from(rw.as_millis())
        };
        map.insert("recvWindow".into(), value);
    }
}

/// How a value reads in the canonical payload: strings raw, everything else as compact JSON.
pub(crate) fn payload_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The canonical payload of `params` without `signature`: sorted by key, raw values.
pub(crate) fn canonical_payload(params: &Map<String, Value>) -> String {
    let texts: Vec<(&str, String)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), payload_text(v)))
        .collect();
    let members: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    payload_of(&members, true, |s| s.to_owned())
}

/// The WebSocket payload of `members` (each key with its value's text), without `signature`:
/// sorted by key (stably) when `sorted`, else in the order given; each key and value written by
/// `write` (the canonical form writes them raw); `key=value` joined with `&`. The one place
/// the WebSocket payload is built, for signing and for the doctor's rebuilt mistakes.
pub(crate) fn payload_of(
    members: &[(&str, &str)],
    sorted: bool,
    write: impl Fn(&str) -> String,
) -> String {
    let mut order: Vec<&(&str, &str)> = members.iter().filter(|(k, _)| *k != "signature").collect();
    if sorted {
        order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    let mut payload = String::new();
    for (key, value) in order {
        if !payload.is_empty() {
            payload.push('&');
        }
        payload.push_str(&write(key));
        payload.push('=');
        payload.push_str(&write(value));
    }
    payload
}

/// Signs a WebSocket API request with a bare key: `params` plus `apiKey`, `timestamp` and
/// `recvWindow` (if given), sorted by key, raw UTF-8 values, signed as the key writes it (hex
/// for HMAC, base64 otherwise). [`Signer::sign_ws`] is the same with the signer's API key and
/// product rules.
///
/// ```
/// use binance_sign::{SigningKey, Timestamp, ws};
/// let key = SigningKey::hmac("my-secret")?;
/// let mut params = ws::WsParams::new();
/// params.insert("symbol", "BTCUSDT")?;
/// let signed = ws::sign(&key, "my-api-key", &params, Timestamp::from_millis(1_700_000_000_000)?, None)?;
/// assert_eq!(signed.payload(), "apiKey=my-api-key&symbol=BTCUSDT&timestamp=1700000000000");
/// ws::verify(&key, signed.params())?;
/// # Ok::<(), binance_sign::Error>(())
/// ```
///
/// # Errors
///
/// [`KeyError::SigningFailed`] if an RSA key fails.
pub fn sign(
    key: &SigningKey,
    api_key: &str,
    params: &WsParams,
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
) -> Result<WsSigned, Error> {
    let mut map = session_params(params, timestamp, recv_window);
    map.insert("apiKey".into(), Value::String(api_key.to_owned()));
    let payload = canonical_payload(&map);
    let signature = key.sign_parts(&[payload.as_bytes()])?.to_text();
    map.insert("signature".into(), Value::String(signature.clone()));
    Ok(WsSigned {
        params: map,
        payload,
        signature,
    })
}

/// Verifies a signed WebSocket `params` object with a bare key: `signature` against the
/// canonical payload of the other members.
///
/// # Errors
///
/// [`VerifyError::MissingSignature`], [`VerifyError::SignatureFormat`] or
/// [`VerifyError::SignatureMismatch`].
pub fn verify(key: &SigningKey, params: &Map<String, Value>) -> Result<(), Error> {
    let signature = match params.get("signature") {
        Some(Value::String(signature)) => signature,
        Some(_) => {
            return Err(Error::Verify(VerifyError::SignatureFormat(
                crate::signing_key::error::SignatureProblem::NotJsonString,
            )));
        }
        None => return Err(Error::Verify(VerifyError::MissingSignature)),
    };
    let payload = canonical_payload(params);
    let signature = crate::rest::text_signature(key.kind(), signature)?;
    Ok(key.verify_parts(&[payload.as_bytes()], &signature)?)
}

impl Signer {
    /// Signs a WebSocket API request: `params` plus `apiKey`, `timestamp` and `recvWindow` (if
    /// given), sorted by key, raw UTF-8 values.
    ///
    /// # Errors
    ///
    /// [`ProductError::ProductRule`](crate::ProductError::ProductRule) when the signer is bound to a product whose rules the timestamp
    /// or window break, [`KeyError::MissingApiKey`] for a signer without an API key (it is part of
    /// the payload), and [`KeyError::SigningFailed`] if an RSA key fails.
    pub fn sign_ws(
        &self,
        params: &WsParams,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<WsSigned, Error> {
        if let Some(product) = self.product() {
            product.check(timestamp, recv_window)?;
        }
        let api_key = self.api_key().ok_or(Error::Key(KeyError::MissingApiKey {
            operation: crate::signing_key::error::Operation::WebSocketApi,
        }))?;
        sign(self.signing_key(), api_key, params, timestamp, recv_window)
    }

    /// The signed `params` of `session.logon`: `apiKey`, `timestamp`, `recvWindow` (if given)
    /// and `signature`. Binance accepts only Ed25519 keys here; other keys are refused.
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongKeyKind`] for a key that is not Ed25519, and as
    /// [`sign_ws`](Self::sign_ws).
    pub fn ws_logon(
        &self,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<WsSigned, Error> {
        self.require_kind(
            crate::signing_key::error::Operation::SessionLogon,
            KeyKind::Ed25519,
        )?;
        self.sign_ws(&WsParams::new(), timestamp, recv_window)
    }

    /// Verifies a signed WebSocket `params` object: `signature` against the canonical payload
    /// of the other members.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingSignature`], [`VerifyError::SignatureFormat`] or
    /// [`VerifyError::SignatureMismatch`].
    pub fn verify_ws(&self, params: &Map<String, Value>) -> Result<(), Error> {
        verify(self.signing_key(), params)
    }
}
