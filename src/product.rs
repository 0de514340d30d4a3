//! [`Product`]: the Binance API families and the signing rules that differ between them.

use std::fmt;
use std::str::FromStr;

use crate::source::reasons;

use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::Timestamp;
use crate::time::unit::TimeUnit;

/// A Binance API family. Rules that differ: microsecond timestamps and fractional `recvWindow`
/// are accepted on spot (`/api`) only.
///
/// A [`Signer`](crate::Signer) bound to a product with
/// [`for_product`](crate::Signer::for_product) refuses to sign what that product would bounce.
///
/// ```
/// use binance_sign::{Product, RecvWindow, Timestamp};
/// let us = Timestamp::from_micros(1_700_000_000_000_000)?;
/// assert!(Product::Spot.check(us, None).is_ok());
/// assert!(Product::UsdMFutures.check(us, None).is_err());
/// let frac: RecvWindow = "6000.5".parse()?;
/// assert!(Product::CoinMFutures.check(Timestamp::from_millis(1_700_000_000_000)?, Some(frac)).is_err());
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Product {
    /// Spot, `/api/v3` (and the WebSocket API `ws-api/v3`).
    Spot,
    /// Wallet, margin and other `/sapi` endpoints.
    Sapi,
    /// USD-M futures, `/fapi`.
    UsdMFutures,
    /// COIN-M futures, `/dapi`.
    CoinMFutures,
    /// Options, `/eapi`.
    Options,
    /// Portfolio margin, `/papi`.
    PortfolioMargin,
}

impl Product {
    /// Every product.
    pub const ALL: [Product; 6] = [
        Product::Spot,
        Product::Sapi,
        Product::UsdMFutures,
        Product::CoinMFutures,
        Product::Options,
        Product::PortfolioMargin,
    ];

    /// A short name (`spot`, `sapi`, `usdm-futures`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Product::Spot => "spot",
            Product::Sapi => "sapi",
            Product::UsdMFutures => "usdm-futures",
            Product::CoinMFutures => "coinm-futures",
            Product::Options => "options",
            Product::PortfolioMargin => "portfolio-margin",
        }
    }

    /// The path of the server-time endpoint to sample for [`ServerClock`](crate::ServerClock).
    pub fn server_time_path(self) -> &'static str {
        match self {
            Product::Spot | Product::Sapi => "/api/v3/time",
            Product::UsdMFutures => "/fapi/v1/time",
            Product::CoinMFutures => "/dapi/v1/time",
            Product::Options => "/eapi/v1/time",
            // Portfolio margin has no time endpoint of its own; it shares the spot clock.
            Product::PortfolioMargin => "/api/v3/time",
        }
    }

    /// Whether `timestamp` may be in microseconds.
    pub fn allows_micros(self) -> bool {
        self == Product::Spot
    }

    /// Whether `recvWindow` may have decimals.
    pub fn allows_fractional_recv_window(self) -> bool {
        self == Product::Spot
    }

    /// Checks a timestamp and window against this product's rules.
    ///
    /// (Range rules every product shares, such as "not before 2017" and "at most 60000 ms",
    /// are already enforced by [`Timestamp`] and [`RecvWindow`].)
    ///
    /// # Errors
    ///
    /// [`ProductError::ProductRule`] for a microsecond timestamp or a fractional `recvWindow` off spot.
    pub fn check(
        self,
        timestamp: Timestamp,
        recv_window: Option<RecvWindow>,
    ) -> Result<(), ProductError> {
        if timestamp.unit() == TimeUnit::Micros && !self.allows_micros() {
            return Err(ProductError::ProductRule {
                product: self,
                rule: ProductRule::MicrosOffSpot,
            });
        }
        if recv_window.is_some_and(RecvWindow::is_fractional)
            && !self.allows_fractional_recv_window()
        {
            return Err(ProductError::ProductRule {
                product: self,
                rule: ProductRule::FractionalWindowOffSpot,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A product name that is not one of [`Product::name`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown product `{0}`; expected one of spot, sapi, usdm-futures, coinm-futures, options, portfolio-margin"
)]
#[non_exhaustive]
pub struct UnknownProduct(pub String);

impl FromStr for Product {
    type Err = UnknownProduct;

    /// Parses a [`name`](Product::name): `spot`, `sapi`, `usdm-futures`, `coinm-futures`,
    /// `options`, `portfolio-margin`.
    ///
    /// ```
    /// use binance_sign::Product;
    /// assert_eq!("usdm-futures".parse::<Product>()?, Product::UsdMFutures);
    /// assert!("futures".parse::<Product>().is_err());
    /// # Ok::<(), binance_sign::UnknownProduct>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, UnknownProduct> {
        Product::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| UnknownProduct(crate::source::excerpt(text, 40)))
    }
}

reasons! {
    /// A rule that differs between products.
    pub enum ProductRule {
        /// A microsecond timestamp off spot.
        MicrosOffSpot => "timestamps must be in milliseconds; microseconds are spot-only",
        /// A fractional `recvWindow` off spot.
        FractionalWindowOffSpot => "recvWindow must be a whole number of milliseconds; decimals are spot-only",
    }
}

/// A rule of the target product broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProductError {
    /// A rule of the target product was broken (see [`Product`]).
    #[error("{product}: {rule}")]
    ProductRule {
        /// The product.
        product: Product,
        /// The rule.
        rule: ProductRule,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for product in Product::ALL {
            assert_eq!(product.to_string().parse::<Product>(), Ok(product));
        }
    }
}
