//! Property tests of the REST form over arbitrary Unicode keys and values.

use binance_sign::encoding::decode_pairs;
use binance_sign::{Params, RecvWindow, SignedRequest, Signer, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use sha2::Sha256;

/// Printable Unicode text (no control characters), 1 to 12 chars.
fn text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{1,12}"
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((text(), text()), 0..8).prop_map(|pairs| {
        let mut seen = std::collections::HashSet::new();
        pairs
            .into_iter()
            .filter(|(k, _)| !["signature", "timestamp", "recvWindow"].contains(&k.as_str()))
            .filter(|(k, _)| seen.insert(k.clone()))
            .collect()
    })
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{64}"
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (1_483_228_800_000u64..9_999_999_999_999).prop_map(|v| Timestamp::from_millis(v).unwrap()),
        (1_483_228_800_000_000u64..9_999_999_999_999_999)
            .prop_map(|v| Timestamp::from_micros(v).unwrap()),
    ]
}

fn recv_window() -> impl Strategy<Value = Option<RecvWindow>> {
    proptest::option::of((1u64..=60_000_000).prop_map(|v| RecvWindow::from_micros(v).unwrap()))
}

#[derive(Debug, Clone, Copy)]
enum Placement {
    Query,
    Body,
    Split(usize),
}

fn placement() -> impl Strategy<Value = Placement> {
    prop_oneof![
        Just(Placement::Query),
        Just(Placement::Body),
        (0usize..8).prop_map(Placement::Split)
    ]
}

fn sign(
    signer: &Signer,
    pairs: &[(String, String)],
    placement: Placement,
    ts: Timestamp,
    rw: Option<RecvWindow>,
) -> SignedRequest {
    let all = Params::try_from_pairs(pairs.iter().map(|(k, v)| (k, v))).unwrap();
    match placement {
        Placement::Query => signer.sign_query(&all, ts, rw).unwrap(),
        Placement::Body => signer.sign_body(&all, ts, rw).unwrap(),
        Placement::Split(at) => {
            let at = at.min(pairs.len());
            let q = Params::try_from_pairs(pairs[..at].iter().map(|(k, v)| (k, v))).unwrap();
            let b = Params::try_from_pairs(pairs[at..].iter().map(|(k, v)| (k, v))).unwrap();
            signer.sign_split(&q, &b, ts, rw).unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signature_is_hmac_of_query_then_body(
        secret in secret(), pairs in pairs(), placement in placement(),
        ts in timestamp(), rw in recv_window(),
    ) {
        let signer = Signer::hmac("api-key", &secret).unwrap();
        let req = sign(&signer, &pairs, placement, ts, rw);
        let (q, b) = req.payload_parts();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(q.as_bytes());
        mac.update(b.as_bytes());
        let expected = hex::encode(mac.finalize().into_bytes());
        prop_assert_eq!(req.signature(), expected.as_str());
        // The payload is what is sent, minus the trailing signature, with nothing in between.
        let sent = format!("{}{}", req.query(), req.body());
        prop_assert_eq!(sent, format!("{}{}&signature={}", q, b, expected));
    }

    #[test]
    fn decoding_gives_back_the_pairs_in_order_then_the_tail(
        pairs in pairs(), placement in placement(), ts in timestamp(), rw in recv_window(),
    ) {
        let signer = Signer::hmac("api-key", "secret").unwrap();
        let req = sign(&signer, &pairs, placement, ts, rw);
        let mut decoded = decode_pairs(req.query()).unwrap();
        decoded.extend(decode_pairs(req.body()).unwrap());
        let n = pairs.len();
        prop_assert_eq!(&decoded[..n], &pairs[..]);
        let tail: Vec<&str> = decoded[n..].iter().map(|(k, _)| k.as_str()).collect();
        let mut expected_tail = vec![];
        if rw.is_some() { expected_tail.push("recvWindow"); }
        expected_tail.extend(["timestamp", "signature"]);
        prop_assert_eq!(tail, expected_tail);
        prop_assert_eq!(&decoded[decoded.len() - 2].1, &ts.to_string());
        if let Some(rw) = rw {
            prop_assert_eq!(&decoded[decoded.len() - 3].1, &rw.to_string());
        }
        let mut keys: Vec<_> = decoded.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), decoded.len(), "no key twice");
        // The signature is in the last non-empty part.
        if !req.body().is_empty() {
            prop_assert!(!req.query().contains("signature="));
        }
    }

    #[test]
    fn http_clients_do_not_reencode(pairs in pairs(), ts in timestamp(), rw in recv_window()) {
        let signer = Signer::hmac("api-key", "secret").unwrap();
        let req = sign(&signer, &pairs, Placement::Query, ts, rw);
        let url = url::Url::parse(&format!("https://api.binance.com/api/v3/order?{}", req.query())).unwrap();
        prop_assert_eq!(url.query(), Some(req.query()));
        prop_assert!(req.query().is_ascii());
    }

    #[test]
    fn verify_accepts_signed_and_rejects_any_single_byte_change(
        secret in secret(), pairs in pairs(), placement in placement(),
        ts in timestamp(), rw in recv_window(), index in any::<prop::sample::Index>(),
        replacement in prop::sample::select(b"0123456789abcdefXYZ&=%+".to_vec()),
    ) {
        let signer = Signer::hmac("api-key", &secret).unwrap();
        let req = sign(&signer, &pairs, placement, ts, rw);
        prop_assert!(signer.verify(req.query(), req.body()).is_ok());
        let qlen = req.query().len();
        let mut bytes = format!("{}{}", req.query(), req.body()).into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(!bytes[i].eq_ignore_ascii_case(&replacement));
        bytes[i] = replacement;
        let text = String::from_utf8(bytes).unwrap();
        let (q, b) = text.split_at(qlen);
        prop_assert!(signer.verify(q, b).is_err(), "accepted a change at byte {}: {:?} {:?}", i, q, b);
    }

    #[test]
    fn sign_encoded_of_our_own_output_matches(pairs in pairs(), ts in timestamp(), rw in recv_window()) {
        let signer = Signer::hmac("api-key", "secret").unwrap();
        let req = sign(&signer, &pairs, Placement::Body, ts, rw);
        let (_, payload) = req.payload_parts();
        let again = signer.sign_encoded("", payload).unwrap();
        prop_assert_eq!(again.body(), req.body());
    }
}

