-- What every decision checks first (ACQUIRE and LEASE, whose KEYS start with epoch, hold, ban
-- and ARGV with my epoch, now): the store lost its data since this process last looked (3), a
-- ban (2, until when), a 429 hold (4, how long); nil when none applies.
local function refused(now)
  if read_epoch(KEYS[1]) ~= ARGV[1] then return {3, 0} end
  local ban = read(KEYS[3], HOLD_CAP)
  if now < ban then return {2, ban} end
  local hold = read(KEYS[2], HOLD_CAP)
  if now < hold then return {4, hold - now} end
  return nil
end
