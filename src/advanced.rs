//! Internals exposed for tools, tests and fuzzers: the readers of Binance's rate-limit headers,
//! the rule for values read back from the fleet's store, and the doctor's table of encoder
//! mistakes.
//!
//! Most programs never need these: the governors read the headers through `observe`, and
//! [`diagnose`](crate::diagnose) walks the mistake table itself. They are public so that a test
//! suite can hold its own expectations against the same readers and rows, and they may change
//! in a minor release (a new row, a new field) without the deprecation the rest of the API
//! gets.
//!
//! ```
//! use binance_sign::advanced::{mistakes, parse_header};
//! assert!(mistakes().len() > 10);
//! let reported = parse_header("X-MBX-USED-WEIGHT-1M", "42")?.expect("a count header");
//! assert_eq!(reported.count, 42);
//! # Ok::<(), binance_sign::limits::LimitsError>(())
//! ```

pub use crate::diagnose::mistakes::{Committed, Mistake, mistakes};
pub use crate::limits::headers::{Reported, parse_ban_until, parse_header, parse_retry_after};
pub use crate::limits::store_value::{MAX_COUNT_DIGITS, parse_store_count, parse_store_hold};
