-- Putting back what this process sent: see RESTORE in fleet.rs.
local current = read_epoch(KEYS[1])
local lost = current ~= ARGV[1]
if not current then
  redis.call('SET', KEYS[1], ARGV[2])
  current = ARGV[2]
end
if tonumber(ARGV[3]) > 0 then raise(KEYS[2], ARGV[3], ARGV[5], HOLD_CAP) end
if tonumber(ARGV[4]) > 0 then raise(KEYS[3], ARGV[4], ARGV[5], HOLD_CAP) end
for j = 4, #KEYS do
  local base = 6 + 3 * (j - 4)
  if lost then
    -- The store lost its data: raise the counter to the least it holds (never add: a count
    -- Binance reported meanwhile, or another process's restore, may include these sends).
    raise(KEYS[j], ARGV[base + 1], ARGV[base + 2])
  else
    -- The store kept its data: add what was sent while it was unreachable.
    local amount = tonumber(ARGV[base])
    read(KEYS[j])
    if amount > 0 then
      redis.call('INCRBY', KEYS[j], amount)
      redis.call('PEXPIRE', KEYS[j], ARGV[base + 2])
    end
  end
end
return current
