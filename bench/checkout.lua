-- wrk script for bench/http_bench.sh: POST /v1/checkout with a unique order id per request
-- (run label, wrk thread id, per-thread counter) and a random SKU, qty 1 per line.
--
--   wrk ... -s bench/checkout.lua URL -- KEY SKU1,SKU2,... [RUN_LABEL]
--
-- Each wrk thread runs its own Lua state, so the counters below are per thread; done() adds them
-- up through thread:get() and prints one machine-readable line starting with "BENCH".
-- Counters are globals on purpose: thread:get() reads globals.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  key = args[1] or ""
  skus = {}
  for sku in string.gmatch(args[2] or "", "[^,]+") do
    table.insert(skus, sku)
  end
  if #skus == 0 then
    error("checkout.lua: no SKUs given (wrk ... -- KEY SKU1,SKU2 [RUN])")
  end
  run = args[3] or "run"
  tid = tid or 0
  counter = 0
  sent = 0
  math.randomseed(os.time() + 7919 * (tid + 1))
  headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
end

function request()
  counter = counter + 1
  sent = sent + 1
  local sku = skus[math.random(#skus)]
  local body = '{"order_id":"' .. run .. "-" .. tid .. "-" .. counter ..
               '","lines":[{"sku":"' .. sku .. '","qty":1}]}'
  return wrk.format("POST", "/v1/checkout", headers, body)
end

-- No response() callback: defining one makes wrk hand every response's headers and body to
-- Lua, which costs the load generator more CPU than the server under test on this 2-core
-- machine. wrk itself counts the responses and those with a status >= 400.

function done(summary, latency, requests)
  local total_sent = 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + (thread:get("sent") or 0)
  end
  local e = summary.errors
  local other = e.status
  local ok = summary.requests - other
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH responses=%d ok=%d other=%d sent=%d seconds=%.3f rps=%.1f ok_rps=%.1f " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    summary.requests, ok, other, total_sent, seconds,
    summary.requests / seconds, ok / seconds,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.max,
    e.connect, e.read, e.write, e.timeout))
  if other > 0 then
    io.write("BENCH-FIRST-NON-200 " .. other .. " responses had a status >= 400\n")
  end
end
