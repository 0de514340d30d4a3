//! The encoder mistakes the doctor knows, as data: one row per mistake, saying how to rebuild
//! the payload that mistake signs from the request as sent, and how an encoder commits it.

use std::fmt;

use percent_encoding::{AsciiSet, utf8_percent_encode};

use super::sent::{self, Param, Unsigned, join};
use super::{Api, Code};
use crate::encoding::{WIRE_ENCODE_SET, encode};
use crate::ws::payload_of;

/// The crate's set with `@`, `,` and `:` left raw, as some encoders do.
const ONE_SIDED: &AsciiSet = &WIRE_ENCODE_SET.remove(b'@').remove(b',').remove(b':');

pub(crate) use crate::encoding::client_encodes;

/// What an encoder that leaves spaces, quotes, braces and non-ASCII to the HTTP client
/// signs: the crate's encoding, with those characters raw.
fn leave_to_client(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let s = c.encode_utf8(&mut buf);
        if !c.is_ascii() || client_encodes(s.as_bytes()[0]) {
            out.push(c);
        } else {
            crate::encoding::encode_into(s, &mut out);
        }
    }
    out
}

/// Raw text pairs.
type Pairs<'a> = [(&'a str, &'a str)];

/// How an encoder commits a mistake on the query's and the body's pairs.
type Commit = fn(&Pairs<'_>, &Pairs<'_>) -> Option<Committed>;

/// How a row rebuilds the payload its mistake signs: from a REST request as sent (without the
/// signature), or from a WebSocket request's `params` members (key, value text) in the order
/// written.
#[derive(Clone, Copy)]
enum Rebuild {
    Rest(fn(&Unsigned<'_, '_>) -> Option<String>),
    Ws(fn(&Pairs<'_>) -> Option<String>),
}

/// One encoder mistake.
pub struct Mistake {
    code: Code,
    name: &'static str,
    message: &'static str,
    fix: &'static str,
    rebuild: Rebuild,
    commit: Commit,
}

impl fmt::Debug for Mistake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mistake")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A request as an encoder with a mistake builds it: the query and body it sends (without the
/// signature) and the payload it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Committed {
    /// The query string sent.
    pub query: String,
    /// The body sent.
    pub body: String,
    /// The payload signed.
    pub signed: String,
}

impl Mistake {
    /// The finding code the doctor reports for this mistake.
    pub fn code(&self) -> Code {
        self.code
    }

    /// A short name for the row (`plus-for-space`, `query-only`, ...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the doctor says when the signature matches this mistake.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// What to change.
    pub fn fix(&self) -> &'static str {
        self.fix
    }

    /// The API whose requests this mistake is made on.
    pub fn api(&self) -> Api {
        match self.rebuild {
            Rebuild::Rest(_) => Api::Rest,
            Rebuild::Ws(_) => Api::WebSocket,
        }
    }

    /// The payload this mistake signs, rebuilt from the query and body as sent (without the
    /// signature; for a WebSocket row, `query` is the `params` JSON object); `None` when the
    /// mistake cannot apply to this request.
    pub fn rebuild(&self, query: &str, body: &str) -> Option<String> {
        match self.rebuild {
            Rebuild::Rest(rebuild) => {
                let sent = sent::parse(query, body);
                rebuild(&Unsigned::of(&sent.params, query, body))
            }
            Rebuild::Ws(rebuild) => {
                let members = super::ws_members::members_text(query).ok()?;
                let pairs: Vec<(&str, &str)> = members
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                rebuild(&pairs)
            }
        }
    }

    pub(crate) fn rebuild_from(&self, unsigned: &Unsigned<'_, '_>) -> Option<String> {
        match self.rebuild {
            Rebuild::Rest(rebuild) => rebuild(unsigned),
            Rebuild::Ws(_) => None,
        }
    }

    /// The payload a WebSocket row signs from `members` (key, value text, in the order
    /// written); `None` for a REST row or when the mistake cannot apply.
    pub(crate) fn rebuild_ws(&self, members: &Pairs<'_>) -> Option<String> {
        match self.rebuild {
            Rebuild::Ws(rebuild) => rebuild(members),
            Rebuild::Rest(_) => None,
        }
    }

    /// How an encoder with this mistake sends `query` and `body` (raw text pairs), and what it
    /// signs; `None` when the pairs give the mistake nothing to get wrong (no space for a
    /// space mistake, an empty part for a split mistake, ...). A WebSocket row sends all the
    /// pairs as the `params` JSON object in `query` (without `signature`).
    pub fn commit(&self, query: &[(&str, &str)], body: &[(&str, &str)]) -> Option<Committed> {
        (self.commit)(query, body).filter(|c| {
            let sent = format!("{}{}", c.query, c.body);
            c.signed != sent
        })
    }
}

