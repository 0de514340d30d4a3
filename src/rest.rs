//! The REST form: parameters in a query string or form body, then `recvWindow`, `timestamp`
//! and `signature`, in that order, the signature over `query ‖ body` exactly as sent (hex for
//! HMAC, percent-encoded base64 for Ed25519 and RSA).
//!
//! These functions take a bare [`SigningKey`]; [`Signer`](crate::Signer) wraps them with the
//! API key and a product's rules, and is what most programs use.
//!
//! ```
//! use binance_sign::{Params, SigningKey, Timestamp, rest};
//! let key = SigningKey::hmac("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")?;
//! let params = Params::try_from_pairs([
//!     ("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"),
//!     ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"),
//! ])?;
//! let mut query = String::new();
//! let window = binance_sign::RecvWindow::from_millis(5000)?;
//! rest::sign_into(&key, &params, Timestamp::from_millis(1499827319559)?, Some(window), &mut query)?;
//! assert!(query.ends_with("&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
//! rest::verify(&key, &query, "")?;
//! # Ok::<(), binance_sign::Error>(())
//! ```

use crate::error::Error;
use crate::params::Params;
use crate::params::error::ParamError;
use crate::signing_key::error::KeyError;
use crate::signing_key::error::VerifyError;
use crate::signing_key::{KeyKind, Signature, SigningKey, parse_hex_tag};
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::Timestamp;
use crate::wire;

/// Room for `&recvWindow=60000.000&timestamp=<16 digits>&signature=<up to 684 chars>`.
pub(crate) const TAIL_CAPACITY: usize = 128;

/// Which of the signer's parameters to append (an HTTP request may carry its own).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tail {
    pub(crate) recv_window: Option<RecvWindow>,
    pub(crate) timestamp: Option<Timestamp>,
}

/// The one tail writer: appends `recvWindow` (if any) and `timestamp` (if any), each preceded
/// by `&` unless `out` is empty. (Separators and names go in as one piece: each `push_str` is
/// a copy call.)
#[inline]
pub(crate) fn write_tail(tail: Tail, out: &mut String) {
    if let Some(rw) = tail.recv_window {
        out.push_str(if out.is_empty() {
            "recvWindow="
        } else {
            "&recvWindow="
        });
        rw.write_to(out);
    }
    if let Some(ts) = tail.timestamp {
        out.push_str(if out.is_empty() {
            "timestamp="
        } else {
            "&timestamp="
        });
        ts.write_to(out);
    }
}

/// The one writer of `signature`: appends `&signature=` (no `&` when `last` is empty) and the
/// signature as it travels on REST; returns where the signature starts in `last`.
#[inline]
pub(crate) fn append_signature(signature: &Signature, last: &mut String) -> usize {
    last.push_str(if last.is_empty() {
        "signature="
    } else {
        "&signature="
    });
    let at = last.len();
    signature.write_rest(last);
    at
}

/// Signs a pre-encoded query and body as they are, after appending `tail` to the last part
/// (the body when there is one, else the query), then appends `signature` there. Returns the
/// query, the body and where the signature starts in the last part. The caller has checked
/// the parts (`wire::validate_encoded` or `wire::read_encoded`).
pub(crate) fn sign_appending(
    key: &SigningKey,
    query: &str,
    body: &str,
    tail: Tail,
) -> Result<(String, String, usize), KeyError> {
    let (mut query, mut body) = (query.to_owned(), body.to_owned());
    let last = if body.is_empty() {
        &mut query
    } else {
        &mut body
    };
    write_tail(tail, last);
    let signature = key.sign_parts(&[query.as_bytes(), body.as_bytes()])?;
    let last = if body.is_empty() {
        &mut query
    } else {
        &mut body
    };
    let at = append_signature(&signature, last);
    Ok((query, body, at))
}

/// Writes `params ‖ recvWindow ‖ timestamp ‖ signature` into `out` (cleared first; the query
/// of a GET or DELETE, or the form body of a POST or PUT); returns where the signature starts.
///
/// # Errors
///
/// [`KeyError::SigningFailed`] if an RSA key fails.
#[inline]
pub fn sign_into(
    key: &SigningKey,
    params: &Params,
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
    out: &mut String,
) -> Result<usize, Error> {
    out.clear();
    out.push_str(params.encoded());
    write_tail(
        Tail {
            recv_window,
            timestamp: Some(timestamp),
        },
        out,
    );
    let signature = key.sign_parts(&[out.as_bytes()])?;
    Ok(append_signature(&signature, out))
}

