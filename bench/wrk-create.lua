-- The creation run (bench/run.sh --tomcat --create): every request is a first visit, no cookie, to
-- /bench?op=create, which calls getSession() and sets one short attribute, so each answer makes a new session.
-- wrk keeps no cookies, so no request ever carries one; the request is the same every time (wrk builds it once).
wrk.path = "/bench?op=create"

function done(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %.1f\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration / 1e6))
end