/// Every mistake the doctor rebuilds, in the order it tries them: the first that reproduces
/// the sent signature is reported.
///
/// ```
/// use binance_sign::advanced::mistakes;
/// use binance_sign::diagnose::Code;
/// let plus = mistakes().iter().find(|m| m.name() == "plus-for-space").unwrap();
/// assert_eq!(plus.code(), Code::SignedOtherEncoding);
/// let c = plus.commit(&[("note", "a b"), ("timestamp", "1700000000000")], &[]).unwrap();
/// assert_eq!(c.query, "note=a%20b&timestamp=1700000000000");
/// assert_eq!(c.signed, "note=a+b&timestamp=1700000000000");
/// assert_eq!(plus.rebuild(&c.query, &c.body).as_deref(), Some(c.signed.as_str()));
/// ```
pub fn mistakes() -> &'static [Mistake] {
    MISTAKES
}

const OTHER_ENCODING_FIX: &str =
    "sign exactly the bytes you send: encode once, then sign and send that string";
const SORTED_FIX: &str = "sign the parameters in the order you send them (or send them sorted)";
const WS_FIX: &str = "sign the WebSocket form: every param but signature, apiKey included, sorted by key, k=v joined with &, raw values (no percent-encoding)";
const SPLIT_FIX: &str = "sign the query immediately followed by the body, with nothing between";

