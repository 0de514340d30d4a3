//! `newClientOrderId`: an id set before sending, so that after a timeout the order can be
//! looked up instead of sent again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{ParamError, Params};

/// The key Binance takes a client order id under.
const KEY: &str = "newClientOrderId";

impl Params {
    /// The order's `newClientOrderId`: the one already pushed, or a fresh one pushed now
    /// (`bs` and base-36 digits of the time, the process and a counter: unique across the
    /// processes of a machine and across restarts, at most 36 characters of `[0-9a-z]`, as
    /// Binance takes them).
    ///
    /// After a timeout, whether the order reached Binance is unknown. Never send it again
    /// blindly (and never put a generic retry middleware on order endpoints): query
    /// `GET /api/v3/order` with `symbol` and `origClientOrderId` set to this id, and send a
    /// new order only when Binance answers `-2013` (order does not exist).
    ///
    /// ```
    /// use binance_sign::Params;
    /// let mut order = Params::try_from_pairs([("symbol", "BTCUSDT"), ("side", "BUY")])?;
    /// let id = order.ensure_client_order_id()?;
    /// assert!(id.starts_with("bs") && id.len() <= 36);
    /// assert_eq!(order.get("newClientOrderId"), Some(id.as_str()));
    /// assert_eq!(order.ensure_client_order_id()?, id); // set once
    /// # Ok::<(), binance_sign::ParamError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push) (never for the ids made here).
    pub fn ensure_client_order_id(&mut self) -> Result<String, ParamError> {
        if let Some(id) = self.get(KEY) {
            return Ok(id.to_owned());
        }
        let id = fresh_id();
        self.push(KEY, id.as_str())?;
        Ok(id)
    }
}

/// `bs` + base-36 (millis since the epoch, process id, a per-process counter).
fn fresh_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut id = String::from("bs");
    for part in [millis, u64::from(std::process::id()), count] {
        push_base36(&mut id, part);
        id.push('x');
    }
    id.pop();
    id
}

/// Appends `n` in base 36 (at most 13 digits for a `u64`).
fn push_base36(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 13];
    let mut len = 0;
    loop {
        let d = u8::try_from(n % 36).unwrap_or(0);
        digits[len] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        len += 1;
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_short_and_in_binance_alphabet() {
        let ids: Vec<String> = (0..1000).map(|_| fresh_id()).collect();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        for id in &ids {
            assert!(id.len() <= 36, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
                "{id}"
            );
        }
        let mut max = String::new();
        push_base36(&mut max, u64::MAX);
        assert_eq!(max, "3w5e11264sgsf");
    }
}
