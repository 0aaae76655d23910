-- Takes a hash ($1: its fields and values, then deleted) and leaves its tombstone ($2, for $3 ms), as take.lua.
-- Included by take.lua and claim.lua (--#include take-hash HASH TOMBSTONE MS).
local h = redis.call('HGETALL', $1)
if #h > 0 then
  redis.call('DEL', $1)
  redis.call('SET', $2, '1', 'PX', $3)
end
return h