static MISTAKES: &[Mistake] = &[
    Mistake {
        code: Code::SignedDecodedPayload,
        name: "signed-raw",
        message: "the signature matches the raw (decoded) values, but they were sent percent-encoded",
        fix: "sign the percent-encoded bytes you send (Binance requires encoding before signing since 2026-01-15)",
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| written(p, out, |s, out| out.push_str(s))))
        }),
        commit: |q, b| commit_with(q, b, encode, raw),
    },
    Mistake {
        code: Code::ClientReencoded,
        name: "client-encoded-raw-bytes",
        message: "the signature matches these bytes with the escapes an HTTP client adds undone: raw spaces, quotes, braces or non-ASCII were signed, and the client percent-encoded them on the wire",
        fix: "percent-encode every byte outside A-Z a-z 0-9 - . _ ~ before signing, so the HTTP client has nothing left to change",
        rebuild: Rebuild::Rest(|u| {
            let undid = u
                .params()
                .any(|p| undo_client_escapes(p.segment).is_some_and(|s| s != p.segment));
            undid.then(|| {
                u.payload(|p, out| {
                    out.push_str(&undo_client_escapes(p.segment).unwrap_or_default())
                })
            })
        }),
        commit: |q, b| commit_with(q, b, encode, leave_to_client),
    },
    Mistake {
        code: Code::ClientReencoded,
        name: "client-unquoted-tilde",
        message: "the signature matches `~` written as %7E: the HTTP client unquoted the escape of an unreserved character after signing",
        fix: "write `~` raw (it is unreserved) before signing, so the client has nothing to normalize",
        rebuild: Rebuild::Rest(|u| u.replaced("~", "%7E")),
        commit: |q, b| commit_with(q, b, encode, |s| encode(s).replace('~', "%7E")),
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "plus-for-space",
        message: "the signature matches a form encoding with `+` for spaces, but the request was sent with another",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| {
                written(p, out, |s, out| {
                    out.extend(form_urlencoded::byte_serialize(s.as_bytes()))
                })
            }))
        }),
        commit: |q, b| commit_with(q, b, encode, form),
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "signed-encoded-sent-otherwise",
        message: "the signature matches the values percent-encoded (uppercase %XX, %20), but they were sent in another form",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| written(p, out, crate::encoding::encode_into)))
        }),
        commit: |q, b| {
            commit_with(
                q,
                b,
                |s| utf8_percent_encode(s, ONE_SIDED).to_string(),
                encode,
            )
        },
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "lowercase-escapes",
        message: "the signature matches lowercase %xx escapes, but the request was sent with uppercase ones",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| out.push_str(&map_escapes(p.segment, u8::to_ascii_lowercase))))
        }),
        commit: |q, b| {
            commit_with(q, b, encode, |s| {
                map_escapes(&encode(s), u8::to_ascii_lowercase)
            })
        },
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "uppercase-escapes",
        message: "the signature matches uppercase %XX escapes, but lowercase were sent",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| out.push_str(&map_escapes(p.segment, u8::to_ascii_uppercase))))
        }),
        commit: |q, b| {
            commit_with(
                q,
                b,
                |s| map_escapes(&encode(s), u8::to_ascii_lowercase),
                encode,
            )
        },
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "raw-at-comma-colon",
        message: "the signature matches the values with `@`, `,` and `:` left raw, but they were sent encoded",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| {
            Some(u.payload(|p, out| {
                written(p, out, |s, out| {
                    out.extend(utf8_percent_encode(s, ONE_SIDED))
                })
            }))
        }),
        commit: |q, b| {
            commit_with(q, b, encode, |s| {
                utf8_percent_encode(s, ONE_SIDED).to_string()
            })
        },
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "plus-signed-as-%20",
        message: "the signature matches `+` written as %20, but `+` was sent",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| u.replaced("+", "%20")),
        commit: |q, b| commit_with(q, b, form, encode),
    },
    Mistake {
        code: Code::SignedOtherEncoding,
        name: "%20-signed-as-plus",
        message: "the signature matches spaces written as `+`, but %20 was sent",
        fix: OTHER_ENCODING_FIX,
        rebuild: Rebuild::Rest(|u| u.replaced("%20", "+")),
        commit: |q, b| commit_with(q, b, encode, |s| encode(s).replace("%20", "+")),
    },
    Mistake {
        code: Code::AmpersandBetweenQueryAndBody,
        name: "ampersand",
        message: "the signature covers `query&body`; Binance signs the query immediately followed by the body, with no `&`",
        fix: "concatenate query and body with nothing between them before signing",
        rebuild: Rebuild::Rest(|u| split(u).map(|(q, b)| format!("{q}&{b}"))),
        commit: |q, b| commit_split(q, b, |q, b| format!("{q}&{b}")),
    },
    Mistake {
        code: Code::PartialPayloadSigned,
        name: "query-only",
        message: "the signature covers the query alone; the body was left out",
        fix: SPLIT_FIX,
        rebuild: Rebuild::Rest(|u| split(u).map(|(q, _)| q)),
        commit: |q, b| commit_split(q, b, |q, _| q.to_owned()),
    },
    Mistake {
        code: Code::PartialPayloadSigned,
        name: "body-only",
        message: "the signature covers the body alone; the query was left out",
        fix: SPLIT_FIX,
        rebuild: Rebuild::Rest(|u| split(u).map(|(_, b)| b)),
        commit: |q, b| commit_split(q, b, |_, b| b.to_owned()),
    },
    Mistake {
        code: Code::ParamsReordered,
        name: "sorted",
        message: "the signature covers the parameters sorted by key, but they were sent in another order",
        fix: SORTED_FIX,
        rebuild: Rebuild::Rest(|u| Some(u.sorted(None))),
        commit: |q, b| {
            let (sent_q, sent_b) = (encoded(q), encoded(b));
            let mut all: Vec<(&str, &str)> = q.iter().chain(b).copied().collect();
            all.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
            Some(Committed {
                query: sent_q,
                body: sent_b,
                signed: encoded(&all),
            })
        },
    },
    Mistake {
        code: Code::ParamsReordered,
        name: "sorted-per-part",
        message: "the signature covers each part's parameters sorted by key, but they were sent in another order",
        fix: SORTED_FIX,
        rebuild: Rebuild::Rest(|u| {
            let mut out = u.sorted(Some(false));
            out.push_str(&u.sorted(Some(true)));
            Some(out)
        }),
        commit: |q, b| {
            let sorted = |part: &[(&str, &str)]| {
                let mut part = part.to_vec();
                part.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
                encoded(&part)
            };
            Some(Committed {
                query: encoded(q),
                body: encoded(b),
                signed: format!("{}{}", sorted(q), sorted(b)),
            })
        },
    },
    Mistake {
        code: Code::WsSignedAsRest,
        name: "ws-percent-encoded",
        message: "the signature matches the params percent-encoded (the REST form); the WebSocket API signs them sorted and unencoded",
        fix: WS_FIX,
        rebuild: Rebuild::Ws(|m| Some(payload_of(m, true, encode))),
        commit: |q, b| commit_ws(q, b, |m| payload_of(m, true, encode)),
    },
    Mistake {
        code: Code::WsSignedAsRest,
        name: "ws-unsorted",
        message: "the signature matches the params in the order given instead of sorted by key; the WebSocket API signs them sorted and unencoded",
        fix: WS_FIX,
        rebuild: Rebuild::Ws(|m| Some(payload_of(m, false, raw))),
        commit: |q, b| commit_ws(q, b, |m| payload_of(m, false, raw)),
    },
    Mistake {
        code: Code::WsSignedAsRest,
        name: "ws-unsorted-encoded",
        message: "the signature matches the params percent-encoded and unsorted (the REST form); the WebSocket API signs them sorted and unencoded",
        fix: WS_FIX,
        rebuild: Rebuild::Ws(|m| Some(payload_of(m, false, encode))),
        commit: |q, b| commit_ws(q, b, |m| payload_of(m, false, encode)),
    },
    Mistake {
        code: Code::WsSignedAsRest,
        name: "ws-without-api-key",
        message: "the signature matches the params without `apiKey`; the WebSocket API signs every param but signature, apiKey included",
        fix: WS_FIX,
        rebuild: Rebuild::Ws(|m| without_api_key(m).map(|m| payload_of(&m, true, raw))),
        commit: |q, b| {
            commit_ws(q, b, |m| {
                without_api_key(m)
                    .map(|m| payload_of(&m, true, raw))
                    .unwrap_or_default()
            })
        },
    },
    Mistake {
        code: Code::WsSignedAsRest,
        name: "ws-without-api-key-encoded",
        message: "the signature matches the params percent-encoded and without `apiKey` (the REST form); the WebSocket API signs every param but signature, apiKey included, sorted and unencoded",
        fix: WS_FIX,
        rebuild: Rebuild::Ws(|m| without_api_key(m).map(|m| payload_of(&m, true, encode))),
        commit: |q, b| {
            commit_ws(q, b, |m| {
                without_api_key(m)
                    .map(|m| payload_of(&m, true, encode))
                    .unwrap_or_default()
            })
        },
    },
];

