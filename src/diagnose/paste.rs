//! Reading a request the way people paste it: a query alone, with a leading `?`, a full URL,
//! a `curl` command line, or a raw HTTP/1.1 request.

use crate::error::Error;
use crate::signed::API_KEY_HEADER;
use crate::source::excerpt;
use crate::wire::error::WireError;

/// A request as pasted, reduced to what an HTTP client sends: the query string (without `?`
/// and without any fragment: clients never send what follows `#`), the body, and the API key
/// header when the paste carries one. `stripped` says what was removed, in words.
///
/// ```
/// use binance_sign::diagnose::Pasted;
/// let p = Pasted::query("https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1\n");
/// assert_eq!(p.query, "symbol=BTCUSDT&timestamp=1");
/// assert_eq!(p.path.as_deref(), Some("/api/v3/order"));
/// assert_eq!(p.stripped.len(), 2); // the URL, and the trailing line break
///
/// let p = Pasted::parse(r#"curl -X POST 'https://api.binance.com/api/v3/order' \
///     -H 'X-MBX-APIKEY: my-key' -d 'symbol=BTCUSDT&timestamp=1'"#)?;
/// assert_eq!((p.method.as_deref(), p.body.as_str()), (Some("POST"), "symbol=BTCUSDT&timestamp=1"));
/// assert_eq!(p.api_key.as_deref(), Some("my-key"));
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pasted {
    /// The HTTP method, when the paste names one (or implies it: curl with data is a POST).
    pub method: Option<String>,
    /// The path, when the paste has one.
    pub path: Option<String>,
    /// The query string as sent, without `?`.
    pub query: String,
    /// The body as sent.
    pub body: String,
    /// The `X-MBX-APIKEY` header's value, when the paste has one.
    pub api_key: Option<String>,
    /// What the client never sends: the text after a raw `#` in the URL, if any.
    pub fragment: Option<String>,
    /// What was removed to get here, in words ("the leading `?`", ...).
    pub stripped: Vec<String>,
}

/// A whole pasted request, as [`Pasted::whole_request`] recognises it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WholeRequest {
    /// A `curl` command line.
    Curl,
    /// A raw HTTP request (request line, headers, body).
    Http,
}

impl std::fmt::Display for WholeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WholeRequest::Curl => "a curl command line",
            WholeRequest::Http => "a raw HTTP request",
        })
    }
}

impl Pasted {
    /// A query string as pasted: alone, with a leading `?`, or as a full URL; surrounding
    /// whitespace and line breaks are trimmed, and a `#` fragment cut off as clients do.
    pub fn query(text: &str) -> Self {
        let mut pasted = Self::default();
        let trimmed = pasted.trim(text, "query");
        pasted.set_target(trimmed);
        pasted
    }

    /// A query string and a body as pasted (see [`query`](Self::query)); the body loses only
    /// its surrounding whitespace and line breaks.
    pub fn query_and_body(query: &str, body: &str) -> Self {
        let mut pasted = Self::query(query);
        pasted.body = pasted.trim(body, "body").to_owned();
        pasted
    }

