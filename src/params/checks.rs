//! The checks every user key and value goes through, whatever the API form.

use crate::encoding::is_unreserved;

use super::RESERVED_KEYS;
use crate::params::error::{Field, ParamError};

/// The checks every user parameter goes through, whatever the API form.
pub(crate) fn validate_pair(key: &str, value: &str) -> Result<(), ParamError> {
    validate_key(key, &RESERVED_KEYS)?;
    check_controls(key, Field::Value, value)?;
    if crate::rules::check_empty(value).is_err() {
        return Err(ParamError::EmptyValue {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// The checks every user key goes through: not empty, no control characters, not `reserved`.
pub(crate) fn validate_key(key: &str, reserved: &[&str]) -> Result<(), ParamError> {
    check_key(key, reserved).map(drop)
}

/// [`validate_key`], returning whether the key is plain (all RFC 3986 unreserved, sent as it
/// is).
#[inline(always)]
pub(super) fn check_key(key: &str, reserved: &[&str]) -> Result<bool, ParamError> {
    if key.is_empty() {
        return Err(ParamError::EmptyKey);
    }
    let plain = is_unreserved(key);
    if !plain {
        check_controls(key, Field::Key, key)?;
    }
    if reserved.contains(&key) {
        return Err(ParamError::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(plain)
}

/// Refuses control characters in `text` (the key or the value of parameter `key`), naming the
/// byte offset in it.
pub(crate) fn check_controls(key: &str, field: Field, text: &str) -> Result<(), ParamError> {
    match text.char_indices().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((position, c)) => Err(ParamError::ControlCharacter {
            key: key.escape_default().to_string(),
            field,
            code: u32::from(c),
            position,
        }),
    }
}
