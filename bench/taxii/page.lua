-- wrk script: authenticated 100-object pages from a large collection, each
-- starting at a random added_after taken from a walk of the collection.
-- Env: RAMPART_TOKEN, RAMPART_COLLECTION, RAMPART_STARTS (file of timestamps).
local token = os.getenv("RAMPART_TOKEN")
local coll = os.getenv("RAMPART_COLLECTION")
local starts = {}
for line in io.lines(os.getenv("RAMPART_STARTS")) do starts[#starts + 1] = line end
local i = 0
wrk.headers["Accept"] = "application/taxii+json;version=2.1"
wrk.headers["Authorization"] = "Bearer " .. token
-- Requests are formatted once, not per request: the load generator shares
-- the server's cores, so the less it spends the more the server gets.
local reqs = {}
for k, t in ipairs(starts) do
  reqs[k] = wrk.format("GET", "/api/collections/" .. coll .. "/objects/?limit=100&added_after=" .. t)
end
request = function()
  i = i + 1
  return reqs[(i * 7919 % #reqs) + 1]
end
done = function(summary, latency, requests)
  io.write(string.format("p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms non2xx=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
