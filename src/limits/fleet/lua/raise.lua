-- Raise a key to a value (with a ttl), never lower it: OBSERVE and RESTORE start with it. A
-- hold or ban (`cap` given) is read within it.
local function raise(key, value, ttl, cap)
  if tonumber(value) > read(key, cap) then
    redis.call('SET', key, value, 'PX', ttl)
  end
end