/// A parameter with its key and value written by `f` (a segment without `=` stays one word).
fn written(p: &Param<'_>, out: &mut String, f: impl Fn(&str, &mut String)) {
    f(&p.key(), out);
    if p.raw_value().is_some() {
        out.push('=');
        f(&p.value(), out);
    }
}

/// The members without `apiKey`; `None` when there is none (nothing to leave out).
fn without_api_key<'a>(members: &Pairs<'a>) -> Option<Vec<(&'a str, &'a str)>> {
    members.iter().any(|(k, _)| *k == "apiKey").then(|| {
        members
            .iter()
            .filter(|(k, _)| *k != "apiKey")
            .copied()
            .collect()
    })
}

/// A WebSocket request with a mistake: the pairs (query's then body's) sent as the `params`
/// JSON object, the payload made of them by `sign`; `None` when that is the canonical payload
/// (or empty: the mistake has nothing to leave out).
fn commit_ws(
    query: &Pairs<'_>,
    body: &Pairs<'_>,
    sign: fn(&Pairs<'_>) -> String,
) -> Option<Committed> {
    let members: Vec<(&str, &str)> = query.iter().chain(body).copied().collect();
    let signed = sign(&members);
    if signed.is_empty() || signed == payload_of(&members, true, raw) {
        return None;
    }
    let mut json = String::from("{");
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&serde_json::Value::from(*k).to_string());
        json.push(':');
        json.push_str(&serde_json::Value::from(*v).to_string());
    }
    json.push('}');
    Some(Committed {
        query: json,
        body: String::new(),
        signed,
    })
}

fn raw(s: &str) -> String {
    s.to_owned()
}

fn form(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Pairs written with `f`, joined with `&`.
fn with(pairs: &[(&str, &str)], f: impl Fn(&str) -> String) -> String {
    join(pairs.iter().map(|(k, v)| format!("{}={}", f(k), f(v))))
}

fn encoded(pairs: &[(&str, &str)]) -> String {
    with(pairs, encode)
}

/// ReadRequest with `send`, signed with `sign`: the same pairs, two writings.
fn commit_with(
    query: &[(&str, &str)],
    body: &[(&str, &str)],
    send: impl Fn(&str) -> String,
    sign: impl Fn(&str) -> String,
) -> Option<Committed> {
    Some(Committed {
        query: with(query, &send),
        body: with(body, &send),
        signed: format!("{}{}", with(query, &sign), with(body, &sign)),
    })
}

/// Both parts sent as the crate writes them, the payload made of them by `sign`.
fn commit_split(
    query: &[(&str, &str)],
    body: &[(&str, &str)],
    sign: fn(&str, &str) -> String,
) -> Option<Committed> {
    if query.is_empty() || body.is_empty() {
        return None;
    }
    let (q, b) = (encoded(query), encoded(body));
    let signed = sign(&q, &b);
    Some(Committed {
        query: q,
        body: b,
        signed,
    })
}

/// Both parts as sent, when both carry parameters.
fn split(u: &Unsigned<'_, '_>) -> Option<(String, String)> {
    let (q, b) = u.sent();
    (!q.is_empty() && !b.is_empty()).then_some((q, b))
}

/// `text` with its `%XX` hex digits mapped by `f`.
fn map_escapes(text: &str, f: fn(&u8) -> u8) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.extend_from_slice(&[b'%', f(&bytes[i + 1]), f(&bytes[i + 2])]);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// `segment` with the escapes an HTTP client adds decoded (only escapes of bytes clients
/// encode); `None` when the result is not UTF-8.
fn undo_client_escapes(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| {
                let hi = crate::encoding::hex_value(*bytes.get(i + 1)?)?;
                let lo = crate::encoding::hex_value(*bytes.get(i + 2)?)?;
                Some(hi << 4 | lo)
            })
            .flatten()
            .filter(|b| client_encodes(*b));
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
