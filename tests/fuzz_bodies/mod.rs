//! The bodies of the fuzz targets, shared by `fuzz_targets/*.rs` (cargo fuzz) and by the
//! crate's `tests/fuzz_replay.rs`, which replays every seed corpus in CI.
//!
//! Inputs are mostly text, so seeds can be written by hand from the shared vectors: see
//! `fuzz/README.md` for each target's format.
#![allow(dead_code)]

mod engine;
#[allow(unused_imports)] // each fuzz binary uses one body
pub use engine::engine_responses;

use binance_sign::diagnose::Input;
use binance_sign::encoding::decode_pairs;
use binance_sign::ws::WsParams;
use binance_sign::{LocalReading, Params, RecvWindow, Signer, TimeSync, Timestamp};

const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const ED25519: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n-----END PRIVATE KEY-----\n";

fn hmac() -> Signer {
    Signer::hmac(API_KEY, SECRET).expect("valid test secret")
}

fn ed25519() -> Signer {
    Signer::ed25519_pem(API_KEY, ED25519).expect("valid test key")
}

/// `k=v` lines (split at the first `=`) of the lossy UTF-8 text.
fn lines(text: &str) -> Vec<(String, String)> {
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Format: one control byte (bit 0-1: query, body or split; bit 2: recvWindow; bit 3: µs
/// timestamp; bit 4: Ed25519 key; high nibble: split point), then `k=v` lines.
pub fn params_roundtrip(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let pairs = lines(&text);
    let Ok(all) = Params::try_from_pairs(pairs.iter().map(|(k, v)| (k, v))) else {
        return; // refused with a typed error: fine
    };
    let signer = if control & 0x10 != 0 {
        ed25519()
    } else {
        hmac()
    };
    let ts = if control & 0x08 != 0 {
        Timestamp::from_micros(1_700_000_000_123_456)
    } else {
        Timestamp::from_millis(1_700_000_000_123)
    }
    .expect("in range");
    let rw = (control & 0x04 != 0).then(|| RecvWindow::from_micros(6_000_346).expect("in range"));
    let split = usize::from(control >> 4).min(pairs.len());
    let req = match control & 0x03 {
        0 => signer.sign_query(&all, ts, rw),
        1 => signer.sign_body(&all, ts, rw),
        _ => {
            let q =
                Params::try_from_pairs(pairs[..split].iter().map(|(k, v)| (k, v))).expect("subset");
            let b =
                Params::try_from_pairs(pairs[split..].iter().map(|(k, v)| (k, v))).expect("subset");
            signer.sign_split(&q, &b, ts, rw)
        }
    }
    .expect("valid params always sign");
    signer
        .verify(req.query(), req.body())
        .expect("our own output verifies");
    assert!(req.query().is_ascii() && req.body().is_ascii());
    let mut decoded = decode_pairs(req.query()).expect("decodes");
    decoded.extend(decode_pairs(req.body()).expect("decodes"));
    assert_eq!(
        &decoded[..pairs.len()],
        &pairs[..],
        "decoding gives the pairs back, in order"
    );
    let tail: Vec<&str> = decoded[pairs.len()..]
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    let expected: &[&str] = if rw.is_some() {
        &["recvWindow", "timestamp", "signature"]
    } else {
        &["timestamp", "signature"]
    };
    assert_eq!(tail, expected);
    if !req.body().is_empty() {
        let query_keys = decode_pairs(req.query()).expect("decodes");
        assert!(
            query_keys.iter().all(|(k, _)| k != "signature"),
            "the signature is in the body"
        );
    }
}

/// Format: lossy UTF-8; the first `\n` separates query from body.
pub fn parse_signed(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (query, body) = text.split_once('\n').unwrap_or((&text, ""));
    for signer in [hmac(), ed25519()] {
        let _ = signer.verify(query, body);
        if let Ok(req) = signer.sign_encoded(query, body) {
            signer
                .verify(req.query(), req.body())
                .expect("sign_encoded output verifies");
        }
        let _ = signer.diagnose(
            &Input::rest(query, body)
                .server_time(
                    binance_sign::ServerTime::from_millis(1_700_000_000_000).expect("in range"),
                )
                .error_code(-1022),
        );
        let _ = signer.diagnose(&Input::websocket(&text));
    }
    let _ = decode_pairs(&text);
    let _ = text.parse::<RecvWindow>();
}

/// Format: arbitrary bytes, read by `Arbitrary` into tricky parameters. Each is encoded by
/// `form_urlencoded`, `serde_urlencoded`, `url`'s query serializer and this crate, and every
/// encoding must carry what was meant through the `check` oracle, as a query and as a body,
/// signed through `sign_encoded` or not: its verdict is ok exactly when the rule book takes
/// every value, and its findings are only the rule book's.
pub fn encoders(data: &[u8]) {
    use binance_sign::check::{Expect, check};
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(params) = <Params as arbitrary::Arbitrary>::arbitrary(&mut u) else {
        return;
    };
    let pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let expect: Vec<Expect<'_>> = pairs.iter().map(|(k, v)| Expect::text(k, v)).collect();
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let serde_form = serde_urlencoded::to_string(&pairs).expect("pairs of strings serialize");
    let mut url = url::Url::parse("https://api.binance.com/api/v3/order").expect("a URL");
    url.query_pairs_mut().extend_pairs(&pairs);
    let url_query = url.query().unwrap_or_default().to_owned();
    let signer = hmac();
    let borrowed: Vec<(&str, &str)> = params.iter().collect();
    let rules_ok = binance_sign::rules::check_pairs(&borrowed, None).is_ok();
    let carries_what_was_meant = |name: &str, verdict: &binance_sign::check::Verdict| {
        assert_eq!(verdict.ok, rules_ok, "{name}: {:?}", verdict.findings);
        for f in &verdict.findings {
            assert!(
                f.code.is_rule_book(),
                "{name}: a finding outside the rule book: {f:?}"
            );
        }
    };
    for (name, encoded) in [
        ("form_urlencoded", form.as_str()),
        ("serde_urlencoded", serde_form.as_str()),
        ("url", url_query.as_str()),
        ("binance-sign", params.encoded()),
    ] {
        for (query, body) in [(encoded, ""), ("", encoded)] {
            carries_what_was_meant(name, &check(&expect, query, body, None));
        }
        let with_ts = format!("{encoded}&timestamp=1700000000000");
        let req = signer
            .sign_encoded(&with_ts, "")
            .expect("every encoding signs as it is");
        carries_what_was_meant(
            name,
            &check(&expect, req.query(), req.body(), Some(&signer)),
        );
    }
}

/// Format: `k=v` lines; the first line's first byte picks the product (`s`pot, `f`utures,
/// anything else unknown). The rule book never panics on any key or value, and on the
/// request the crate signs from the lines, the oracle and the doctor agree: `check` is ok
/// exactly when `diagnose` reports no error.
pub fn rules(data: &[u8]) {
    use binance_sign::Product;
    use binance_sign::check::Expect;
    use binance_sign::rules::Severity;
    use binance_sign::rules::{check_pairs, check_repeats, check_value};
    let text = String::from_utf8_lossy(data);
    let product = match text.as_bytes().first() {
        Some(b's') => Some(Product::Spot),
        Some(b'f') => Some(Product::UsdMFutures),
        _ => None,
    };
    let pairs = lines(&text);
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (k, v) in &borrowed {
        let _ = check_value(k, v, product);
        let _ = check_repeats(k, 2, 0);
        let _ = check_repeats(k, 1, 1);
    }
    let _ = check_pairs(&borrowed, product);
    let Ok(params) = Params::try_from_pairs(borrowed.iter().copied()) else {
        return;
    };
    let signer = hmac();
    let at = Timestamp::from_millis(1_700_000_000_000).expect("in range");
    let Ok(req) = signer.sign_query(&params, at, None) else {
        return;
    };
    let expect: Vec<Expect<'_>> = borrowed.iter().map(|(k, v)| Expect::text(*k, *v)).collect();
    let verdict =
        binance_sign::check::check_for(&expect, req.query(), req.body(), Some(&signer), product);
    let mut input = Input::rest(req.query(), req.body());
    input.product = product;
    let diagnosis = signer.diagnose(&input).expect("REST never fails");
    let errors = diagnosis
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    assert_eq!(
        verdict.ok, !errors,
        "check: {:?}\ndiagnose: {:?}",
        verdict.findings, diagnosis.findings
    );
}

/// Format: arbitrary bytes, tried as PEM text and as DER inside a PEM armor.
pub fn pem_keys(data: &[u8]) {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(data);
    let _ = Signer::from_pem("k", &text, None);
    let _ = Signer::from_pem("k", &text, Some(b"pass"));
    let _ = Signer::rsa_pem("k", &text);
    let der = base64::engine::general_purpose::STANDARD.encode(data);
    for label in ["PRIVATE KEY", "ENCRYPTED PRIVATE KEY"] {
        let pem = format!("-----BEGIN {label}-----\n{der}\n-----END {label}-----\n");
        if let Ok(signer) = Signer::from_pem("k", &pem, Some(b"pass")) {
            let req = signer
                .sign_encoded("timestamp=1700000000000", "")
                .expect("a parsed key signs");
            signer
                .verify(req.query(), req.body())
                .expect("and verifies");
        }
    }
}

fn u64_at(chunk: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&chunk[i * 8..i * 8 + 8]);
    u64::from_le_bytes(b)
}

/// Format: 56-byte records of seven little-endian u64. With the lowest bit of the first clear,
/// the values are folded into a plausible probe (round trip under 20 s, offset within ±1 day,
/// wall-clock jitter and steps, a later "now"), so the estimator is reached; otherwise they are
/// used raw, to reach the refusals. Timestamps handed out must never go backwards.
pub fn time_sync(data: &[u8]) {
    let mut sync = TimeSync::new();
    let mut last = 0u64;
    let mut mono = 0u64;
    for chunk in data.chunks_exact(56) {
        let v: Vec<u64> = (0..7).map(|i| u64_at(chunk, i)).collect();
        let (sent, server, received, now) = if v[0] & 1 == 0 {
            let wall0 = 1_600_000_000_000_000 + v[0] % 400_000_000_000_000;
            mono = mono.saturating_add(v[1] % 3_600_000_000);
            let rtt = v[4] % 20_000_000;
            let jitter = v[3] % 200_000;
            let offset = v[2] % 172_800_000;
            let server = (wall0 / 1000 + offset).saturating_sub(86_400_000);
            let later = v[6] % 7_200_000_000;
            (
                LocalReading::from_micros(wall0, mono),
                server,
                LocalReading::from_micros(
                    (wall0 + rtt + jitter).saturating_sub(100_000),
                    mono + rtt,
                ),
                LocalReading::from_micros(
                    (wall0 + v[5] % 10_000_000_000).saturating_sub(5_000_000_000),
                    mono + rtt + later,
                ),
            )
        } else {
            (
                LocalReading::from_micros(v[0], v[1]),
                v[2],
                LocalReading::from_micros(v[3], v[4]),
                LocalReading::from_micros(v[5], v[6]),
            )
        };
        if let Ok(server) = binance_sign::ServerTime::from_millis(server) {
            let _ = sync.observe(sent, server, received);
        }
        let _ = sync.estimate(now);
        let _ = sync.needs_resync(now);
        if let Ok(ts) = sync.timestamp(now) {
            assert!(ts.as_micros() >= last, "timestamps never go backwards");
            last = ts.as_micros();
        }
        if let Ok(ts) = sync.timestamp_micros(now) {
            assert!(ts.as_micros() >= last, "timestamps never go backwards");
            last = ts.as_micros();
        }
    }
    let mut p = WsParams::new();
    let _ = p.insert("x", "y");
}

/// A scripted response: status, when it was sent and received, headers.
type Response = (
    u16,
    binance_sign::ServerTime,
    binance_sign::ServerTime,
    Vec<(String, String)>,
);

/// Format: lines. `S <status> <sent ms> <received ms>` starts a response (times relative to a
/// base in 2026; any digits, saturated), `H name: value` adds a header to it, `W <json>` feeds a
/// WebSocket response, `B <text>` an error body, `A <t ms> <weight> <order 0|1>` asks the
/// governor. Never a panic or overflow, and after a 429 or 418 whose `Retry-After` cannot be
/// read, no `Send` before the default hold ends.
pub fn limits(data: &[u8]) {
    use binance_sign::ServerTime;
    use binance_sign::advanced::parse_retry_after;
    use binance_sign::limits::{Decision, Governor, RateLimit};
    const BASE: u64 = 1_796_256_000_000;
    let text = String::from_utf8_lossy(data);
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    let at = |ms: u64| {
        ServerTime::from_millis(BASE.saturating_add(ms % 10_000_000_000_000))
            .unwrap_or(ServerTime::MAX)
    };
    let governor = Governor::new(RateLimit::spot_defaults());
    let mut response: Option<Response> = None;
    let mut hold_until: Option<ServerTime> = None;
    let flush = |response: &mut Option<Response>, hold_until: &mut Option<ServerTime>| {
        if let Some((status, sent, received, headers)) = response.take() {
            let _ = governor.observe(
                sent,
                received,
                status,
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let readable = headers.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("retry-after") && parse_retry_after(v, received).is_ok()
            });
            if (status == 429 || status == 418) && !readable {
                let until = received.saturating_add(std::time::Duration::from_secs(60));
                *hold_until = Some(hold_until.map_or(until, |u| u.max(until)));
            }
        }
    };
    for line in text.lines() {
        // A tag is two ASCII bytes; a line starting otherwise (say, mid-character) is no tag.
        let (tag, rest) = line.split_at_checked(2).unwrap_or(("", line));
        let mut words = rest.split(' ');
        match tag {
            "S " => {
                flush(&mut response, &mut hold_until);
                let status = u16::try_from(num(words.next()) % 1000).unwrap_or(200);
                let sent = at(num(words.next()));
                let received = at(num(words.next()));
                response = Some((status, sent, received, Vec::new()));
            }
            "H " => {
                if let Some((_, _, _, headers)) = response.as_mut() {
                    let (name, value) = rest.split_once(':').unwrap_or((rest, ""));
                    headers.push((name.to_owned(), value.trim().to_owned()));
                }
            }
            "W " => {
                flush(&mut response, &mut hold_until);
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(rest) {
                    let now = at(num(value.get("t").and_then(|t| t.as_str())));
                    let _ = governor.observe_ws(now, now, &value);
                }
            }
            "B " => {
                governor.observe_body(rest);
            }
            "A " => {
                flush(&mut response, &mut hold_until);
                let now = at(num(words.next()));
                let weight = u32::try_from(num(words.next())).unwrap_or(u32::MAX);
                let is_order = num(words.next()) == 1;
                let decision = governor.acquire(now, weight, is_order);
                if hold_until.is_some_and(|until| now < until) {
                    assert!(decision != Decision::Send, "sent during a hold");
                }
            }
            _ => {}
        }
    }
    flush(&mut response, &mut hold_until);
}

/// Format: any bytes, read as a value from the fleet's store (the first 8 bytes, when there
/// are 8, also as `now` in ms). Never a panic; a count is accepted exactly when it is 1 to 15
/// ASCII digits, and then is their value; a hold or ban exactly when it is also at most 3 days
/// after `now`.
pub fn store_values(data: &[u8]) {
    use binance_sign::advanced::{MAX_COUNT_DIGITS, parse_store_count, parse_store_hold};
    let canonical =
        !data.is_empty() && data.len() <= MAX_COUNT_DIGITS && data.iter().all(u8::is_ascii_digit);
    let count = parse_store_count(data);
    assert_eq!(count.is_some(), canonical, "{data:?}");
    if let Some(n) = count {
        let reference: u64 = std::str::from_utf8(data).unwrap().parse().unwrap();
        assert_eq!(n, reference);
    }
    let now = data.get(..8).map_or(0, |b| {
        u64::from_le_bytes(b.try_into().unwrap()) % 10_000_000_000_000
    });
    let hold = parse_store_hold(data, now);
    let cap = now + 3 * 24 * 3_600_000;
    assert_eq!(
        hold,
        count.filter(|&until| until <= cap),
        "{data:?} at {now}"
    );
}
