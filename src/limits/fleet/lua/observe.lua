-- Binance's word: see OBSERVE in fleet.rs.
if tonumber(ARGV[1]) > 0 then raise(KEYS[1], ARGV[1], ARGV[3], HOLD_CAP) end
if tonumber(ARGV[2]) > 0 then raise(KEYS[2], ARGV[2], ARGV[3], HOLD_CAP) end
for j = 3, #KEYS do
  raise(KEYS[j], ARGV[4 + 2 * (j - 3)], ARGV[5 + 2 * (j - 3)])
end
return 0
