-- Reading the store, trusting nothing (every script starts with this). A count, hold or ban
-- is a non-negative integer of at most 15 digits (exact in Lua's numbers), a hold or ban no
-- later than the longest hold from now (`HOLD_CAP`, the last ARGV, ms on Binance's clock); a
-- key of another type or any other
-- text (`-1`, `nan`, `inf`, `1e400`, an empty string) fails the script with `CORRUPT <key>`,
-- and the decision with it: nothing is decided on a value that cannot be read.
local HOLD_CAP = tonumber(ARGV[#ARGV])
local function corrupt(key)
  error({err = 'CORRUPT ' .. key})
end
local function read(key, cap)
  local value = redis.pcall('GET', key)
  if type(value) == 'table' then corrupt(key) end
  if not value then return 0 end
  if #value == 0 or #value > 15 or not string.match(value, '^%d+$') then corrupt(key) end
  local number = tonumber(value)
  if cap and number > cap then corrupt(key) end
  return number
end
-- The epoch: any string, but a string.
local function read_epoch(key)
  local value = redis.pcall('GET', key)
  if type(value) == 'table' then corrupt(key) end
  return value
end
