//! Key kinds: parsing once, reading the kind from the key, refusing what Binance would refuse.
#![cfg(all(feature = "ed25519", feature = "rsa"))]

use binance_sign::fix_logon::FixLogon;
use binance_sign::{Error, KeyError, KeyKind, Signer, Timestamp, VerifyError};

const ED25519: &str = include_str!("data/ed25519-binance-docs.pem");
const ED25519_ENCRYPTED: &str = include_str!("data/ed25519-encrypted.pem");
const RSA_2048: &str = include_str!("data/rsa-2048.pem");
const RSA_2048_ENCRYPTED: &str = include_str!("data/rsa-2048-encrypted.pem");
const RSA_2048_PKCS1: &str = include_str!("data/rsa-2048-pkcs1.pem");
const RSA_2048_PUBLIC: &str = include_str!("data/rsa-2048-public.pem");
const RSA_1024: &str = include_str!("data/rsa-1024.pem");
const EC_P256: &str = include_str!("data/ec-p256.pem");

fn invalid_key(result: Result<Signer, Error>) -> String {
    match result {
        Err(e @ Error::Key(KeyError::InvalidKey { .. })) => e.to_string(),
        other => panic!("expected InvalidKey, got {other:?}"),
    }
}

#[test]
fn kind_is_read_from_the_algorithm_identifier() {
    assert_eq!(
        Signer::from_pem("k", ED25519, None).unwrap().key_kind(),
        KeyKind::Ed25519
    );
    assert_eq!(
        Signer::from_pem("k", RSA_2048, None).unwrap().key_kind(),
        KeyKind::Rsa
    );
    let msg = invalid_key(Signer::rsa_pem("k", ED25519));
    assert!(
        msg.contains("Ed25519") && msg.contains("Signer::ed25519_pem"),
        "{msg}"
    );
    let msg = invalid_key(Signer::ed25519_pem("k", RSA_2048));
    assert!(
        msg.contains("RSA") && msg.contains("Signer::rsa_pem"),
        "{msg}"
    );
}

#[test]
fn refusals_are_typed_and_clear() {
    let msg = invalid_key(Signer::rsa_pem("k", RSA_2048_PKCS1));
    assert!(
        msg.contains("PKCS#1") && msg.contains("openssl pkcs8 -topk8"),
        "{msg}"
    );
    let msg = invalid_key(Signer::rsa_pem("k", RSA_1024));
    assert!(
        msg.contains("1024 bits") && msg.contains("2048 to 4096"),
        "{msg}"
    );
    let msg = invalid_key(Signer::rsa_pem("k", RSA_2048_PUBLIC));
    assert!(msg.contains("public key"), "{msg}");
    let msg = invalid_key(Signer::from_pem("k", EC_P256, None));
    assert!(msg.contains("unsupported key algorithm"), "{msg}");
    for garbage in [
        "",
        "hello",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ] {
        invalid_key(Signer::from_pem("k", garbage, None));
    }
    // A truncated but well-armored key.
    let truncated = ED25519.replace(
        "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u",
        "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9",
    );
    invalid_key(Signer::ed25519_pem("k", &truncated));
    assert!(matches!(
        Signer::ed25519_pem("bad key", ED25519),
        Err(Error::Key(KeyError::InvalidApiKey(_)))
    ));
}

#[test]
#[cfg(not(feature = "encrypted-pem"))]
fn encrypted_pkcs8_needs_its_feature() {
    let msg = invalid_key(Signer::from_pem(
        "k",
        ED25519_ENCRYPTED,
        Some(b"correct-horse"),
    ));
    assert!(msg.contains("encrypted-pem"), "{msg}");
    let _ = RSA_2048_ENCRYPTED;
}

#[test]
#[cfg(feature = "encrypted-pem")]
fn encrypted_pkcs8() {
    let msg = invalid_key(Signer::ed25519_pem("k", ED25519_ENCRYPTED));
    assert!(msg.contains("passphrase"), "{msg}");
    let msg = invalid_key(Signer::ed25519_pem_encrypted(
        "k",
        ED25519_ENCRYPTED,
        "wrong",
    ));
    assert!(msg.contains("wrong passphrase"), "{msg}");
    let plain = Signer::ed25519_pem("k", ED25519).unwrap();
    let decrypted = Signer::ed25519_pem_encrypted("k", ED25519_ENCRYPTED, "correct-horse").unwrap();
    let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
    assert_eq!(
        plain
            .sign_query(&binance_sign::Params::new(), ts, None)
            .unwrap(),
        decrypted
            .sign_query(&binance_sign::Params::new(), ts, None)
            .unwrap()
    );
    let rsa = Signer::rsa_pem_encrypted("k", RSA_2048_ENCRYPTED, b"correct-horse").unwrap();
    assert_eq!(rsa.key_kind(), KeyKind::Rsa);
}

#[test]
fn debug_never_shows_key_material() {
    for signer in [
        Signer::ed25519_pem("visible-api-key", ED25519).unwrap(),
        Signer::rsa_pem("visible-api-key", RSA_2048).unwrap(),
        Signer::hmac(
            "visible-api-key",
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        )
        .unwrap(),
    ] {
        let debug = format!("{signer:?}");
        assert!(!debug.contains("visible-api-key"), "{debug}");
        assert!(!debug.contains("NhqPtmdS"), "{debug}");
        assert!(!debug.contains("MC4CAQ"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
}

#[test]
fn ed25519_only_operations_refuse_other_keys() {
    let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
    let logon = FixLogon {
        sender_comp_id: "A",
        target_comp_id: "SPOT",
        msg_seq_num: 1,
        sending_time: "x",
    };
    for signer in [
        Signer::rsa_pem("k", RSA_2048).unwrap(),
        Signer::hmac("k", "s").unwrap(),
    ] {
        assert!(matches!(
            signer.ws_logon(ts, None),
            Err(Error::Key(KeyError::WrongKeyKind { .. }))
        ));
        assert!(matches!(
            signer.fix_logon_raw_data(&logon),
            Err(Error::Key(KeyError::WrongKeyKind { .. }))
        ));
    }
    let ed = Signer::ed25519_pem("my-key", ED25519).unwrap();
    let logon = ed.ws_logon(ts, None).unwrap();
    assert_eq!(logon.payload(), "apiKey=my-key&timestamp=1700000000000");
    let keys: Vec<_> = logon.params().keys().map(String::as_str).collect();
    assert_eq!(keys, ["apiKey", "signature", "timestamp"]);
    ed.verify_ws(logon.params()).unwrap();
}

#[test]
fn asymmetric_rest_signatures_must_arrive_percent_encoded() {
    let ed = Signer::ed25519_pem("k", ED25519).unwrap();
    let req = ed
        .sign_encoded("symbol=BTCUSDT&timestamp=1700000000000", "")
        .unwrap();
    let raw = binance_sign::encoding::decode(req.signature()).unwrap();
    let (payload, _) = req.payload_parts();
    let unencoded = format!("{payload}&signature={raw}");
    assert!(matches!(
        ed.verify(&unencoded, ""),
        Err(Error::Verify(VerifyError::SignatureFormat(_)))
    ));
    ed.verify(req.query(), "").unwrap();
}

#[test]
fn shared_types_are_send_sync_and_clone() {
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<Signer>();
    clone::<Signer>();
    send_sync::<binance_sign::SignedRequest>();
    send_sync::<binance_sign::limits::Governor>();
    send_sync::<binance_sign::TimeSync>();
    clone::<binance_sign::TimeSync>();
}
