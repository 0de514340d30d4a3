//! Percent-encoding of keys and values, and a strict decoder.
//!
//! The crate encodes every byte outside RFC 3986 *unreserved* (`A-Z a-z 0-9 - . _ ~`) as `%XX`
//! with uppercase hex over the UTF-8 bytes; a space is `%20`. `=` and `&` are only ever
//! separators. Binance verifies the bytes it receives, so this one encoding is applied once and
//! the result is both signed and sent.
//!
//! ```
//! use binance_sign::encoding::{decode, encode};
//! assert_eq!(encode("a b+c@d"), "a%20b%2Bc%40d");
//! assert_eq!(encode("１"), "%EF%BC%91");
//! assert_eq!(decode("a%20b%2Bc%40d").unwrap(), "a b+c@d");
//! ```

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub(crate) mod error;

pub(crate) use error::{EncodingError, Part};

/// The bytes this crate percent-encodes: everything but RFC 3986 unreserved characters.
pub const WIRE_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Whether [`encode`] leaves `text` as it is: every byte is RFC 3986 unreserved
/// (`A-Z a-z 0-9 - . _ ~`), the complement of [`WIRE_ENCODE_SET`] (a test checks all 256
/// bytes). Such text has no control character either.
#[inline]
pub(crate) fn is_unreserved(text: &str) -> bool {
    // No early exit: a branch-free fold the compiler unrolls (the texts are short, and nearly
    // always unreserved, so stopping early saves nothing and the per-byte branch costs).
    text.bytes()
        .fold(true, |all, b| all & UNRESERVED[usize::from(b)])
}

/// `UNRESERVED[b]`: whether byte `b` is RFC 3986 unreserved.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)] // b < 256
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Percent-encodes `text` with [`WIRE_ENCODE_SET`].
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(text, &mut out);
    out
}

/// Appends the percent-encoding of `text` to `out` without allocating beyond `out`'s growth.
pub fn encode_into(text: &str, out: &mut String) {
    for chunk in utf8_percent_encode(text, WIRE_ENCODE_SET) {
        out.push_str(chunk);
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `%XX` escapes (either hex case)
/// and `+` as a space, as a server reading a form does.
///
/// Strict where servers differ: a `%` not followed by two hex digits and bytes that are not
/// UTF-8 are errors, never passed through. Never panics.
///
/// ```
/// use binance_sign::encoding::decode;
/// assert_eq!(decode("BTC%2dUSDT+x").unwrap(), "BTC-USDT x");
/// assert!(decode("100%").is_err());
/// assert!(decode("%FF").is_err());
/// ```
///
/// # Errors
///
/// [`EncodingError::InvalidEscape`] for a `%` not followed by two hex digits, [`EncodingError::InvalidUtf8`]
/// when the decoded bytes are not UTF-8.
pub fn decode(text: &str) -> Result<String, EncodingError> {
    decode_at(text, None, 0)
}

pub(crate) fn decode_at(
    text: &str,
    part: Option<Part>,
    offset: usize,
) -> Result<String, EncodingError> {
    decode_cow(text, part, offset).map(Cow::into_owned)
}

/// [`decode`] that borrows `text` when there is nothing to decode (no `%`, no `+`); errors
/// name `part` and count bytes from `offset`.
pub(crate) fn decode_cow(
    text: &str,
    part: Option<Part>,
    offset: usize,
) -> Result<Cow<'_, str>, EncodingError> {
    if !text.contains(['%', '+']) {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = Vec::with_capacity(text.len());
    if let Err(at) = decode_bytes(text, &mut out) {
        let bytes = text.as_bytes();
        let end = (at + 3).min(bytes.len());
        return Err(EncodingError::InvalidEscape {
            part,
            position: offset + at,
            found: String::from_utf8_lossy(&bytes[at..end])
                .escape_default()
                .to_string(),
        });
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| EncodingError::InvalidUtf8 {
            part,
            position: offset,
            text: crate::source::excerpt(text, 64),
        })
}

/// Appends the form decoding of `text` (`%XX` escapes, `+` as a space) to `out`, as bytes (the
/// caller checks they are UTF-8); `Err` with the byte offset of a `%` not followed by two hex
/// digits. The one decoder [`decode`] and the `check` oracle share.
pub(crate) fn decode_bytes(text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(i),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                // A run of plain bytes is copied at once.
                let run = bytes[i..]
                    .iter()
                    .position(|&b| b == b'%' || b == b'+')
                    .map_or(bytes.len(), |n| i + n);
                out.extend_from_slice(&bytes[i..run]);
                i = run;
            }
        }
    }
    Ok(())
}

