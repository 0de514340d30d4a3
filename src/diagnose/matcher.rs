//! Does the sent signature match a candidate payload, and in which form was it sent?

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Code, Finding};
use crate::encoding::decode;
use crate::signer::Signer;
use crate::signing_key::Key;
use crate::signing_key::KeyKind;
use crate::signing_key::hmac::{self as hmac_key, hmac_fed};
use crate::signing_key::parse_hex_tag;

/// Where the signature travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Transport {
    /// In a query or form body: hex, or percent-encoded base64.
    Rest,
    /// In JSON: hex, or plain base64.
    Ws,
}

/// How the matching signature was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// As Binance expects it.
    Canonical,
    /// Base64 where Binance expects hex (HMAC).
    Base64ForHex,
    /// Base64 sent raw on REST (`+`, `/`, `=` unencoded), or percent-encoded in JSON.
    #[cfg_attr(not(any(feature = "ed25519", feature = "rsa")), allow(dead_code))]
    WrongBase64Encoding,
}

/// The HMAC tags the sent signature could stand for: hex, or base64 in some alphabet.
enum SentTag {
    Hex([u8; 32]),
    Base64(Vec<Vec<u8>>),
}

pub(super) struct Matcher<'a> {
    signer: &'a Signer,
    #[cfg_attr(not(any(feature = "ed25519", feature = "rsa")), allow(dead_code))]
    sent: &'a str,
    transport: Transport,
    tag: SentTag,
}

impl<'a> Matcher<'a> {
    pub(super) fn new(signer: &'a Signer, sent: &'a str, transport: Transport) -> Self {
        let tag = match parse_hex_tag(sent) {
            Some(tag) => SentTag::Hex(tag),
            None => {
                let decoded = decode(sent).unwrap_or_else(|_| sent.to_owned());
                let mut variants: Vec<Vec<u8>> = base64_variants(&decoded)
                    .chain(base64_variants(sent))
                    .filter(|bytes| bytes.len() == 32)
                    .collect();
                variants.dedup();
                SentTag::Base64(variants)
            }
        };
        Self {
            signer,
            sent,
            transport,
            tag,
        }
    }

    /// Whether the sent signature signs `payload` with the signer's key.
    pub(super) fn check(&self, payload: &str) -> Option<Form> {
        match self.signer.signing_key().material() {
            Key::Hmac(key) => self.check_hmac(key.state(), payload),
            #[cfg(any(feature = "ed25519", feature = "rsa"))]
            _ => self.check_asymmetric(payload),
        }
    }

    /// Whether the sent signature is the HMAC of `payload` under the keyed state `keyed`,
    /// compared in constant time.
    fn check_hmac(&self, keyed: &Hmac<Sha256>, payload: &str) -> Option<Form> {
        let mac = hmac_fed(keyed, &[payload.as_bytes()]);
        match &self.tag {
            SentTag::Hex(tag) => mac.verify_slice(tag).ok().map(|()| Form::Canonical),
            SentTag::Base64(variants) => variants
                .iter()
                .any(|bytes| mac.clone().verify_slice(bytes).is_ok())
                .then_some(Form::Base64ForHex),
        }
    }

    #[cfg(any(feature = "ed25519", feature = "rsa"))]
    fn check_asymmetric(&self, payload: &str) -> Option<Form> {
        let raw = self.sent.contains(['+', '/', '=']);
        let percent = self.sent.contains('%');
        let (canonical, text) = match self.transport {
            Transport::Rest if raw => (false, self.sent.to_owned()),
            Transport::Rest => (true, decode(self.sent).ok()?),
            Transport::Ws if percent => (false, decode(self.sent).ok()?),
            Transport::Ws => (true, self.sent.to_owned()),
        };
        let bytes = STANDARD.decode(text.as_bytes()).ok()?;
        let key = self.signer.signing_key();
        let signature = crate::signing_key::Signature::from_bytes(key.kind(), &bytes).ok()?;
        key.verify(payload.as_bytes(), &signature).ok().map(|()| {
            if canonical {
                Form::Canonical
            } else {
                Form::WrongBase64Encoding
            }
        })
    }

    /// Key mistakes that reproduce the sent signature over `payload`: the HMAC secret as
    /// loading mistakes leave it, or the API key (when one is known) used as the secret. One
    /// keyed state per variant; the variant's bytes live in a wiped buffer only while the
    /// state is made.
    pub(super) fn key_mistakes(
        &self,
        payload: &str,
        api_key: Option<&str>,
    ) -> Vec<(Form, Finding)> {
        let secret = match self.signer.signing_key().material() {
            Key::Hmac(key) => key.secret(),
            #[cfg(any(feature = "ed25519", feature = "rsa"))]
            _ => return Vec::new(),
        };
        let keyed = |prefix: &[u8], suffix: &[u8]| {
            let bytes = Zeroizing::new([prefix, secret, suffix].concat());
            hmac_key::keyed(&bytes)
        };
        let variants = [
            (keyed(b"", b"\n"), "plus a trailing newline"),
            (keyed(b"", b"\r\n"), "plus a trailing CRLF"),
            (keyed(b"", b" "), "plus a trailing space"),
            (keyed(b" ", b""), "plus a leading space"),
            (keyed(b"", b"\t"), "plus a trailing tab"),
            (keyed(b"\"", b"\""), "wrapped in double quotes"),
            (keyed(b"'", b"'"), "wrapped in single quotes"),
        ];
        let mut found = Vec::new();
        for (state, what) in &variants {
            if let Some(form) = self.check_hmac(state, payload) {
                found.push((form, Finding::new(
                    Code::SecretWhitespace,
                    format!("the request was signed with the secret {what}"),
                    "trim the secret you load (strip the trailing newline, spaces and quotes); Signer::hmac refuses such secrets",
                ).confirmed()));
            }
        }
        if let Some(api_key) = api_key
            && let Some(form) = self.check_hmac(&hmac_key::keyed(api_key.as_bytes()), payload)
        {
            found.push((
                form,
                Finding::new(
                    Code::ApiKeyAsSecret,
                    "the request was signed with the API key instead of the secret key",
                    "sign with the secret key; the API key only goes in the X-MBX-APIKEY header",
                )
                .confirmed(),
            ));
        }
        found
    }

    /// The `signature-encoding` finding for a signature that matched in `form`, if it is not
    /// the form Binance expects.
    pub(super) fn encoding_finding(&self, form: Form) -> Option<Finding> {
        let message = match (form, self.transport) {
            (Form::Canonical, _) => return None,
            (Form::Base64ForHex, _) => {
                "the HMAC signature was sent in base64; Binance expects 64 hex characters"
            }
            (Form::WrongBase64Encoding, Transport::Rest) => {
                "the base64 signature was sent without percent-encoding; on REST `+`, `/` and `=` must be %2B, %2F, %3D (a raw `+` reads as a space)"
            }
            (Form::WrongBase64Encoding, Transport::Ws) => {
                "the base64 signature was percent-encoded; in WebSocket params it goes as plain base64"
            }
        };
        let fix = match (self.signer.key_kind(), self.transport) {
            (KeyKind::Hmac, _) => "hex-encode the HMAC-SHA256 output (lowercase)",
            (_, Transport::Rest) => "percent-encode the base64 signature before appending it",
            (_, Transport::Ws) => "put the plain base64 signature in params",
        };
        Some(Finding::new(Code::SignatureEncoding, message, fix).confirmed())
    }
}

fn base64_variants(text: &str) -> impl Iterator<Item = Vec<u8>> + '_ {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .into_iter()
        .filter_map(move |engine| engine.decode(text.as_bytes()).ok())
}
