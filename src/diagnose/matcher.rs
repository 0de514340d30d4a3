//! Does the sent signature match a candidate payload, and in which form was it sent?

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::{Code, Finding};
use crate::encoding::decode;
use crate::keys;
use crate::keys::KeyKind;
use crate::signer::{Key, Signer};

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
    WrongBase64Encoding,
}

pub(super) struct Matcher<'a> {
    signer: &'a Signer,
    sent: &'a str,
    transport: Transport,
}

impl<'a> Matcher<'a> {
    pub(super) fn new(signer: &'a Signer, sent: &'a str, transport: Transport) -> Self {
        Self {
            signer,
            sent,
            transport,
        }
    }

    /// The HMAC secret, when the key is one.
    pub(super) fn secret(&self) -> Option<&'a [u8]> {
        match self.signer.key() {
            Key::Hmac(key) => Some(key.secret()),
            #[cfg(any(feature = "ed25519", feature = "rsa"))]
            _ => None,
        }
    }

    /// Whether the sent signature signs `payload` with the signer's key.
    pub(super) fn check(&self, payload: &str) -> Option<Form> {
        match self.secret() {
            Some(secret) => self.check_hmac(secret, payload),
            None => self.check_asymmetric(payload),
        }
    }

    /// Whether the sent signature is the HMAC of `payload` under `secret`.
    pub(super) fn check_hmac(&self, secret: &[u8], payload: &str) -> Option<Form> {
        let tag = keys::hmac_tag(&keys::keyed(secret), &[payload.as_bytes()]);
        if let Some(sent) = keys::parse_hex_tag(self.sent) {
            return (sent == tag).then_some(Form::Canonical);
        }
        let text = decode(self.sent).unwrap_or_else(|_| self.sent.to_owned());
        base64_variants(&text)
            .chain(base64_variants(self.sent))
            .any(|bytes| bytes == tag.as_slice())
            .then_some(Form::Base64ForHex)
    }

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
        self.signer
            .verify_signature_bytes(&[payload.as_bytes()], &bytes)
            .ok()
            .map(|()| {
                if canonical {
                    Form::Canonical
                } else {
                    Form::WrongBase64Encoding
                }
            })
    }
}

fn base64_variants(text: &str) -> impl Iterator<Item = Vec<u8>> + '_ {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .into_iter()
        .filter_map(move |engine| engine.decode(text.as_bytes()).ok())
}

impl Matcher<'_> {
    /// Key mistakes that reproduce the sent signature over `payload`: the HMAC secret as
    /// loading mistakes leave it, or the API key used as the secret. Confirmed findings, each
    /// with the form the signature was sent in.
    pub(super) fn key_mistakes(&self, payload: &str) -> Vec<(Form, Finding)> {
        let Some(secret) = self.secret() else {
            return Vec::new();
        };
        let with = |prefix: &[u8], suffix: &[u8]| [prefix, secret, suffix].concat();
        let variants = [
            (with(b"", b"\n"), "plus a trailing newline"),
            (with(b"", b"\r\n"), "plus a trailing CRLF"),
            (with(b"", b" "), "plus a trailing space"),
            (with(b" ", b""), "plus a leading space"),
            (with(b"", b"\t"), "plus a trailing tab"),
            (with(b"\"", b"\""), "wrapped in double quotes"),
            (with(b"'", b"'"), "wrapped in single quotes"),
        ];
        let mut found = Vec::new();
        for (variant, what) in variants {
            if let Some(form) = self.check_hmac(&variant, payload) {
                found.push((form, Finding::new(
                    Code::SecretWhitespace,
                    format!("the request was signed with the secret {what}"),
                    "trim the secret you load (strip the trailing newline, spaces and quotes); Signer::hmac refuses such secrets",
                ).confirmed()));
            }
        }
        if let Some(form) = self.check_hmac(self.signer.api_key().as_bytes(), payload) {
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
