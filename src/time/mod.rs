//! Time on Binance's terms: [`Timestamp`](crate::Timestamp) and
//! [`RecvWindow`](crate::RecvWindow) as they go on the wire, [`ServerTime`](crate::ServerTime)
//! instants, the acceptance rule Binance applies to them ([`check_window`](crate::check_window)),
//! the pure clock estimate ([`TimeSync`](crate::TimeSync)) and the shared, thread-safe
//! [`ServerClock`](crate::ServerClock) over it. The items are re-exported at the crate root.

pub(crate) mod acceptance;
pub(crate) mod clock;
pub(crate) mod error;
pub(crate) mod recv_window;
pub(crate) mod server_time;
pub(crate) mod sync;
pub(crate) mod timestamp;
pub(crate) mod unit;
