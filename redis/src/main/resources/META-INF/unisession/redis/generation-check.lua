-- Checks the generation marker (see RedisStore.epoch): when $2 is a generation (epoch:nonce), the marker $1 must
-- still hold it, else the script returns -4 (Redis lost what this node's epoch had written: restarted empty,
-- flushed) or -2 (the marker is of a later epoch: this node is behind); either way the local $3 is the epoch, as a
-- number. Included by write.lua and check.lua (--#include generation-check MARKER ARG VAR).
local $3 = $2
local colon = string.find($3, ':', 1, true)
if colon then
  local m = redis.call('GET', $1)
  if m ~= $2 then
    local me = tonumber(string.sub($2, 1, colon - 1))
    local e = m and tonumber(string.match(m, '^(%d+):'))
    if e and e > me then return -2 end
    return -4
  end
  $3 = string.sub($2, 1, colon - 1)
end
$3 = tonumber($3)
