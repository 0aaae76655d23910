-- KEYS[1] the generation marker, ARGV[1] this node's epoch, ARGV[2] a new generation for it, ARGV[3] '1' to create:
-- the marker if it is of this epoch ('!behind' if of a later one); else, when creating, the new generation, set;
-- else '!lost'.
local m = redis.call('GET', KEYS[1])
local e = m and tonumber(string.match(m, '^(%d+):'))
local me = tonumber(ARGV[1])
if e and e == me then return m end
if e and e > me then return '!behind' end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[2]) return ARGV[2] end
return '!lost'
