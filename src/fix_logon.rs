//! FIX API logon (spot): the `RawData(96)` signature of a Logon `<A>` message.
//!
//! The payload is MsgType(35), SenderCompID(49), TargetCompID(56), MsgSeqNum(34) and
//! SendingTime(52), joined with SOH (`\x01`), signed with Ed25519 and base64-encoded.

use crate::error::Error;
use crate::signer::Signer;
use crate::signing_key::{KeyKind, SigningKey};
use crate::wire::error::{FixField, WireError};

/// The fields of a FIX Logon message that its signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixLogon<'a> {
    /// SenderCompID(49).
    pub sender_comp_id: &'a str,
    /// TargetCompID(56), `SPOT` for Binance spot.
    pub target_comp_id: &'a str,
    /// MsgSeqNum(34).
    pub msg_seq_num: u64,
    /// SendingTime(52), exactly as sent (e.g. `20240627-11:17:25.223`).
    pub sending_time: &'a str,
}

impl FixLogon<'_> {
    /// The SOH-joined payload, starting with MsgType `A`.
    ///
    /// # Errors
    ///
    /// [`WireError::FixFieldSeparator`] when a field contains the SOH (`0x01`) separator: it would
    /// inject fields into the signed text.
    ///
    /// ```
    /// use binance_sign::fix_logon::FixLogon;
    /// let mut logon = FixLogon {
    ///     sender_comp_id: "EXAMPLE",
    ///     target_comp_id: "SPOT",
    ///     msg_seq_num: 1,
    ///     sending_time: "20240627-11:17:25.223",
    /// };
    /// assert_eq!(logon.payload()?, "A\x01EXAMPLE\x01SPOT\x011\x0120240627-11:17:25.223");
    /// logon.sender_comp_id = "EXAMPLE\x0156=OTHER";
    /// assert!(logon.payload().is_err());
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn payload(&self) -> Result<String, Error> {
        for (field, text) in [
            (FixField::SenderCompId, self.sender_comp_id),
            (FixField::TargetCompId, self.target_comp_id),
            (FixField::SendingTime, self.sending_time),
        ] {
            if let Some(position) = text.bytes().position(|b| b == 0x01) {
                return Err(Error::Wire(WireError::FixFieldSeparator {
                    field,
                    position,
                }));
            }
        }
        Ok(format!(
            "A\x01{}\x01{}\x01{}\x01{}",
            self.sender_comp_id, self.target_comp_id, self.msg_seq_num, self.sending_time
        ))
    }
}

/// The `RawData(96)` value of a FIX Logon signed with a bare key: the base64 Ed25519
/// signature of [`FixLogon::payload`]. [`Signer::fix_logon_raw_data`] is the same through a
/// signer.
///
/// # Errors
///
/// [`KeyError::WrongKeyKind`](crate::KeyError::WrongKeyKind) for a key that is not Ed25519
/// (Binance's FIX API takes Ed25519 only), [`WireError::FixFieldSeparator`]
/// for a field containing SOH.
pub fn raw_data(key: &SigningKey, logon: &FixLogon<'_>) -> Result<String, Error> {
    if key.kind() != KeyKind::Ed25519 {
        return Err(Error::Key(crate::KeyError::WrongKeyKind {
            operation: crate::signing_key::error::Operation::FixLogon,
            needed: KeyKind::Ed25519,
            actual: key.kind(),
        }));
    }
    let payload = logon.payload()?;
    Ok(key.sign_parts(&[payload.as_bytes()])?.to_text())
}

impl Signer {
    /// The `RawData(96)` value of a FIX Logon: the base64 Ed25519 signature of
    /// [`FixLogon::payload`]. Binance's FIX API takes Ed25519 keys only; other keys are refused.
    ///
    /// ```
    /// # #[cfg(feature = "ed25519")] {
    /// use binance_sign::{Signer, fix_logon::FixLogon};
    /// let pem = "-----BEGIN PRIVATE KEY-----\n\
    ///            MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n\
    ///            -----END PRIVATE KEY-----\n";
    /// let signer = Signer::ed25519_pem("api-key", pem)?;
    /// let raw_data = signer.fix_logon_raw_data(&FixLogon {
    ///     sender_comp_id: "EXAMPLE",
    ///     target_comp_id: "SPOT",
    ///     msg_seq_num: 1,
    ///     sending_time: "20240627-11:17:25.223",
    /// })?;
    /// assert_eq!(raw_data, "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==");
    /// # }
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongKeyKind`](crate::KeyError::WrongKeyKind) for a key that is not Ed25519, [`WireError::FixFieldSeparator`](crate::WireError::FixFieldSeparator) for
    /// a field containing SOH.
    pub fn fix_logon_raw_data(&self, logon: &FixLogon<'_>) -> Result<String, Error> {
        raw_data(self.signing_key(), logon)
    }
}
