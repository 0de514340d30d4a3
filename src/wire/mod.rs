//! Reading requests in their wire form: where the signature is, what was signed, and whether
//! a pre-encoded string is safe to sign as it is.

pub(crate) mod error;

use crate::encoding::Part;
use crate::encoding::{decode_at, segments};
use crate::error::Error;
use crate::params::error::{Field, ParamError};
use crate::signing_key::error::VerifyError;
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::{Timestamp, parse_timestamp};
use crate::wire::error::WireError;

/// The bytes a signed request's signature covers, and the signature as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Located<'a> {
    /// The query part of the payload.
    pub(crate) query: &'a str,
    /// The body part of the payload (without the signature).
    pub(crate) body: &'a str,
    /// The signature value exactly as sent.
    pub(crate) signature: &'a str,
}

fn key_of(segment: &str) -> &str {
    segment.split_once('=').map_or(segment, |(k, _)| k)
}

fn has_signature_key(text: &str) -> bool {
    // The substring search is fast; the exact per-parameter check runs only on a hit.
    text.contains("signature") && segments(text).any(|(_, s)| key_of(s) == "signature")
}

/// Finds the signature as Binance does: the last parameter of the last non-empty part.
pub(crate) fn locate_signature<'a>(query: &'a str, body: &'a str) -> Result<Located<'a>, Error> {
    let (last, in_body) = if body.is_empty() {
        (query, false)
    } else {
        (body, true)
    };
    if last.is_empty() {
        return Err(Error::Verify(VerifyError::MissingSignature));
    }
    if in_body && has_signature_key(query) {
        return Err(Error::Verify(VerifyError::SignatureNotLast(
            crate::signing_key::error::NotLast::InQueryWithBody,
        )));
    }
    let (head, tail) = match last.rfind('&') {
        Some(i) => (&last[..i], &last[i + 1..]),
        None => ("", last),
    };
    let Some(signature) = tail.strip_prefix("signature=") else {
        return Err(if has_signature_key(last) {
            Error::Verify(VerifyError::SignatureNotLast(
                crate::signing_key::error::NotLast::Followed,
            ))
        } else {
            Error::Verify(VerifyError::MissingSignature)
        });
    };
    if has_signature_key(head) {
        return Err(Error::Verify(VerifyError::SignatureNotLast(
            crate::signing_key::error::NotLast::Repeated,
        )));
    }
    Ok(if in_body {
        Located {
            query,
            body: head,
            signature,
        }
    } else {
        Located {
            query: head,
            body: "",
            signature,
        }
    })
}

/// Bytes, besides RFC 3986 unreserved and `%XX`, that `sign_encoded` accepts raw: HTTP clients
/// (`url`, `http`, `reqwest`) send them as they are in a query, and form encoders emit `*` and
/// `+` (space).
pub(crate) const RAW_SAFE: &[u8] = b"!$()*+,/:@?";

/// What `validate_encoded` learned about a pre-encoded request.
#[derive(Debug, Default)]
pub(crate) struct EncodedInfo {
    pub(crate) timestamp: Option<Timestamp>,
    pub(crate) recv_window: Option<RecvWindow>,
}

/// Checks that `query` and `body` are well-formed `k=v&k=v` strings safe to sign as they are,
/// with a `timestamp`.
pub(crate) fn validate_encoded(query: &str, body: &str) -> Result<EncodedInfo, Error> {
    let info = read_encoded(query, body)?;
    if info.timestamp.is_none() {
        return Err(Error::Wire(WireError::MissingTimestamp));
    }
    Ok(info)
}

/// Checks that `query` and `body` are well-formed `k=v&k=v` strings safe to sign as they are
/// (a `timestamp` may still be appended), and reads their `timestamp` and `recvWindow`.
pub(crate) fn read_encoded(query: &str, body: &str) -> Result<EncodedInfo, Error> {
    let mut info = EncodedInfo::default();
    // Keys seen in earlier parts: a key in both the query and the body is refused (Binance
    // takes the query's value or answers -1101). Within one part a key may repeat: that is how
    // ARRAY parameters such as `asset=BTC&asset=USDT` travel.
    let mut earlier_parts = std::collections::HashSet::new();
    let mut this_part = std::collections::HashSet::new();
    for (text, part) in [(query, Part::Query), (body, Part::Body)] {
        earlier_parts.extend(this_part.drain());
        if text.is_empty() {
            continue;
        }
        for (start, segment) in segments(text) {
            let malformed = |position, reason| {
                Error::Wire(WireError::MalformedWire {
                    part,
                    position,
                    reason,
                })
            };
            if segment.is_empty() {
                return Err(malformed(
                    start,
                    crate::wire::error::WireRule::EmptyParameter,
                ));
            }
            if let Some(i) = segment.bytes().position(|b| !wire_byte_ok(b)) {
                return Err(malformed(
                    start + i,
                    crate::wire::error::WireRule::UnsafeByte,
                ));
            }
            let Some((raw_key, raw_value)) = segment.split_once('=') else {
                return Err(malformed(start, crate::wire::error::WireRule::NoEquals));
            };
            if raw_value.contains('=') {
                return Err(malformed(
                    start + raw_key.len() + 1,
                    crate::wire::error::WireRule::RawEquals,
                ));
            }
            let key = decode_at(raw_key, Some(part), start)?;
            let value = decode_at(raw_value, Some(part), start + raw_key.len() + 1)?;
            if key == "signature" {
                return Err(Error::Wire(WireError::AlreadySigned { part }));
            }
            if key.is_empty() {
                return Err(Error::Params(ParamError::EmptyKey));
            }
            crate::params::check_controls(&key, Field::Key, &key)?;
            crate::params::check_controls(&key, Field::Value, &value)?;
            if value.is_empty() {
                return Err(Error::Params(ParamError::EmptyValue { key }));
            }
            let signer_key = matches!(key.as_str(), "timestamp" | "recvWindow");
            if earlier_parts.contains(&key) {
                return Err(Error::Params(ParamError::KeyInBothParts { key }));
            }
            if signer_key && this_part.contains(&key) {
                return Err(Error::Params(ParamError::SignerKeyTwice { key }));
            }
            this_part.insert(key.clone());
            match key.as_str() {
                "timestamp" => info.timestamp = Some(parse_timestamp(&value)?),
                "recvWindow" => info.recv_window = Some(value.parse()?),
                _ => {}
            }
        }
    }
    Ok(info)
}

