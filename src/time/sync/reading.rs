//! [`LocalReading`]: the local clocks at one instant, and [`SystemClock`], which reads them.

use std::time::{Duration, Instant};

/// A reading of the local clocks at one instant: the wall clock (µs since the Unix epoch), a
/// monotonic clock (µs since any fixed origin) and, where the system has one, a boot-time clock
/// that keeps counting while the machine is suspended (Linux `CLOCK_BOOTTIME`, µs since any
/// fixed origin).
///
/// It also records its resolution: a reading made from milliseconds may be up to 1 ms off the
/// instant it stands for, and [`TimeSync`](super::TimeSync) widens its uncertainty by that.
///
/// ```
/// use std::time::Duration;
/// use binance_sign::LocalReading;
/// let r = LocalReading::from_millis(1_700_000_000_000, 5_000).with_boot_micros(9_000_000);
/// assert_eq!(r.mono_micros(), 5_000_000);
/// assert_eq!(r.boot_micros(), Some(9_000_000));
/// assert_eq!(r.resolution(), Duration::from_millis(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalReading {
    wall_micros: u64,
    mono_micros: u64,
    boot_micros: Option<u64>,
    resolution_micros: u32,
}

impl LocalReading {
    /// A reading in microseconds (resolution 1 µs), with no boot-time clock.
    pub fn from_micros(wall_micros: u64, mono_micros: u64) -> Self {
        Self {
            wall_micros,
            mono_micros,
            boot_micros: None,
            resolution_micros: 1,
        }
    }

    /// A reading in milliseconds (resolution 1 ms), with no boot-time clock.
    pub fn from_millis(wall_millis: u64, mono_millis: u64) -> Self {
        Self {
            resolution_micros: 1000,
            ..Self::from_micros(
                wall_millis.saturating_mul(1000),
                mono_millis.saturating_mul(1000),
            )
        }
    }

    /// The same reading with the boot-time clock (µs; it runs with the monotonic clock but
    /// keeps counting during a suspend). With it on both sides, a suspend is measured
    /// (`boot − monotonic` grew), not guessed from the wall clock.
    #[must_use]
    pub fn with_boot_micros(self, boot_micros: u64) -> Self {
        Self {
            boot_micros: Some(boot_micros),
            ..self
        }
    }

    /// The wall clock, µs since the Unix epoch.
    pub fn wall_micros(self) -> u64 {
        self.wall_micros
    }

    /// The monotonic clock, µs.
    pub fn mono_micros(self) -> u64 {
        self.mono_micros
    }

    /// The boot-time clock, µs, if the reading has one.
    pub fn boot_micros(self) -> Option<u64> {
        self.boot_micros
    }

    /// How far the readings may be from the instant they stand for (1 µs, or 1 ms for
    /// [`from_millis`](Self::from_millis)).
    pub fn resolution(self) -> Duration {
        Duration::from_micros(u64::from(self.resolution_micros))
    }

    /// The resolution in µs, as the estimator adds it.
    pub(crate) fn resolution_micros(self) -> i128 {
        i128::from(self.resolution_micros)
    }
}

/// Reads the system clocks: `SystemTime` for the wall clock, `Instant` (from the moment this
/// value was made) for the monotonic clock, and on Linux and Android `CLOCK_BOOTTIME` (through
/// `rustix`) for the boot-time clock, so a suspend is measured.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Reads the clocks.
    pub fn now(&self) -> LocalReading {
        let mono = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        let reading = LocalReading::from_micros(crate::time::timestamp::system_micros(), mono);
        match boot_micros() {
            Some(boot) => reading.with_boot_micros(boot),
            None => reading,
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

/// `CLOCK_BOOTTIME` in µs.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn boot_micros() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    let secs = u64::try_from(t.tv_sec).ok()?;
    let micros = u64::try_from(t.tv_nsec / 1000).ok()?;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// No boot-time clock elsewhere: suspends are inferred from the wall clock.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn boot_micros() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_reads_boot_time_where_there_is_one() {
        let clock = SystemClock::new();
        let (a, b) = (clock.now(), clock.now());
        assert!(b.mono_micros() >= a.mono_micros());
        assert_eq!(a.resolution(), Duration::from_micros(1));
        if cfg!(any(target_os = "linux", target_os = "android")) {
            let (ba, bb) = (a.boot_micros().unwrap(), b.boot_micros().unwrap());
            // Awake, the boot-time clock runs with the monotonic clock.
            let (boot, mono) = (bb - ba, b.mono_micros() - a.mono_micros());
            assert!(
                boot.abs_diff(mono) < 50_000,
                "boot {boot} µs, mono {mono} µs"
            );
            std::thread::sleep(Duration::from_millis(20));
            let c = clock.now();
            let boot = c.boot_micros().unwrap() - bb;
            let mono = c.mono_micros() - b.mono_micros();
            assert!(
                boot >= 20_000 && boot.abs_diff(mono) < 50_000,
                "{boot} {mono}"
            );
        } else {
            assert_eq!(a.boot_micros(), None);
        }
    }
}
