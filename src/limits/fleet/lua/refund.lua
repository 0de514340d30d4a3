-- Binance's 2026-04-02 rule: a successful order's request weight goes back. See REFUND in
-- store.rs. Each counter drops by the cost, never below the count Binance last reported for
-- its window (its floor key), nor does a floor raise it.
for j = 1, #KEYS, 2 do
  local cur = read(KEYS[j])
  local floor = read(KEYS[j + 1])
  local cost = tonumber(ARGV[(j + 1) / 2])
  local new = math.max(cur - cost, math.min(floor, cur))
  if new < cur then redis.call('SET', KEYS[j], new, 'KEEPTTL') end
end
return 0
