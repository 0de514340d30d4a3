//! Decimal text: Binance's plain-decimal rule, and decimals read for numeric comparison.

use crate::encoding::is_digits;

/// Whether `text` is a decimal as Binance reads it: `^([0-9]{1,20})(\.[0-9]{1,20})?$` (spot
/// `rest-api.md`, "General API Information"; error `-1100` in `errors.md`). No sign, no
/// exponent, no comma, no leading or trailing point.
pub(crate) fn is_plain(text: &str) -> bool {
    let (int, frac) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| s.len() <= 20 && is_digits(s);
    digits(int) && digits(frac)
}

/// A decimal as (negative, significant digits, power of ten): `-0.00120` is
/// `(true, "12", -4)`; zero is `(false, "", 0)`. `None` when `text` is not a decimal (a sign
/// `-` is allowed; `exponent` also allows `+` and `1.2e-5` forms). The digits are read in
/// place, never copied.
pub(crate) fn canonical(text: &str, exponent: bool) -> Option<Canonical<'_>> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (
            false,
            text.strip_prefix('+').filter(|_| exponent).unwrap_or(text),
        ),
    };
    let (mantissa, power) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) if exponent => (m, e.parse::<i64>().ok()?),
        Some(_) => return None,
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_ok(int) || !digits_ok(frac) || mantissa.ends_with('.') {
        return None;
    }
    // Significant digits: int ‖ frac without the leading and trailing zeros.
    let all = || int.bytes().chain(frac.bytes());
    let total = int.len() + frac.len();
    let leading = all().take_while(|&b| b == b'0').count();
    if leading == total {
        return Some(Canonical {
            negative: false,
            int: "",
            frac: "",
            skip: 0,
            len: 0,
            power: 0,
        });
    }
    let trailing = all().rev().take_while(|&b| b == b'0').count();
    let power = power
        .checked_sub(i64::try_from(frac.len()).ok()?)?
        .checked_add(i64::try_from(trailing).ok()?)?;
    Some(Canonical {
        negative,
        int,
        frac,
        skip: leading,
        len: total - leading - trailing,
        power,
    })
}

/// A decimal read in place: the significant digits are `len` digits of `int ‖ frac` after
/// `skip`, times ten to the `power`. Zero has no digits and is never negative.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Canonical<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    skip: usize,
    len: usize,
    power: i64,
}

impl Canonical<'_> {
    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int
            .bytes()
            .chain(self.frac.bytes())
            .skip(self.skip)
            .take(self.len)
    }
}

impl PartialEq for Canonical<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.negative == other.negative
            && self.power == other.power
            && self.len == other.len
            && self.digits().eq(other.digits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_binances_pattern() {
        for ok in [
            "0",
            "1.5",
            "0.00001",
            "12345678901234567890.12345678901234567890",
        ] {
            assert!(is_plain(ok), "{ok}");
        }
        for bad in [
            "",
            "-1",
            "+1",
            ".5",
            "1.",
            "1e-05",
            "1E+3",
            "1,5",
            "NaN",
            "inf",
            "1.2.3",
            "123456789012345678901",
            "0.123456789012345678901",
            " 1",
            "None",
        ] {
            assert!(!is_plain(bad), "{bad}");
        }
    }

    #[test]
    fn decimals_compare_numerically() {
        let c = canonical;
        let twelve = c("0.00120", false).unwrap();
        assert_eq!(
            (
                twelve.negative,
                twelve.digits().collect::<Vec<_>>(),
                twelve.power
            ),
            (false, b"12".to_vec(), -4)
        );
        assert_eq!(c("-0.0012", false), c("-1.2e-3", true));
        assert_eq!(c("0", false), c("-0.000", false));
        let hundred = c("100", false).unwrap();
        assert_eq!(
            (hundred.digits().collect::<Vec<_>>(), hundred.power),
            (b"1".to_vec(), 2)
        );
        assert_eq!(c("100", false), c("1e2", true));
        assert_ne!(c("100", false), c("10", false));
        assert_ne!(c("-1", false), c("1", false));
        for bad in [
            "1e-5", ".5", "5.", "", "-", "1,5", "0x10", "NaN", "+1", "1.2.3",
        ] {
            assert!(c(bad, false).is_none(), "{bad}");
        }
        assert!(c("1e999999999999999999999", true).is_none());
    }
}
