//! Does the sent signature match a candidate payload, and in which form was it sent?

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::Mac;

use crate::encoding::decode;
use crate::keys;
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
        let mut mac = keys::keyed(secret);
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut hex_tag = [0u8; 32];
        if self.sent.len() == 64 && hex::decode_to_slice(self.sent, &mut hex_tag).is_ok() {
            return (hex_tag.as_slice() == tag.as_slice()).then_some(Form::Canonical);
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
