//! Binance's rate limits as documented, scripted: fixed windows aligned to its clock, 429 with
//! `Retry-After` when over, 418 after repeated violations.

use std::collections::HashMap;

use binance_sign::limits::{RateLimit, RateLimitType};

/// Binance as documented: fixed windows aligned to its clock, 429 with Retry-After when over,
/// 418 after repeated violations.
pub struct Binance {
    pub limits: Vec<RateLimit>,
    pub counts: HashMap<(RateLimitType, u64), (i64, u64)>,
    pub violations: u32,
    pub banned_until: i64,
    pub n429: u32,
    pub n418: u32,
    pub orders: u64,
    pub weight: u64,
}

impl Binance {
    pub fn new(limits: Vec<RateLimit>) -> Self {
        Self {
            limits,
            counts: HashMap::new(),
            violations: 0,
            banned_until: 0,
            n429: 0,
            n418: 0,
            orders: 0,
            weight: 0,
        }
    }

    pub fn handle(&mut self, t: i64, weight: u64, is_order: bool) -> (u16, Vec<(String, String)>) {
        if t < self.banned_until {
            self.n418 += 1;
            return (
                418,
                vec![(
                    "Retry-After".into(),
                    ((self.banned_until - t) / 1000 + 1).to_string(),
                )],
            );
        }
        let mut over = None;
        let mut headers = Vec::new();
        for limit in &self.limits {
            let len = limit.window().as_millis() as u64;
            let start = t.div_euclid(len as i64) * len as i64;
            let entry = self
                .counts
                .entry((limit.rate_limit_type, len))
                .or_insert((start, 0));
            if entry.0 != start {
                *entry = (start, 0);
            }
            let add = match limit.rate_limit_type {
                RateLimitType::RequestWeight => weight,
                RateLimitType::Orders => u64::from(is_order),
                _ => 1,
            };
            entry.1 += add;
            if entry.1 > limit.limit {
                over = Some(start + len as i64);
            }
            let suffix = match len {
                1_000 => "1S",
                10_000 => "10S",
                60_000 => "1M",
                300_000 => "5M",
                86_400_000 => "1D",
                _ => unreachable!(),
            };
            match limit.rate_limit_type {
                RateLimitType::RequestWeight => {
                    headers.push((format!("X-MBX-USED-WEIGHT-{suffix}"), entry.1.to_string()))
                }
                RateLimitType::Orders if is_order => headers.push((
                    format!("x-mbx-order-count-{}", suffix.to_lowercase()),
                    entry.1.to_string(),
                )),
                _ => {}
            }
        }
        if let Some(end) = over {
            self.violations += 1;
            self.n429 += 1;
            if self.violations >= 3 {
                self.banned_until = t + 120_000;
            }
            headers.push(("Retry-After".into(), ((end - t) / 1000 + 1).to_string()));
            return (429, headers);
        }
        self.weight += weight;
        self.orders += u64::from(is_order);
        (200, headers)
    }
}

/// 2026-11-29T00:00:00Z.
pub const T0: i64 = 1_796_256_000_000;

/// A small deterministic generator (xorshift) for the simulations.
pub struct Rng(pub u64);

impl Rng {
    /// A number in `lo..hi`.
    pub fn next(&mut self, lo: i64, hi: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (self.0 % (hi - lo) as u64) as i64
    }
}

/// What happens next to one request stream of a simulation.
pub enum Event {
    /// The stream asks its governor.
    Attempt,
    /// A request reaches Binance; it was sent at this local server-time estimate.
    Arrive(i64),
    /// Binance's answer (status, headers) reaches the process; the request was sent at this
    /// estimate.
    Response(u16, Vec<(String, String)>, i64),
}
