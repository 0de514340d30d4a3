//! Binance's format rules for parameter values, in one place.
//!
//! Today this holds the number rule that [`Params::push`](crate::Params::push) and
//! [`Params::from_serialize`](crate::Params::from_serialize) apply to floats: Binance reads
//! decimals as `^([0-9]{1,20})(\.[0-9]{1,20})?$` (spot `rest-api.md`, "General API
//! Information", and error `-1100` in `errors.md`). Rust's `Display` for `f32`/`f64` never
//! writes an exponent, so the text of a finite float is plain decimal; what remains to refuse is
//! NaN, the infinities, and more than 20 digits on either side of the point.

/// The rule a float that is not finite breaks.
pub(crate) const NOT_FINITE: &str = "is not a finite number; Binance reads decimals only";

/// The rule a float with too many digits breaks.
pub(crate) const TOO_MANY_DIGITS: &str =
    "has more than 20 digits before or after the point, which Binance does not read";

/// Whether `text`, a float's `Display` output, is a decimal Binance reads: an optional `-`, 1 to
/// 20 digits, optionally a point and 1 to 20 digits. `NaN`, `inf` and `-inf` are refused as
/// not finite.
///
/// The sign is left to the caller (Binance's number rules are per parameter).
pub(crate) fn float_text(text: &str) -> Result<(), &'static str> {
    if matches!(text, "NaN" | "inf" | "-inf") {
        return Err(NOT_FINITE);
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| (1..=20).contains(&s.len()) && crate::encoding::is_digits(s);
    if digits(int) && digits(frac) {
        Ok(())
    } else {
        Err(TOO_MANY_DIGITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_binance_reads_them() {
        for ok in [
            "0",
            "-1.5",
            "0.00001",
            "12345678901234567890.12345678901234567890",
        ] {
            assert_eq!(float_text(ok), Ok(()), "{ok}");
        }
        for (bad, rule) in [
            ("NaN", NOT_FINITE),
            ("inf", NOT_FINITE),
            ("-inf", NOT_FINITE),
            ("1000000000000000000000", TOO_MANY_DIGITS),
            ("0.000000000000000000001", TOO_MANY_DIGITS),
        ] {
            assert_eq!(float_text(bad), Err(rule), "{bad}");
        }
        assert_eq!(float_text(&1e21_f64.to_string()), Err(TOO_MANY_DIGITS));
        assert_eq!(float_text(&1e-21_f64.to_string()), Err(TOO_MANY_DIGITS));
        assert_eq!(float_text(&1e19_f64.to_string()), Ok(()));
    }
}