/// Writes a split request: `query_params` into `query_out`, `body_params` and the tail into
/// `body_out` (both cleared first); the signature covers the query immediately followed by the
/// body. Returns where the signature starts in `body_out`.
///
/// # Errors
///
/// [`ParamError::KeyInBothParts`] for a key in both parts, [`KeyError::SigningFailed`] if an RSA key
/// fails.
pub fn sign_split_into(
    key: &SigningKey,
    query_params: &Params,
    body_params: &Params,
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
    query_out: &mut String,
    body_out: &mut String,
) -> Result<usize, Error> {
    if let Some((name, _)) = query_params
        .iter()
        .find(|(name, _)| body_params.contains_key(name))
    {
        return Err(Error::Params(ParamError::KeyInBothParts {
            key: name.to_owned(),
        }));
    }
    query_out.clear();
    query_out.push_str(query_params.encoded());
    body_out.clear();
    body_out.push_str(body_params.encoded());
    write_tail(
        Tail {
            recv_window,
            timestamp: Some(timestamp),
        },
        body_out,
    );
    let signature = key.sign_parts(&[query_out.as_bytes(), body_out.as_bytes()])?;
    Ok(append_signature(&signature, body_out))
}

/// Checks a signed request as Binance does, over the exact bytes received: `signature` must be
/// the last parameter of the body (or of the query when the body is empty) and must sign
/// `query ‖ body` without it.
///
/// # Errors
///
/// [`VerifyError::MissingSignature`], [`VerifyError::SignatureNotLast`], [`VerifyError::SignatureFormat`] or
/// [`VerifyError::SignatureMismatch`].
pub fn verify(key: &SigningKey, query: &str, body: &str) -> Result<(), Error> {
    let located = wire::locate_signature(query, body)?;
    Ok(verify_located(key, &located)?)
}

pub(crate) fn verify_located(
    key: &SigningKey,
    located: &wire::Located<'_>,
) -> Result<(), VerifyError> {
    let signature = rest_signature(key.kind(), located.signature)?;
    key.verify_parts(
        &[located.query.as_bytes(), located.body.as_bytes()],
        &signature,
    )
}

/// Reads a signature as it travels on REST: hex (either case) for HMAC, percent-encoded
/// base64 for Ed25519 and RSA.
pub(crate) fn rest_signature(kind: KeyKind, text: &str) -> Result<Signature, VerifyError> {
    if kind == KeyKind::Hmac {
        return hex_tag(text);
    }
    if text.bytes().any(|b| matches!(b, b'+' | b'/' | b'=')) {
        return Err(VerifyError::SignatureFormat(
            crate::signing_key::error::SignatureProblem::RawBase64OnRest,
        ));
    }
    let decoded = crate::encoding::decode(text).map_err(|_| {
        VerifyError::SignatureFormat(
            crate::signing_key::error::SignatureProblem::BadPercentEncoding,
        )
    })?;
    Signature::from_base64(kind, &decoded)
}

/// Reads a signature as the key kind writes it, with no transport encoding (the WebSocket API
/// and FIX form): hex for HMAC, base64 for Ed25519 and RSA.
pub(crate) fn text_signature(kind: KeyKind, text: &str) -> Result<Signature, VerifyError> {
    match kind {
        KeyKind::Hmac => hex_tag(text),
        _ => Signature::from_base64(kind, text),
    }
}

/// An HMAC tag as 64 hex characters (either case), with a hint when it looks like base64.
fn hex_tag(text: &str) -> Result<Signature, VerifyError> {
    match parse_hex_tag(text) {
        Some(tag) => Signature::from_bytes(KeyKind::Hmac, &tag),
        None => Err(VerifyError::SignatureFormat(
            if text.len() != 64 && (text.len() == 44 || text.contains("%3D") || text.ends_with('='))
            {
                crate::signing_key::error::SignatureProblem::HmacAsBase64
            } else {
                crate::signing_key::error::SignatureProblem::NotHmacHex
            },
        )),
    }
}