fn wire_byte_ok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%=".contains(&b) || RAW_SAFE.contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::EncodingError;
    use crate::time::error::TimeError;
    use crate::time::unit::TimeUnit;

    #[test]
    fn locates_last_signature() {
        let l = locate_signature("a=1&signature=ab", "").unwrap();
        assert_eq!((l.query, l.body, l.signature), ("a=1", "", "ab"));
        let l = locate_signature("a=1", "b=2&signature=cd").unwrap();
        assert_eq!((l.query, l.body, l.signature), ("a=1", "b=2", "cd"));
        let l = locate_signature("a=1", "signature=cd").unwrap();
        assert_eq!((l.query, l.body, l.signature), ("a=1", "", "cd"));
        assert_eq!(
            locate_signature("", ""),
            Err(Error::Verify(VerifyError::MissingSignature))
        );
        assert_eq!(
            locate_signature("a=1", ""),
            Err(Error::Verify(VerifyError::MissingSignature))
        );
        assert!(matches!(
            locate_signature("signature=x&a=1", ""),
            Err(Error::Verify(VerifyError::SignatureNotLast(_)))
        ));
        assert!(matches!(
            locate_signature("signature=x", "a=1"),
            Err(Error::Verify(VerifyError::SignatureNotLast(_)))
        ));
        assert!(matches!(
            locate_signature("signature=x&signature=y", ""),
            Err(Error::Verify(VerifyError::SignatureNotLast(_)))
        ));
    }

    #[test]
    fn encoded_validation() {
        assert!(validate_encoded("a=1&timestamp=1499827319559", "").is_ok());
        assert_eq!(
            validate_encoded("a=1", "").unwrap_err(),
            Error::Wire(WireError::MissingTimestamp)
        );
        assert!(matches!(
            validate_encoded("a=1&&timestamp=1499827319559", ""),
            Err(Error::Wire(WireError::MalformedWire { position: 4, .. }))
        ));
        assert!(matches!(
            validate_encoded("a=b c&timestamp=1499827319559", ""),
            Err(Error::Wire(WireError::MalformedWire { position: 3, .. }))
        ));
        assert!(matches!(
            validate_encoded("a=%zz&timestamp=1499827319559", ""),
            Err(Error::Encoding(EncodingError::InvalidEscape { .. }))
        ));
        assert_eq!(
            validate_encoded("a=1", "a=2&timestamp=1499827319559").unwrap_err(),
            Error::Params(ParamError::KeyInBothParts { key: "a".into() })
        );
        assert!(validate_encoded("asset=BTC&asset=USDT&timestamp=1499827319559", "").is_ok());
        assert_eq!(
            validate_encoded("timestamp=1499827319559&timestamp=1499827319559", "").unwrap_err(),
            Error::Params(ParamError::SignerKeyTwice {
                key: "timestamp".into()
            })
        );
        assert_eq!(
            validate_encoded("timestamp=1499827319559&signature=1", "").unwrap_err(),
            Error::Wire(WireError::AlreadySigned { part: Part::Query })
        );
        assert_eq!(
            validate_encoded("a=&timestamp=1499827319559", "").unwrap_err(),
            Error::Params(ParamError::EmptyValue { key: "a".into() })
        );
        assert!(matches!(
            validate_encoded("timestamp=12", ""),
            Err(Error::Time(TimeError::TimestampOutOfRange { .. }))
        ));
        assert!(
            validate_encoded("timestamp=1499827319559123", "")
                .unwrap()
                .timestamp
                .unwrap()
                .unit()
                == TimeUnit::Micros
        );
    }
}
