-- Leases, the fast path: see LEASE in store.rs. Nothing is granted unless every request's
-- need fits in its window; then each window grants its need and, of what this process wants
-- beyond it, at most half of what is left, counted here before the process uses any of it.
-- A window that is full takes back the remainder the process could not use there (never
-- below what Binance reported for it), for the others to use.
local now = tonumber(ARGV[2])
local refusal = refused(now)
if refusal then return refusal end
local n = tonumber(ARGV[3])
local answer = {0, 0}
local current = {}
local full = {}
local wait = 0
for i = 0, n - 1 do
  local base = 4 + 6 * i
  local need = tonumber(ARGV[base])
  local budget = tonumber(ARGV[base + 2])
  current[i] = read(KEYS[5 + 2 * i])
  full[i] = current[i] + need > budget
  if full[i] then
    wait = math.max(wait, tonumber(ARGV[base + 4]) - now)
  end
end
if wait > 0 then
  answer[1] = 1
  answer[2] = wait
  for i = 0, n - 1 do
    local left = tonumber(ARGV[9 + 6 * i])
    local back = 0
    if full[i] and left > 0 then
      local floor = read(KEYS[4 + 2 * i])
      local new = math.max(current[i] - left, math.min(floor, current[i]))
      if new < current[i] then
        redis.call('SET', KEYS[5 + 2 * i], new, 'KEEPTTL')
        back = current[i] - new
        current[i] = new
      end
    end
    answer[3 + 2 * i] = back
    answer[4 + 2 * i] = current[i]
  end
  return answer
end
for i = 0, n - 1 do
  local base = 4 + 6 * i
  local need = tonumber(ARGV[base])
  local want = tonumber(ARGV[base + 1])
  local budget = tonumber(ARGV[base + 2])
  local room = budget - current[i] - need
  local grant = need + math.min(want - need, math.floor(room / 2))
  answer[3 + 2 * i] = grant
  answer[4 + 2 * i] = redis.call('INCRBY', KEYS[5 + 2 * i], grant)
  redis.call('PEXPIRE', KEYS[5 + 2 * i], ARGV[base + 3])
end
return answer
