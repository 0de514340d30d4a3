//! `serde_urlencoded`, with the values Binance reads.
//!
//! `serde_urlencoded` formats `f64` with `ryu`, which writes `0.00001` as `1e-5`, and refuses
//! sequence fields. This adapter wraps the value's serializer: every float becomes plain decimal
//! text (Rust's `Display` for floats never uses an exponent), a sequence field becomes one
//! compact JSON list (through `serde_json`, floats again in plain decimal), and what no
//! parameter can hold is refused with the key and a hint. Everything else is forwarded
//! unchanged.

use std::cell::RefCell;
use std::io;

use crate::params::error::{ParamError, UnsupportedValue};
use crate::source::Source;
use serde::ser::{self, Serialize, Serializer};

/// Serializes `value` as `application/x-www-form-urlencoded` text.
pub(super) fn to_urlencoded<T: Serialize + ?Sized>(value: &T) -> Result<String, ParamError> {
    let ctx = Ctx::default();
    let result = serde_urlencoded::to_string(Safe {
        value,
        ctx: &ctx,
        role: Role::Top,
    });
    match result {
        Ok(text) => Ok(text),
        Err(e) => {
            let key = ctx.key();
            Err(ctx
                .problem
                .into_inner()
                .unwrap_or_else(|| ParamError::Serialize {
                    key,
                    source: Source::new(e),
                }))
        }
    }
}

/// Where a value sits in what is being serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The whole value: a struct, a map or a sequence of pairs.
    Top,
    /// An element of a top-level sequence: a `(key, value)` pair.
    Pair,
    /// A parameter's key.
    Key,
    /// A parameter's value.
    Value,
    /// Inside a JSON list being written.
    Json,
    /// (As a compound's `child` only.) The members of a pair: the key, then the value.
    PairParts,
}

#[derive(Default)]
struct Ctx {
    key: RefCell<Option<String>>,
    problem: RefCell<Option<ParamError>>,
}

impl Ctx {
    fn key(&self) -> String {
        self.key.borrow().clone().unwrap_or_else(|| "?".to_owned())
    }

    fn set_key(&self, key: &str) {
        *self.key.borrow_mut() = Some(key.to_owned());
    }

    /// Records the first problem and returns the serializer error that stops serialization.
    fn fail<E: ser::Error>(&self, problem: ParamError) -> E {
        let message = problem.to_string();
        let mut slot = self.problem.borrow_mut();
        if slot.is_none() {
            *slot = Some(problem);
        }
        E::custom(message)
    }

    fn float<S: Serializer>(
        &self,
        inner: S,
        v: f64,
        text: String,
        role: Role,
    ) -> Result<S::Ok, S::Error> {
        if let Err(rule) = crate::rules::float_text(&text) {
            return Err(self.fail(ParamError::NumberFormat {
                key: self.key(),
                value: text,
                rule,
            }));
        }
        match role {
            Role::Json => inner.serialize_f64(v),
            _ => inner.serialize_str(&text),
        }
    }

    fn unsupported<E: ser::Error>(&self, value: UnsupportedValue) -> E {
        self.fail(ParamError::Unsupported {
            key: self.key(),
            value,
        })
    }
}

/// `serde_json` with floats in plain decimal.
struct PlainFloats;

impl serde_json::ser::Formatter for PlainFloats {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        write!(writer, "{value}")
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        write!(writer, "{value}")
    }
}

struct Safe<'a, T: ?Sized> {
    value: &'a T,
    ctx: &'a Ctx,
    role: Role,
}

impl<T: Serialize + ?Sized> Serialize for Safe<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(SafeSerializer {
            inner: serializer,
            ctx: self.ctx,
            role: self.role,
        })
    }
}

struct SafeSerializer<'a, S> {
    inner: S,
    ctx: &'a Ctx,
    role: Role,
}

impl<'a, S> SafeSerializer<'a, S> {
    fn wrap<'v, T: ?Sized>(&self, value: &'v T) -> Safe<'v, T>
    where
        'a: 'v,
    {
        Safe {
            value,
            ctx: self.ctx,
            role: self.role,
        }
    }
}

fn compound<C>(ctx: &Ctx, inner: C, child: Role) -> Compound<'_, C> {
    Compound {
        inner,
        ctx,
        child,
        index: 0,
    }
}

impl<S> SafeSerializer<'_, S> {}

/// A compound value being forwarded; `child` is the role of its members.
struct Compound<'a, C> {
    inner: C,
    ctx: &'a Ctx,
    child: Role,
    index: usize,
}

impl<C> Compound<'_, C> {
    /// The role of the next element: in a `(key, value)` pair, the key then the value.
    fn next_role(&mut self) -> Role {
        let role = match self.child {
            Role::PairParts if self.index == 0 => Role::Key,
            Role::PairParts => Role::Value,
            other => other,
        };
        self.index += 1;
        role
    }
}

