//! [`ParamValue`]: what a parameter value can be, written straight into the wire buffer.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::rc::Rc;
use std::sync::Arc;

/// What kind of number, if any, a value's text is: the rules Binance applies to it differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// Text: sent as written (after percent-encoding).
    Text,
    /// An integer type: its text is always digits with an optional `-`.
    Integer,
    /// A float (`f32`, `f64`): its text must be a decimal Binance reads, at most 20 digits
    /// before and after the point, and neither NaN nor an infinity.
    Float,
}

/// A value [`Params::push`](crate::Params::push) takes: it writes its raw text (before
/// percent-encoding, which the list does) into the list's buffer, with no allocation of its own.
///
/// Implemented for text (`str`, `String`, `Cow<str>`, `Box<str>`, `Arc<str>`, `Rc<str>`,
/// `char`), integers, `bool`, floats (checked against Binance's decimal rule),
/// `rust_decimal::Decimal` (feature `rust_decimal`), `fmt::Arguments`, references to any of
/// these, and [`DisplayValue`], which takes any other `Display` type.
///
/// ```
/// use binance_sign::{DisplayValue, Params};
/// struct Side;
/// impl std::fmt::Display for Side {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("BUY") }
/// }
/// let mut p = Params::new();
/// p.push("side", DisplayValue(Side))?;
/// p.push("orderId", 42u64)?;
/// p.push("note", format_args!("lot-{}", 7))?;
/// assert_eq!(p.encoded(), "side=BUY&orderId=42&note=lot-7");
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a parameter value",
    label = "not a ParamValue",
    note = "wrap a type that implements Display as `binance_sign::DisplayValue(value)`; `rust_decimal::Decimal` needs the crate's `rust_decimal` feature"
)]
pub trait ParamValue {
    /// What kind of number the text is; [`ValueKind::Text`] unless said otherwise.
    const KIND: ValueKind = ValueKind::Text;

    /// Appends the raw text of the value to `out`.
    ///
    /// # Errors
    ///
    /// `fmt::Error` when the value cannot be written (a `Display` implementation that fails);
    /// the push is then refused.
    fn write_param(&self, out: &mut String) -> fmt::Result;
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    const KIND: ValueKind = T::KIND;
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        (**self).write_param(out)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &mut T {
    const KIND: ValueKind = T::KIND;
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        (**self).write_param(out)
    }
}

macro_rules! text_value {
    ($($ty:ty),*) => {$(
        impl ParamValue for $ty {
            #[inline]
            fn write_param(&self, out: &mut String) -> fmt::Result {
                out.push_str(self);
                Ok(())
            }
        }
    )*};
}
text_value!(str, String, Box<str>, Arc<str>, Rc<str>, Cow<'_, str>);

impl ParamValue for char {
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        out.push(*self);
        Ok(())
    }
}

impl ParamValue for bool {
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
}

macro_rules! integer_value {
    ($($ty:ty),*) => {$(
        impl ParamValue for $ty {
            const KIND: ValueKind = ValueKind::Integer;
            #[inline]
            fn write_param(&self, out: &mut String) -> fmt::Result {
                out.push_str(itoa::Buffer::new().format(*self));
                Ok(())
            }
        }
    )*};
}
integer_value!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

macro_rules! nonzero_value {
    ($($ty:ty),*) => {$(
        impl ParamValue for $ty {
            const KIND: ValueKind = ValueKind::Integer;
            #[inline]
            fn write_param(&self, out: &mut String) -> fmt::Result {
                self.get().write_param(out)
            }
        }
    )*};
}
nonzero_value!(
    std::num::NonZeroU8,
    std::num::NonZeroU16,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroU128,
    std::num::NonZeroUsize
);

macro_rules! float_value {
    ($($ty:ty),*) => {$(
        /// Written with `Display`, which never uses an exponent; the list then refuses NaN,
        /// the infinities and more than 20 digits on either side of the point.
        impl ParamValue for $ty {
            const KIND: ValueKind = ValueKind::Float;
            #[inline]
            fn write_param(&self, out: &mut String) -> fmt::Result {
                write!(out, "{self}")
            }
        }
    )*};
}
float_value!(f32, f64);

impl ParamValue for fmt::Arguments<'_> {
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        out.write_fmt(*self)
    }
}

/// `rust_decimal::Decimal` as it prints: plain decimal with its scale (`65123.450`), never an
/// exponent.
#[cfg(feature = "rust_decimal")]
#[cfg_attr(docsrs, doc(cfg(feature = "rust_decimal")))]
impl ParamValue for rust_decimal::Decimal {
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        write!(out, "{self}")
    }
}

/// Any `Display` type as a parameter value, written by its `Display` implementation straight
/// into the list's buffer.
///
/// ```
/// use binance_sign::{DisplayValue, Params};
/// let mut p = Params::new();
/// p.push("clientId", DisplayValue(std::net::Ipv4Addr::LOCALHOST))?;
/// assert_eq!(p.get("clientId"), Some("127.0.0.1"));
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayValue<T>(pub T);

impl<T: fmt::Display> ParamValue for DisplayValue<T> {
    #[inline]
    fn write_param(&self, out: &mut String) -> fmt::Result {
        write!(out, "{}", self.0)
    }
}
