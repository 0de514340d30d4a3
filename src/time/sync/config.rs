//! [`TimeSyncConfig`]: the settings of a [`TimeSync`](super::TimeSync).

use std::time::Duration;

use crate::time::recv_window::RecvWindow;

/// Settings of a [`TimeSync`](super::TimeSync).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeSyncConfig {
    /// How many samples to keep (1 to 64): the oldest, the newest and the most precise in
    /// between. Default 16.
    pub window: usize,
    /// Samples older than this (but the newest) are dropped: drift is measured over at most
    /// this span. Default 2 hours.
    pub max_sample_age: Duration,
    /// Samples with a longer round trip are refused. Default 10 s.
    pub max_round_trip: Duration,
    /// Samples with a larger offset are refused. Default 7 days.
    pub max_offset: Duration,
    /// The most the server clock may run fast or slow against the local monotonic clock, in
    /// parts per million, until drift is measured from samples. Default 500.
    pub max_drift_ppm: u32,
    /// Subtracted from every timestamp on top of the uncertainty. Default 1 ms.
    pub margin: Duration,
    /// The `recvWindow` requests are sent with. Default 5000 ms (Binance's default).
    pub recv_window: RecvWindow,
    /// The longest a request takes from [`TimeSync::timestamp`](super::TimeSync::timestamp) to Binance's check (including
    /// the check just before the matching engine). Default 1000 ms.
    pub max_delay: Duration,
    /// [`TimeSync::needs_resync`](super::TimeSync::needs_resync) asks for a probe when the newest sample is older. Default
    /// 5 minutes.
    pub resync_after: Duration,
    /// How far the wall clock (or, where the readings have one, the boot-time clock) may run
    /// ahead of the monotonic clock before a suspend is assumed. Default 100 ms.
    pub jump_tolerance: Duration,
    /// A sample further than this from the current estimate is refused with
    /// [`SyncError::BeyondPanicThreshold`](super::SyncError::BeyondPanicThreshold) (NTP's panic threshold). Measured against the
    /// estimate, never the local wall clock: the first sample is taken whatever the wall clock
    /// says (up to `max_offset`). Default 1 hour.
    pub panic_threshold: Duration,
}

crate::source::with_setters!(TimeSyncConfig {
    with_window => window: usize,
    with_max_sample_age => max_sample_age: Duration,
    with_max_round_trip => max_round_trip: Duration,
    with_max_offset => max_offset: Duration,
    with_max_drift_ppm => max_drift_ppm: u32,
    with_margin => margin: Duration,
    with_recv_window => recv_window: RecvWindow,
    with_max_delay => max_delay: Duration,
    with_resync_after => resync_after: Duration,
    with_jump_tolerance => jump_tolerance: Duration,
    with_panic_threshold => panic_threshold: Duration,
});

impl Default for TimeSyncConfig {
    fn default() -> Self {
        Self {
            window: 16,
            max_sample_age: Duration::from_secs(2 * 3600),
            max_round_trip: Duration::from_secs(10),
            max_offset: Duration::from_secs(7 * 24 * 3600),
            max_drift_ppm: 500,
            margin: Duration::from_millis(1),
            recv_window: RecvWindow::DEFAULT,
            max_delay: Duration::from_millis(1000),
            resync_after: Duration::from_secs(300),
            jump_tolerance: Duration::from_millis(100),
            panic_threshold: Duration::from_secs(3600),
        }
    }
}