/// A sequence: forwarded, or written as one JSON list when it is a parameter's value.
enum Seq<'a, S: Serializer, C> {
    Forward(Compound<'a, C>),
    Json { out: S, buf: Vec<u8>, ctx: &'a Ctx },
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
    type SerializeSeq = Seq<'a, S, S::SerializeSeq>;
    type SerializeTuple = Seq<'a, S, S::SerializeTuple>;
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
        if self.role == Role::Key {
            self.ctx.set_key(v);
        }
        self.inner.serialize_str(v)
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.ctx
            .float(self.inner, f64::from(v), v.to_string(), self.role)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.ctx.float(self.inner, v, v.to_string(), self.role)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        let value = self.wrap(value);
        self.inner.serialize_some(&value)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let value = self.wrap(value);
        self.inner.serialize_newtype_struct(name, &value)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let value = self.wrap(value);
        self.inner
            .serialize_newtype_variant(name, index, variant, &value)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let ctx = self.ctx;
        match self.role {
            Role::Value => Ok(self.json_list()),
            Role::Top => {
                let inner = self.inner.serialize_seq(len)?;
                Ok(Seq::Forward(compound(ctx, inner, Role::Pair)))
            }
            role => {
                let inner = self.inner.serialize_seq(len)?;
                Ok(Seq::Forward(compound(ctx, inner, role)))
            }
        }
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let ctx = self.ctx;
        match self.role {
            Role::Value => Ok(self.json_list()),
            // An array of pairs at the top, or the members of one pair.
            Role::Top | Role::Pair => {
                let child = if self.role == Role::Top {
                    Role::Pair
                } else {
                    Role::PairParts
                };
                let inner = self.inner.serialize_tuple(len)?;
                Ok(Seq::Forward(compound(ctx, inner, child)))
            }
            role => {
                let inner = self.inner.serialize_tuple(len)?;
                Ok(Seq::Forward(compound(ctx, inner, role)))
            }
        }
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let (ctx, role) = (self.ctx, self.role);
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(compound(ctx, inner, role))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let (ctx, role) = (self.ctx, self.role);
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(compound(ctx, inner, role))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let ctx = self.ctx;
        let child = self.members()?;
        let inner = self.inner.serialize_map(len)?;
        Ok(compound(ctx, inner, child))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let ctx = self.ctx;
        let child = self.members()?;
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(compound(ctx, inner, child))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let ctx = self.ctx;
        let child = self.members()?;
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, len)?;
        Ok(compound(ctx, inner, child))
    }
}

impl<'a, S: Serializer> SafeSerializer<'a, S> {
    fn json_list<C>(self) -> Seq<'a, S, C> {
        Seq::Json {
            out: self.inner,
            buf: vec![b'['],
            ctx: self.ctx,
        }
    }

    /// The role of a map's or struct's members: parameters at the top, JSON inside a list;
    /// a map or struct as a parameter's value is refused.
    fn members(&self) -> Result<Role, S::Error> {
        match self.role {
            Role::Json => Ok(Role::Json),
            Role::Value => Err(self.ctx.unsupported(UnsupportedValue::Nested)),
            _ => Ok(Role::Value),
        }
    }
}

impl<S: Serializer, C> Seq<'_, S, C> {
    fn json_element<T: Serialize + ?Sized>(
        buf: &mut Vec<u8>,
        ctx: &Ctx,
        value: &T,
    ) -> Result<(), S::Error> {
        if buf.len() > 1 {
            buf.push(b',');
        }
        let mut json = serde_json::Serializer::with_formatter(&mut *buf, PlainFloats);
        let element = Safe {
            value,
            ctx,
            role: Role::Json,
        };
        element.serialize(&mut json).map_err(|e| {
            ctx.fail(ParamError::Serialize {
                key: ctx.key(),
                source: Source::new(e),
            })
        })
    }

    fn json_end(out: S, mut buf: Vec<u8>, ctx: &Ctx) -> Result<S::Ok, S::Error> {
        if buf.len() == 1 {
            return Err(ctx.fail(ParamError::EmptyValue { key: ctx.key() }));
        }
        buf.push(b']');
        match String::from_utf8(buf) {
            Ok(text) => out.serialize_str(&text),
            Err(e) => Err(ctx.fail(ParamError::Serialize {
                key: ctx.key(),
                source: Source::new(e),
            })),
        }
    }
}

macro_rules! seq {
    ($trait:ident) => {
        impl<S: Serializer, C: ser::$trait<Ok = S::Ok, Error = S::Error>> ser::$trait
            for Seq<'_, S, C>
        {
            type Ok = S::Ok;
            type Error = S::Error;
            fn serialize_element<T: Serialize + ?Sized>(
                &mut self,
                value: &T,
            ) -> Result<(), S::Error> {
                match self {
                    Seq::Forward(compound) => {
                        let role = compound.next_role();
                        compound.inner.serialize_element(&Safe {
                            value,
                            ctx: compound.ctx,
                            role,
                        })
                    }
                    Seq::Json { buf, ctx, .. } => Self::json_element(buf, ctx, value),
                }
            }
            fn end(self) -> Result<S::Ok, S::Error> {
                match self {
                    Seq::Forward(compound) => compound.inner.end(),
                    Seq::Json { out, buf, ctx } => Self::json_end(out, buf, ctx),
                }
            }
        }
    };
}

seq!(SerializeSeq);
seq!(SerializeTuple);

macro_rules! compound {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                let role = self.next_role();
                self.inner.$method(&Safe {
                    value,
                    ctx: self.ctx,
                    role,
                })
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        let role = if self.child == Role::Json {
            Role::Json
        } else {
            *self.ctx.key.borrow_mut() = None;
            Role::Key
        };
        self.inner.serialize_key(&Safe {
            value: key,
            ctx: self.ctx,
            role,
        })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&Safe {
            value,
            ctx: self.ctx,
            role: self.child,
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
                if self.child != Role::Json {
                    self.ctx.set_key(key);
                }
                self.inner.serialize_field(
                    key,
                    &Safe {
                        value,
                        ctx: self.ctx,
                        role: self.child,
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
