//! The rule book as data: one row per group of keys, with the Binance documentation it comes
//! from. Keys not listed are text: only the rules every parameter shares apply to them.

use super::{Format, Keys, Repeat, Row};

/// Every row, most specific first: the first row whose keys match a key decides its format.
pub(super) static ROWS: &[Row] = &[
    // Spot `rest-api.md`, "Request security" / "SIGNED (TRADE and USER_DATA) endpoint
    // security" and "Timing security": milliseconds, or microseconds on spot since 2024-12;
    // derivatives (`usdm/general-info`, "Timing security") take milliseconds.
    Row {
        keys: Keys::Exact(&["timestamp"]),
        format: Format::Timestamp,
        repeat: Repeat::Once,
        source: "spot rest-api.md, Timing security; derivatives general-info, Timing security",
    },
    // Spot `rest-api.md`, "Timing security": at most 60000, up to three decimals on spot
    // (microsecond precision); derivatives take a whole number of milliseconds.
    Row {
        keys: Keys::Exact(&["recvWindow"]),
        format: Format::RecvWindow,
        repeat: Repeat::Once,
        source: "spot rest-api.md, Timing security (recvWindow)",
    },
    // Spot `rest-api.md`, "Trading endpoints", "New order (TRADE)": quantity, quoteOrderQty,
    // price, stopPrice, icebergQty are DECIMAL; "New Order list - OCO/OTO/OTOCO": the
    // above*/below*/working*/pending* prices and quantities are DECIMAL. USD-M futures
    // "New Order (TRADE)": activationPrice, callbackRate are DECIMAL. Wallet and sub-account
    // endpoints (`/sapi`): amount is DECIMAL.
    Row {
        keys: Keys::Exact(&[
            "quantity",
            "quoteOrderQty",
            "price",
            "stopPrice",
            "icebergQty",
            "activationPrice",
            "callbackRate",
            "amount",
        ]),
        format: Format::Decimal,
        repeat: Repeat::Once,
        source: "spot rest-api.md, New order (TRADE); usdm New Order (TRADE); sapi wallet",
    },
    // Spot `rest-api.md`, "New order (TRADE)" and the account endpoints: orderId,
    // orderListId, fromId, limit, startTime, endTime, trailingDelta, strategyId,
    // strategyType, cancelOrderId are LONG or INT.
    Row {
        keys: Keys::Exact(&[
            "orderId",
            "orderListId",
            "fromId",
            "limit",
            "startTime",
            "endTime",
            "trailingDelta",
            "strategyId",
            "strategyType",
            "cancelOrderId",
        ]),
        format: Format::Integer,
        repeat: Repeat::Once,
        source: "spot rest-api.md, New order (TRADE), Account trade list, Query order",
    },
    // Spot `rest-api.md`, "Exchange information" and "Symbol price ticker": `symbols` and
    // `permissions` are one JSON array (`["BTCUSDT","BNBUSDT"]`) or a single value
    // (`permissions=SPOT`); margin "Query Isolated Margin Account Info" takes
    // `symbols=BTCUSDT,BNBUSDT` (comma-separated, no brackets). USD-M futures "Cancel
    // Multiple Orders" (`orderIdList` LIST<LONG>, `origClientOrderIdList` LIST<STRING>) and
    // "Place Multiple Orders" (`batchOrders` LIST<JSON>).
    Row {
        keys: Keys::Exact(&[
            "symbols",
            "permissions",
            "orderIdList",
            "origClientOrderIdList",
            "batchOrders",
        ]),
        format: Format::JsonList,
        repeat: Repeat::Once,
        source: "spot rest-api.md, Exchange information; usdm Cancel/Place Multiple Orders",
    },
    // Wallet `asset/Dust-Transfer` (`POST /sapi/v1/asset/dust`): `asset` is ARRAY, sent as a
    // repeated key (`asset=BTC&asset=USDT`).
    Row {
        keys: Keys::Exact(&["asset"]),
        format: Format::Text,
        repeat: Repeat::Array,
        source: "wallet Dust Transfer (POST /sapi/v1/asset/dust), asset ARRAY",
    },
    // The OCO/OTO/OTOCO order-list prices and quantities (`abovePrice`, `belowStopPrice`,
    // `workingQuantity`, `pendingIcebergQty`, ...) all end this way and are DECIMAL.
    Row {
        keys: Keys::Suffix(&["Price", "Qty", "Quantity"]),
        format: Format::Decimal,
        repeat: Repeat::Once,
        source: "spot rest-api.md, New Order list - OCO/OTO/OTOCO (TRADE)",
    },
];
