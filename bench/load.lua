-- wrk script for bench/load.sh: cycles through pre-signed webhooks (the file $REQUESTS,
-- from examples/load_requests.rs) and reports p50/p99/p99.9 and errors.
-- Each thread takes every n-th line, so no two requests share a CallSid, and formats its
-- requests in init: formatting each as it is sent cost wrk 28 µs of CPU a request, taken
-- from the server it measures.
local thread_count = 0
local requests = {}
local counter = 0

function setup(thread)
  thread:set("index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local n = 0
  for line in io.lines(os.getenv("REQUESTS")) do
    if n % 2 == index then
      local tab = line:find("\t")
      requests[#requests + 1] = wrk.format("POST", wrk.path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = line:sub(1, tab - 1),
      }, line:sub(tab + 1))
    end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  return requests[((counter - 1) % #requests) + 1]
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests_per_second=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    errors, summary.requests))
end
