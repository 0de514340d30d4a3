-- Binance's word: see OBSERVE in store.rs. Each reported count raises its counter, and the
-- counter's floor (what a refund never goes below).
if tonumber(ARGV[1]) > 0 then raise(KEYS[1], ARGV[1], ARGV[3], HOLD_CAP) end
if tonumber(ARGV[2]) > 0 then raise(KEYS[2], ARGV[2], ARGV[3], HOLD_CAP) end
for j = 3, #KEYS, 2 do
  local i = (j - 3) / 2
  raise(KEYS[j], ARGV[4 + 2 * i], ARGV[5 + 2 * i])
  raise(KEYS[j + 1], ARGV[4 + 2 * i], ARGV[5 + 2 * i])
end
return 0
