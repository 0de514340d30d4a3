-- Raise a key to a value (with a ttl), never lower it: OBSERVE and RESTORE start with it.
local function raise(key, value, ttl)
  if tonumber(value) > tonumber(redis.call('GET', key) or '0') then
    redis.call('SET', key, value, 'PX', ttl)
  end
end
