-- wrk script: authenticated single-object GET, cycling over object ids.
-- Env: RAMPART_TOKEN, RAMPART_COLLECTION, RAMPART_IDS (file, one id per line).
local token = os.getenv("RAMPART_TOKEN")
local coll = os.getenv("RAMPART_COLLECTION")
local ids = {}
for line in io.lines(os.getenv("RAMPART_IDS")) do ids[#ids + 1] = line end
local i = 0
wrk.headers["Accept"] = "application/taxii+json;version=2.1"
wrk.headers["Authorization"] = "Bearer " .. token
-- Formatted once (see page.lua).
local reqs = {}
for k, id in ipairs(ids) do
  reqs[k] = wrk.format("GET", "/api/collections/" .. coll .. "/objects/" .. id .. "/")
end
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
done = function(summary, latency, requests)
  io.write(string.format("p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms non2xx=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
