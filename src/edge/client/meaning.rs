//! What a response means to the engine, decided in this one place for every adapter.

/// What a response means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// A 2xx: accepted.
    Accepted,
    /// `-1021` on a 4xx: the timestamp was outside `recvWindow`; the server clock moved.
    ClockMoved,
    /// 429: too many requests, hold until `Retry-After`.
    Held,
    /// 418: the IP is banned until `Retry-After` (or the `-1003` message's time).
    Banned,
    /// Anything else: handed back as it is.
    Other,
}

/// One row per case, first match wins: (status range, Binance code, meaning).
const ROWS: &[(u16, u16, Option<i64>, Meaning)] = &[
    (418, 418, None, Meaning::Banned),
    (429, 429, None, Meaning::Held),
    (400, 499, Some(-1021), Meaning::ClockMoved),
    (200, 299, None, Meaning::Accepted),
];

/// What a response of `status`, whose body carries Binance error `code` (when read), means.
pub(crate) fn meaning(status: u16, code: Option<i64>) -> Meaning {
    ROWS.iter()
        .find(|(low, high, want, _)| {
            (*low..=*high).contains(&status) && want.is_none_or(|w| code == Some(w))
        })
        .map_or(Meaning::Other, |row| row.3)
}

/// Whether a response's body must be read: a 4xx to a signed request (to see `-1021`), a 429
/// or 418 (to see a `-1003` ban end).
pub(crate) fn must_read(status: u16, signed: bool) -> bool {
    (signed && (400..500).contains(&status)) || status == 429 || status == 418
}

/// Binance's error code in a response body (`{"code":-1021,"msg":"..."}`).
pub(crate) fn binance_code(body: &str) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Reply {
        code: i64,
    }
    serde_json::from_str::<Reply>(body).ok().map(|r| r.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row() {
        assert_eq!(meaning(418, Some(-1003)), Meaning::Banned);
        assert_eq!(meaning(429, None), Meaning::Held);
        assert_eq!(meaning(400, Some(-1021)), Meaning::ClockMoved);
        assert_eq!(meaning(400, Some(-1022)), Meaning::Other);
        assert_eq!(meaning(200, None), Meaning::Accepted);
        assert_eq!(meaning(503, None), Meaning::Other);
        assert!(must_read(400, true) && !must_read(400, false) && must_read(418, false));
        assert_eq!(binance_code(r#"{"code":-1021,"msg":"x"}"#), Some(-1021));
        assert_eq!(binance_code("<html>"), None);
    }
}