// --- Key kinds and the WebSocket form -------------------------------------------------------

#[cfg(all(feature = "ed25519", feature = "rsa"))]
mod key_kinds {
    use super::*;
    use binance_sign::ws::WsParams;
    use std::sync::OnceLock;

    fn signers() -> &'static [Signer; 3] {
        static SIGNERS: OnceLock<[Signer; 3]> = OnceLock::new();
        SIGNERS.get_or_init(|| {
            [
                Signer::hmac("api-key", "secret").unwrap(),
                Signer::ed25519_pem("api-key", include_str!("data/ed25519-binance-docs.pem"))
                    .unwrap(),
                Signer::rsa_pem("api-key", include_str!("data/rsa-2048.pem")).unwrap(),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn every_key_kind_round_trips_and_encodes_base64(
            which in 0usize..3, pairs in pairs(), placement in placement(),
            ts in timestamp(), rw in recv_window(),
        ) {
            let signer = &signers()[which];
            let req = sign(signer, &pairs, placement, ts, rw);
            prop_assert!(signer.verify(req.query(), req.body()).is_ok());
            prop_assert!(req.query().is_ascii() && req.body().is_ascii(), "REST output is ASCII");
            prop_assert!(!req.signature().contains(['+', '/', '=']), "{}", req.signature());
            // Tampering with the payload breaks every kind.
            let (q, b) = req.payload_parts();
            let tampered = format!("{q}{b}x=1&signature={}", req.signature());
            prop_assert!(signer.verify(&tampered, "").is_err());
        }

        #[test]
        fn ws_payload_is_sorted_raw_and_verifies(which in 0usize..3, pairs in pairs(), ts in timestamp()) {
            let pairs: Vec<_> = pairs.into_iter().filter(|(k, _)| k != "apiKey").collect();
            let mut params = WsParams::new();
            for (k, v) in &pairs {
                params.insert(k, v.as_str()).unwrap();
            }
            let signer = &signers()[which];
            let signed = signer.sign_ws(&params, ts, None).unwrap();
            // The payload, rebuilt independently: byte-order sort, raw values.
            let mut expected: Vec<(String, String)> = pairs.clone();
            expected.push(("apiKey".into(), "api-key".into()));
            expected.push(("timestamp".into(), ts.to_string()));
            expected.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let expected: Vec<String> = expected.iter().map(|(k, v)| format!("{k}={v}")).collect();
            prop_assert_eq!(signed.payload(), expected.join("&"));
            if !pairs.iter().any(|(k, v)| k.contains('%') || v.contains('%')) {
                prop_assert!(!signed.payload().contains('%'), "the WS form is never percent-encoded");
            }
            prop_assert!(signer.verify_ws(signed.params()).is_ok());
            // The signature travels unencoded.
            prop_assert_eq!(signed.params()["signature"].as_str(), Some(signed.signature()));
        }
    }
}
