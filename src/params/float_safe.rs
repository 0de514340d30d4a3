//! `serde_urlencoded` with floats written the way Binance reads decimals.
//!
//! `serde_urlencoded` formats `f64` with `ryu`, which writes `0.00001` as `1e-5`. This adapter
//! wraps the value's serializer and turns every float into plain decimal text (Rust's `Display`
//! for floats never uses an exponent), refusing what Binance cannot read. Everything else is
//! forwarded unchanged.

use std::cell::RefCell;

use serde::ser::{self, Error as _, Serialize, Serializer};

use crate::error::Error;

/// Serializes `value` as `application/x-www-form-urlencoded` text.
pub(super) fn to_urlencoded<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let ctx = Ctx::default();
    match serde_urlencoded::to_string(Safe { value, ctx: &ctx }) {
        Ok(text) => Ok(text),
        Err(e) => Err(ctx
            .problem
            .into_inner()
            .unwrap_or_else(|| Error::Serialize(e.to_string()))),
    }
}

#[derive(Default)]
struct Ctx {
    key: RefCell<Option<String>>,
    problem: RefCell<Option<Error>>,
}

impl Ctx {
    fn float<S: Serializer>(&self, inner: S, v: f64, text: String) -> Result<S::Ok, S::Error> {
        match check_decimal(v, &text) {
            Ok(()) => inner.serialize_str(&text),
            Err(reason) => {
                let key = self.key.borrow().clone().unwrap_or_else(|| "?".to_owned());
                let message = format!("{key}: {reason}");
                *self.problem.borrow_mut() = Some(Error::NumberFormat { key, reason });
                Err(S::Error::custom(message))
            }
        }
    }
}

fn check_decimal(v: f64, text: &str) -> Result<(), String> {
    if !v.is_finite() {
        return Err(format!("{text} is not a number Binance accepts"));
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if digits(int) && digits(frac) {
        Ok(())
    } else {
        Err(format!(
            "{text} does not fit Binance's decimal format ^[0-9]{{1,20}}(\\.[0-9]{{1,20}})?$"
        ))
    }
}

struct Safe<'a, T: ?Sized> {
    value: &'a T,
    ctx: &'a Ctx,
}

impl<T: Serialize + ?Sized> Serialize for Safe<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(SafeSerializer {
            inner: serializer,
            ctx: self.ctx,
        })
    }
}

struct SafeSerializer<'a, S> {
    inner: S,
    ctx: &'a Ctx,
}

struct Compound<'a, C> {
    inner: C,
    ctx: &'a Ctx,
}

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $name(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.inner.$name($($arg),*)
        })*
    };
}

impl<'a, S: Serializer> Serializer for SafeSerializer<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_char(v: char);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        // The last string seen names the key of a `(key, value)` pair or a map entry.
        *self.ctx.key.borrow_mut() = Some(v.to_owned());
        self.inner.serialize_str(v)
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.ctx.float(self.inner, f64::from(v), v.to_string())
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.ctx.float(self.inner, v, v.to_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Safe {
            value,
            ctx: self.ctx,
        })
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(
            name,
            &Safe {
                value,
                ctx: self.ctx,
            },
        )
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_variant(
            name,
            index,
            variant,
            &Safe {
                value,
                ctx: self.ctx,
            },
        )
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let inner = self.inner.serialize_seq(len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let inner = self.inner.serialize_tuple(len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let inner = self.inner.serialize_map(len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, len)?;
        Ok(Compound {
            inner,
            ctx: self.ctx,
        })
    }
}

macro_rules! compound {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.inner.$method(&Safe {
                    value,
                    ctx: self.ctx,
                })
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        *self.ctx.key.borrow_mut() = None;
        self.inner.serialize_key(&Safe {
            value: key,
            ctx: self.ctx,
        })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&Safe {
            value,
            ctx: self.ctx,
        })
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

macro_rules! fields {
    ($trait:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                *self.ctx.key.borrow_mut() = Some(key.to_owned());
                self.inner.serialize_field(
                    key,
                    &Safe {
                        value,
                        ctx: self.ctx,
                    },
                )
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

fields!(SerializeStruct);
fields!(SerializeStructVariant);
