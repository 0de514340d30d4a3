-- The fleet's decision: see ACQUIRE in fleet.rs for its keys and arguments.
local now = tonumber(ARGV[2])
local refusal = refused(now)
if refusal then return refusal end
local margin = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local wait = 0
local counts = {0, 0}
for i = 0, n - 1 do
  local len = tonumber(ARGV[5 + 4 * i])
  local budget = tonumber(ARGV[6 + 4 * i])
  local cost = tonumber(ARGV[7 + 4 * i])
  local start = now - (now % len)
  local cur = read(KEYS[5 + 3 * i])
  counts[3 + i] = cur
  if cost > 0 then
    if cur + cost > budget then
      wait = math.max(wait, start + len + margin - now)
    end
    if now < start + margin then
      local prev = read(KEYS[4 + 3 * i])
      if prev + cost > budget then wait = math.max(wait, start + margin - now) end
    end
    if now >= start + len - margin then
      local nxt = read(KEYS[6 + 3 * i])
      if nxt + cost > budget then wait = math.max(wait, start + 2 * len + margin - now) end
    end
  end
end
if wait > 0 then
  counts[1] = 1
  counts[2] = wait
  return counts
end
for i = 0, n - 1 do
  local len = tonumber(ARGV[5 + 4 * i])
  local cost = tonumber(ARGV[7 + 4 * i])
  local ttl = tonumber(ARGV[8 + 4 * i])
  if cost > 0 then
    local start = now - (now % len)
    counts[3 + i] = redis.call('INCRBY', KEYS[5 + 3 * i], cost)
    redis.call('PEXPIRE', KEYS[5 + 3 * i], ttl)
    if now < start + margin then
      redis.call('INCRBY', KEYS[4 + 3 * i], cost)
      redis.call('PEXPIRE', KEYS[4 + 3 * i], ttl)
    end
    if now >= start + len - margin then
      redis.call('INCRBY', KEYS[6 + 3 * i], cost)
      redis.call('PEXPIRE', KEYS[6 + 3 * i], ttl)
    end
  end
end
return counts
