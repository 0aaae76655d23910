-- KEYS the expiry index's shards, ARGV[1] now, ARGV[2] max, ARGV[3] the shard to begin with (0-based): up to max
-- due ids, as pairs of shard number (0-based) and id, taking the shards in turn from the given one.
local out = {}
local max = tonumber(ARGV[2])
local first = tonumber(ARGV[3])
local left = max
for j = 0, #KEYS - 1 do
  local i = (first + j) % #KEYS
  local ids = redis.call('ZRANGEBYSCORE', KEYS[i + 1], '-inf', ARGV[1], 'LIMIT', 0, left)
  for _, id in ipairs(ids) do out[#out + 1] = tostring(i) out[#out + 1] = id end
  left = left - #ids
  if left <= 0 then break end
end
return out