/// Bytes HTTP clients (`url`/reqwest, Python `requests`) percent-encode in a query string
/// before sending: space, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`, control bytes and
/// every non-ASCII byte. An encoder that leaves them raw signs other bytes than are sent.
#[inline]
pub(crate) const fn client_encodes(b: u8) -> bool {
    // A u8 always fits a usize; `usize::from` is not usable in a const fn.
    #[allow(clippy::cast_lossless)]
    CLIENT_ENCODES[b as usize]
}

/// [`client_encodes`] as a table: one lookup per byte.
const CLIENT_ENCODES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b <= 0x20 || b >= 0x7f;
        b += 1;
    }
    let specials = b"\"<>\\^`{|}";
    let mut i = 0;
    while i < specials.len() {
        // A u8 always fits a usize; `usize::from` is not usable in a const.
        #[allow(clippy::cast_lossless)]
        let at = specials[i] as usize;
        table[at] = true;
        i += 1;
    }
    table
};

/// Bytes every HTTP client percent-encodes in a query string (the WHATWG query set: space,
/// `"`, `<`, `>`, control bytes, non-ASCII); `client_encodes` adds those some encode.
pub(crate) const fn every_client_encodes(b: u8) -> bool {
    b <= b' ' || b >= 0x7f || matches!(b, b'"' | b'<' | b'>')
}

/// Whether `text` is one or more ASCII digits.
pub(crate) fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The value of an ASCII hex digit of either case.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a whole `k=v&k=v` string into its pairs, in order.
///
/// A segment without `=` decodes to a pair with an empty value; empty segments (`a=1&&b=2`)
/// are skipped. Never panics.
///
/// # Errors
///
/// As [`decode`], for the first component that does not decode; the position is the byte
/// offset in `text`.
///
/// ```
/// use binance_sign::encoding::decode_pairs;
/// let pairs = decode_pairs("symbol=%EF%BC%91&side=BUY").unwrap();
/// assert_eq!(pairs, vec![("symbol".into(), "１".into()), ("side".into(), "BUY".into())]);
/// ```
pub fn decode_pairs(text: &str) -> Result<Vec<(String, String)>, EncodingError> {
    decode_pairs_at(text, None)
}

/// [`decode_pairs`] for the query or the body of a request: errors name that part.
///
/// # Errors
///
/// As [`decode_pairs`].
pub fn decode_pairs_in(text: &str, part: Part) -> Result<Vec<(String, String)>, EncodingError> {
    decode_pairs_at(text, Some(part))
}

fn decode_pairs_at(text: &str, part: Option<Part>) -> Result<Vec<(String, String)>, EncodingError> {
    let mut pairs = Vec::new();
    for (start, segment) in segments(text) {
        if segment.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
        let key = decode_at(raw_key, part, start)?;
        let value = decode_at(raw_value, part, start + raw_key.len() + 1)?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Splits `text` at `&`, yielding each segment with its byte offset.
pub(crate) fn segments(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('&').map(move |segment| {
        let at = start;
        start += segment.len() + 1;
        (at, segment)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_pass_through_everything_else_is_escaped_uppercase() {
        assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            encode(" !\"#$%&'()*+,/:;=?@[]"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D"
        );
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn unreserved_is_the_complement_of_the_encode_set() {
        for b in 0..=255u8 {
            let mut one = [0u8; 4];
            let text = char::from(b).encode_utf8(&mut one);
            let single_byte = text.len() == 1;
            assert_eq!(
                single_byte && encode(text) == *text,
                is_unreserved(text),
                "byte {b:#04x}"
            );
        }
        assert!(!is_unreserved("é"));
    }

    #[test]
    fn decoder_refuses_bad_escapes_and_non_utf8() {
        assert_eq!(
            decode("%4"),
            Err(EncodingError::InvalidEscape {
                part: None,
                position: 0,
                found: "%4".into()
            })
        );
        assert_eq!(
            decode("ab%zz"),
            Err(EncodingError::InvalidEscape {
                part: None,
                position: 2,
                found: "%zz".into()
            })
        );
        assert_eq!(
            decode("ab%zz").unwrap_err().to_string(),
            "invalid percent-escape `%zz` at byte 2; `%` must be followed by two hex digits"
        );
        assert!(matches!(
            decode("%C3"),
            Err(EncodingError::InvalidUtf8 { .. })
        ));
        assert_eq!(decode("%c3%a9").unwrap(), "é");
    }

    #[test]
    fn decode_pairs_offsets() {
        let err = decode_pairs("a=1&b=%G0").unwrap_err();
        assert_eq!(
            err,
            EncodingError::InvalidEscape {
                part: None,
                position: 6,
                found: "%G0".into()
            }
        );
        let err = decode_pairs_in("a=%C3", Part::Body).unwrap_err();
        assert_eq!(
            err.to_string(),
            "body: the component at byte 2 does not decode to UTF-8: `%C3`"
        );
    }
}