    /// Any pasted request: a `curl` command line (`-X`/`--request`, `-H`/`--header`,
    /// `-d`/`--data`/`--data-raw`/`--data-binary`, `-G`, the URL quoted or bare, `\` line
    /// continuations), a raw HTTP/1.1 request (request line, headers, blank line, body; CRLF
    /// or LF), or else a query string or URL as [`query`](Self::query) reads it.
    ///
    /// # Errors
    ///
    /// [`WireError::PastedRequest`] for a `curl` line without a URL or with an unclosed quote, or
    /// an HTTP request whose request line cannot be read.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim();
        match Self::whole_request(text) {
            Some(WholeRequest::Curl) => curl(trimmed),
            Some(WholeRequest::Http) => http(trimmed),
            None => Ok(Self::query(text)),
        }
    }

    /// Whether `text` is a whole pasted request ([`parse`](Self::parse) reads it as a `curl`
    /// command line or a raw HTTP request) rather than a query string: a tool given one where
    /// it expects a query can point to the right input instead of reading a query named
    /// `curl https://...`.
    ///
    /// ```
    /// use binance_sign::diagnose::{Pasted, WholeRequest};
    /// assert_eq!(Pasted::whole_request("curl 'https://x/api?a=1'"), Some(WholeRequest::Curl));
    /// assert_eq!(Pasted::whole_request("GET /api/v3/order?a=1 HTTP/1.1"), Some(WholeRequest::Http));
    /// assert_eq!(Pasted::whole_request("?a=1&b=2"), None);
    /// ```
    pub fn whole_request(text: &str) -> Option<WholeRequest> {
        let trimmed = text.trim();
        let first_word = trimmed.split_whitespace().next().unwrap_or("");
        if first_word == "curl"
            || (first_word == "$" && trimmed[1..].trim_start().starts_with("curl"))
        {
            return Some(WholeRequest::Curl);
        }
        let first_line = trimmed.lines().next().unwrap_or("");
        is_request_line(first_line).then_some(WholeRequest::Http)
    }

    fn trim<'t>(&mut self, text: &'t str, what: &str) -> &'t str {
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            self.stripped
                .push(format!("whitespace and line breaks around the {what}"));
        }
        trimmed
    }

    /// Takes `target` (a URL, a path with a query, `?query` or a bare query) apart.
    fn set_target(&mut self, target: &str) {
        let mut rest = target;
        if let Some(scheme_end) = rest
            .find("://")
            .filter(|&i| !rest[..i].contains(['?', '&', '=']))
        {
            let after = &rest[scheme_end + 3..];
            let path_start = after.find(['/', '?', '#']).unwrap_or(after.len());
            let url_end = scheme_end + 3 + path_start;
            let path_end = url_end
                + rest[url_end..]
                    .find(['?', '#'])
                    .unwrap_or(rest.len() - url_end);
            self.path = Some(rest[url_end..path_end].to_owned()).filter(|p| !p.is_empty());
            self.stripped.push(format!(
                "the URL before the query ({})",
                excerpt(&rest[..path_end], 120)
            ));
            rest = &rest[path_end..];
        } else if rest.starts_with('/') {
            let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
            self.path = Some(rest[..path_end].to_owned());
            self.stripped
                .push(format!("the path ({})", excerpt(&rest[..path_end], 120)));
            rest = &rest[path_end..];
        }
        if let Some(query) = rest.strip_prefix('?') {
            if self.path.is_none() {
                self.stripped.push("the leading `?`".to_owned());
            }
            rest = query;
        }
        if let Some(hash) = rest.find('#') {
            self.fragment = Some(rest[hash + 1..].to_owned());
            self.stripped.push(format!(
                "everything from the raw `#` at byte {hash} of the query: HTTP clients never send the fragment"
            ));
            rest = &rest[..hash];
        }
        self.query = rest.to_owned();
    }

    fn header(&mut self, line: &str) {
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case(API_KEY_HEADER)
        {
            self.api_key = Some(value.trim().to_owned());
        }
    }
}

fn invalid(reason: crate::wire::error::PasteRule) -> Error {
    Error::Wire(WireError::PastedRequest { reason })
}

fn is_request_line(line: &str) -> bool {
    let mut parts = line.trim_end().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && !target.is_empty()
        && version.trim_end().starts_with("HTTP/")
}

