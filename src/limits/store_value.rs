//! What a value read back from a shared store may be: the rule the fleet governor's Lua
//! scripts apply (`fleet/lua/read.lua`), in Rust for the reads made outside a script and for
//! the fuzzer. Without any Redis dependency.

use super::MAX_HOLD;

/// The most digits a stored count has: 15, exact in Lua's numbers (and far above any limit).
pub const MAX_COUNT_DIGITS: usize = 15;

/// A stored count: ASCII digits only, 1 to [`MAX_COUNT_DIGITS`] of them; `None` for anything
/// else (a sign, a point, an exponent, `nan`, `inf`, spaces, an empty value).
///
/// ```
/// use binance_sign::advanced::parse_store_count;
/// assert_eq!(parse_store_count(b"42"), Some(42));
/// for corrupt in [&b"-1"[..], b"nan", b"inf", b"1e400", b"", b" 5", b"1234567890123456"] {
///     assert_eq!(parse_store_count(corrupt), None);
/// }
/// ```
pub fn parse_store_count(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > MAX_COUNT_DIGITS || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // At most 15 digits: always fits.
    Some(text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A stored hold or ban end (ms on Binance's clock): a count no later than [`MAX_HOLD`] after
/// `now_ms`; `None` for anything else.
///
/// ```
/// use binance_sign::advanced::parse_store_hold;
/// let now = 1_700_000_000_000;
/// assert_eq!(parse_store_hold(b"1700000060000", now), Some(1_700_000_060_000));
/// assert_eq!(parse_store_hold(b"1700400000000", now), None); // more than 3 days ahead
/// ```
pub fn parse_store_hold(text: &[u8], now_ms: u64) -> Option<u64> {
    let cap = now_ms.saturating_add(u64::try_from(MAX_HOLD.as_millis()).unwrap_or(u64::MAX));
    parse_store_count(text).filter(|&until| until <= cap)
}
