"""The clock (typed refusals, never a guess) and the governor (time from the clock only)."""

import json

import pytest

import binance_sign
from binance_sign import ClockError, Governor, LocalReading, ServerClock, TimeSync


def test_time_sync_hands_out_timestamps_or_refuses():
    sync = TimeSync()
    now = LocalReading(1_700_000_000_000_000, 10_000_000)
    with pytest.raises(ClockError) as e:
        sync.timestamp(now)
    assert e.value.kind == "no-estimate"
    sent = LocalReading(1_700_000_000_000_000, 10_000_000)
    received = LocalReading(1_700_000_000_080_000, 10_080_000)
    obs = sync.observe_json(sent, '{"serverTime":1700000002040}', received)
    assert obs["offset_micros"] == 2_000_500 and not obs["held"]
    ts = sync.timestamp(LocalReading(1_700_000_001_000_000, 11_000_000))
    assert 1_700_000_002_900 < ts < 1_700_000_003_000
    assert not sync.needs_resync(LocalReading(1_700_000_001_000_000, 11_000_000))
    assert 290 < sync.next_probe_in(LocalReading(1_700_000_001_000_000, 11_000_000)) <= 300
    # A suspend measured by the boot clock is refused with its own kind.
    a = LocalReading(1_700_000_000_000_000, 10_000_000, boot_micros=50_000_000)
    b = LocalReading(1_700_000_000_080_000, 10_080_000, boot_micros=50_080_000)
    sync = TimeSync()
    sync.observe(a, 1_700_000_000_040, b)
    later = LocalReading(1_700_000_060_080_000, 10_090_000, boot_micros=110_090_000)
    with pytest.raises(ClockError) as e:
        sync.timestamp(later)
    assert e.value.kind == "suspended" and "60" in str(e.value)


def test_server_clock_with_a_probe_body():
    clock = ServerClock()
    assert clock.needs_resync() and clock.next_probe_in() == 0
    with pytest.raises(ClockError):
        clock.timestamp()
    sent = clock.reading()
    clock.observe_json(sent, json.dumps({"serverTime": sent.wall_micros // 1000 + 1500}))
    ts = clock.timestamp()
    assert ts <= clock.now_ms()
    assert len(str(clock.timestamp_micros())) == 16
    with pytest.raises(ClockError) as e:
        clock.observe_json(clock.reading(), "<html>")
    assert e.value.kind == "bad-response"


def test_governor_takes_time_only_from_the_clock():
    governor = Governor()
    clock = ServerClock()
    with pytest.raises(ClockError):
        governor.acquire(clock, 1, False)
    sent = clock.reading()
    clock.observe_json(sent, json.dumps({"serverTime": sent.wall_micros // 1000}))
    decision = governor.acquire(clock, 1, False)
    assert decision.send and decision.kind == "send"
    heavy = governor.acquire(clock, 7000, False)
    assert heavy.kind == "too-heavy" and not heavy.send and heavy.limit
    # A 429 with Retry-After holds every request after it.
    assert governor.observe(clock, 429, {"Retry-After": "30", "X-MBX-USED-WEIGHT-1M": "6000"}) is None
    wait = governor.acquire(clock, 1, False)
    assert wait.kind == "wait" and 25 < wait.wait <= 31
    # A ban named in a -1003 body.
    banned = Governor()
    until = clock.now_ms() + 120_000
    assert banned.observe_body(json.dumps({"code": -1003, "msg": f"Way too many requests; IP banned until {until}."}))
    decision = banned.acquire(clock, 1, False)
    assert decision.kind == "banned" and decision.banned_until_ms == until


def test_governor_reads_exchange_info_and_headers_objects():
    info = json.dumps({"rateLimits": [{"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 2}]})
    governor = Governor(info)
    clock = ServerClock()
    sent = clock.reading()
    clock.observe_json(sent, json.dumps({"serverTime": sent.wall_micros // 1000}))

    class Headers:  # requests / httpx headers: anything with items()
        def items(self):
            return [("X-MBX-ORDER-COUNT-10S", "2")]

    governor.observe(clock, 200, Headers())
    assert governor.acquire(clock, 1, True).kind == "wait"
    with pytest.raises(binance_sign.LimitsError) as e:
        Governor("{not json")
    assert type(e.value).__name__ == "LimitsError"
    # An unreadable Retry-After still holds (for the default) and is reported, not raised.
    held = Governor()
    problem = held.observe(clock, 429, {"Retry-After": "soon"})
    assert problem and "Retry-After" in problem
    assert held.acquire(clock, 1, False).kind == "wait"
    with pytest.raises(binance_sign.ParamsError):
        held.acquire(clock, -1, False)