/// A raw HTTP/1.1 request: request line, headers, a blank line, the body.
fn http(text: &str) -> Result<Pasted, Error> {
    let mut pasted = Pasted::default();
    let (head, body) = match (text.find("\r\n\r\n"), text.find("\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (&text[..lf], &text[lf + 2..]),
        (Some(crlf), _) => (&text[..crlf], &text[crlf + 4..]),
        (None, Some(lf)) => (&text[..lf], &text[lf + 2..]),
        (None, None) => (text, ""),
    };
    let mut lines = head.lines();
    let request_line = lines
        .next()
        .ok_or(invalid(crate::wire::error::PasteRule::NoRequestLine))?
        .trim_end();
    let mut parts = request_line.split(' ');
    let method = parts
        .next()
        .ok_or(invalid(crate::wire::error::PasteRule::NoMethod))?;
    let target = parts
        .next()
        .ok_or(invalid(crate::wire::error::PasteRule::NoTarget))?;
    pasted.method = Some(method.to_owned());
    pasted.set_target(target);
    pasted
        .stripped
        .push("the request line and headers".to_owned());
    let mut content_length = None;
    for line in lines {
        pasted.header(line);
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = body;
    if let Some(length) = content_length.filter(|l| *l < body.len() && body.is_char_boundary(*l)) {
        pasted.stripped.push(format!(
            "{} bytes after the Content-Length of {length}",
            body.len() - length
        ));
        body = &body[..length];
    }
    pasted.body = pasted.trim(body, "body").to_owned();
    Ok(pasted)
}

/// Long options of curl that take an argument this reader does not use.
const CURL_LONG_WITH_ARGUMENT: &[&str] = &[
    "--output",
    "--user",
    "--user-agent",
    "--referer",
    "--max-time",
    "--connect-timeout",
    "--cookie",
    "--cookie-jar",
    "--cacert",
    "--cert",
    "--key",
    "--proxy",
    "--write-out",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--max-redirs",
    "--form",
    "--resolve",
    "--interface",
    "--upload-file",
    "--range",
    "--config",
    "--json",
    "--url-query",
    "--limit-rate",
    "--proto",
    "--proto-redir",
    "--oauth2-bearer",
    "--header-file",
];

/// Short options of curl that take an argument (as the rest of the word, or the next word).
const CURL_SHORT_WITH_ARGUMENT: &str = "XHdoubAeEmcxwTrFKQyYz";

/// A `curl` command line.
fn curl(text: &str) -> Result<Pasted, Error> {
    let words = shell_words(text)?;
    let mut words = words.into_iter().skip_while(|w| w != "curl").skip(1);
    let mut pasted = Pasted::default();
    let (mut url, mut data, mut get) = (None, Vec::new(), false);
    let missing = || invalid(crate::wire::error::PasteRule::OptionWithoutValue);
    while let Some(word) = words.next() {
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let mut value = || {
                inline
                    .clone()
                    .map_or_else(|| words.next().ok_or_else(missing), Ok)
            };
            match name {
                "request" => pasted.method = Some(value()?),
                "header" => pasted.header(&value()?),
                "data" | "data-raw" | "data-binary" | "data-ascii" => data.push(value()?),
                "data-urlencode" => data.push(urlencode_datum(&value()?)),
                "get" => get = true,
                "url" => url = Some(value()?),
                _ if CURL_LONG_WITH_ARGUMENT.contains(&word.split('=').next().unwrap_or("")) => {
                    value()?;
                }
                _ => {}
            }
        } else if let Some(short) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            // Clustered flags (`-sX POST`, `-XPOST`, `-H'...'`): the first option that takes
            // an argument takes the rest of the word, or the next word.
            for (at, flag) in short.char_indices() {
                if flag == 'G' {
                    get = true;
                }
                if !CURL_SHORT_WITH_ARGUMENT.contains(flag) {
                    continue;
                }
                let rest = &short[at + flag.len_utf8()..];
                let value = if rest.is_empty() {
                    words.next().ok_or_else(missing)?
                } else {
                    rest.to_owned()
                };
                match flag {
                    'X' => pasted.method = Some(value),
                    'H' => pasted.header(&value),
                    'd' => data.push(value),
                    _ => {}
                }
                break;
            }
        } else {
            url = Some(word);
        }
    }
    let mut url = url.ok_or(invalid(crate::wire::error::PasteRule::NoUrl))?;
    if !url.contains("://") && !url.starts_with(['/', '?']) {
        // curl takes `api.binance.com/api/v3/order?...` as an http URL.
        url.insert_str(0, "http://");
    }
    pasted.set_target(&url);
    pasted
        .stripped
        .push("the curl command around the URL, headers and data".to_owned());
    let data = data.join("&");
    if get {
        if !data.is_empty() {
            if !pasted.query.is_empty() {
                pasted.query.push('&');
            }
            pasted.query.push_str(&data);
        }
        pasted.method.get_or_insert_with(|| "GET".to_owned());
    } else {
        if !data.is_empty() {
            pasted.method.get_or_insert_with(|| "POST".to_owned());
        }
        pasted.body = data;
    }
    pasted.method.get_or_insert_with(|| "GET".to_owned());
    Ok(pasted)
}

/// `--data-urlencode name=value`: curl percent-encodes the value (the name is taken as it is).
fn urlencode_datum(datum: &str) -> String {
    match datum.split_once('=') {
        Some((name, value)) => format!("{name}={}", crate::encoding::encode(value)),
        None => crate::encoding::encode(datum),
    }
}

/// Splits a shell command line into words: single quotes are literal, double quotes take `\`
/// before `"`, `\`, `$` and a backquote, a bare `\` escapes the next character, and `\` before
/// a line break joins the lines.
fn shell_words(text: &str) -> Result<Vec<String>, Error> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'\'') => {
                // Bash ANSI-C quoting (`$'...'`), as "Copy as cURL" in browsers writes it.
                chars.next();
                in_word = true;
                ansi_c_quoted(&mut chars, &mut word)?;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => {
                            return Err(invalid(
                                crate::wire::error::PasteRule::UnclosedSingleQuote,
                            ));
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                double_quoted(&mut chars, &mut word)?;
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => {}
            },
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The rest of a `$'...'` word after its opening quote, escapes resolved, into `word`.
fn ansi_c_quoted(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    word: &mut String,
) -> Result<(), Error> {
    loop {
        match chars.next() {
            Some('\'') => return Ok(()),
            Some('\\') => match chars.next() {
                Some('n') => word.push('\n'),
                Some('r') => word.push('\r'),
                Some('t') => word.push('\t'),
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    let byte = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    word.push(byte.ok_or(invalid(crate::wire::error::PasteRule::BadHexEscape))?);
                }
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    word.push(c.ok_or(invalid(crate::wire::error::PasteRule::BadUnicodeEscape))?);
                }
                Some(c) => word.push(c),
                None => return Err(invalid(crate::wire::error::PasteRule::UnclosedAnsiQuote)),
            },
            Some(c) => word.push(c),
            None => return Err(invalid(crate::wire::error::PasteRule::UnclosedAnsiQuote)),
        }
    }
}

