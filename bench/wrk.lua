-- 90 % of requests read the session's three attributes, 10 % change one (another share of writes: the script's
-- second argument, in percent); each request uses a random one of the sessions whose cookies the seed step wrote
-- (one Cookie header a line; the file is the script's first argument). Each client thread draws its own sequence.
local cookies = {}
local writePercent = 10
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
end

function init(args)
  for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
  if args[2] then writePercent = tonumber(args[2]) end
  math.randomseed(os.time() * 1000 + (index or 0))
end

function request()
  local path = (math.random(100) <= writePercent) and "/bench?op=write" or "/bench?op=read"
  return wrk.format("GET", path, { ["Cookie"] = cookies[math.random(#cookies)] })
end

function done(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %.1f\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration / 1e6))
end