/// The rest of a `"..."` word after its opening quote into `word`: `\` escapes only `"`, `\`,
/// `$`, a backquote and a line break.
fn double_quoted(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    word: &mut String,
) -> Result<(), Error> {
    loop {
        match chars.next() {
            Some('"') => return Ok(()),
            Some('\\') => match chars.next() {
                Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(c) => {
                    word.push('\\');
                    word.push(c);
                }
                None => return Err(invalid(crate::wire::error::PasteRule::UnclosedDoubleQuote)),
            },
            Some(c) => word.push(c),
            None => return Err(invalid(crate::wire::error::PasteRule::UnclosedDoubleQuote)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_forms() {
        for text in [
            "a=1&b=2",
            "?a=1&b=2",
            "  a=1&b=2\n",
            "https://api.binance.com/api/v3/order?a=1&b=2",
            "http://127.0.0.1:8080/x?a=1&b=2\r\n",
            "/api/v3/order?a=1&b=2",
        ] {
            assert_eq!(Pasted::query(text).query, "a=1&b=2", "{text:?}");
        }
        assert!(Pasted::query("a=1").stripped.is_empty());
        let p = Pasted::query("a=1&note=x#y&signature=00");
        assert_eq!(p.query, "a=1&note=x");
        assert_eq!(p.fragment.as_deref(), Some("y&signature=00"));
        assert_eq!(Pasted::query("https://h/p").query, "");
        // A value that happens to hold `://` is not a URL.
        assert_eq!(Pasted::query("u=http://x&a=1").query, "u=http://x&a=1");
    }

    #[test]
    fn curl_forms() {
        let p =
            Pasted::parse("curl -H \"X-MBX-APIKEY: k\" -X DELETE \\\n  \"https://h/api?a=1&b=2\"")
                .unwrap();
        assert_eq!(
            (p.method.as_deref(), p.query.as_str(), p.api_key.as_deref()),
            (Some("DELETE"), "a=1&b=2", Some("k"))
        );
        let p =
            Pasted::parse("$ curl -s https://h/api -d a=1 --data-raw 'b=x y' -H 'x-mbx-apikey:k2'")
                .unwrap();
        assert_eq!(
            (p.method.as_deref(), p.body.as_str(), p.api_key.as_deref()),
            (Some("POST"), "a=1&b=x y", Some("k2"))
        );
        let p = Pasted::parse("curl -G https://h/api?a=1 -d b=2").unwrap();
        assert_eq!(
            (p.method.as_deref(), p.query.as_str(), p.body.as_str()),
            (Some("GET"), "a=1&b=2", "")
        );
        assert!(Pasted::parse("curl -X POST").is_err());
        assert!(Pasted::parse("curl 'https://h").is_err());
        // Clustered flags, attached values, ANSI-C quotes, no scheme, --data-urlencode.
        let p = Pasted::parse("curl -sXPOST api.binance.com/api/v3/order -H$'X-MBX-APIKEY: k\\x21' --data-urlencode 'note=a b&c' --max-time 5").unwrap();
        assert_eq!(
            (
                p.method.as_deref(),
                p.path.as_deref(),
                p.body.as_str(),
                p.api_key.as_deref()
            ),
            (
                Some("POST"),
                Some("/api/v3/order"),
                "note=a%20b%26c",
                Some("k!")
            )
        );
        let p = Pasted::parse("curl -s -X DELETE --url=https://h/x?a=1 --retry-delay 3").unwrap();
        assert_eq!(
            (p.method.as_deref(), p.query.as_str()),
            (Some("DELETE"), "a=1")
        );
    }

    #[test]
    fn raw_http_forms() {
        for text in [
            "POST /api/v3/order?a=1 HTTP/1.1\r\nHost: h\r\nX-MBX-APIKEY: k\r\nContent-Length: 7\r\n\r\nb=2&c=3\r\n",
            "POST /api/v3/order?a=1 HTTP/1.1\nHost: h\nX-MBX-APIKEY: k\n\nb=2&c=3\n",
        ] {
            let p = Pasted::parse(text).unwrap();
            assert_eq!(
                (
                    p.method.as_deref(),
                    p.path.as_deref(),
                    p.query.as_str(),
                    p.body.as_str(),
                    p.api_key.as_deref()
                ),
                (
                    Some("POST"),
                    Some("/api/v3/order"),
                    "a=1",
                    "b=2&c=3",
                    Some("k")
                ),
                "{text:?}"
            );
        }
        let p = Pasted::parse("GET https://h/api/v3/account?timestamp=1 HTTP/1.1\n\n").unwrap();
        assert_eq!(p.query, "timestamp=1");
    }
}
