-- wrk script for bench/loop_latency.py: background checkout load. POST /v1/checkout of qty 1 on
-- one SKU (a product with so much stock that it never nears its reorder point), each request
-- with a unique order id (run label, wrk thread id, per-thread counter).
--
--   wrk ... -s bench/loop_load.lua URL -- KEY SKU RUN_LABEL
--
-- done() prints one line: "LOAD ok=N other=N seconds=S ok_rps=R p50_us=.. p99_us=.. first_other=..".
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
  sku = args[2] or ""
  if sku == "" then error("loop_load.lua: wrk ... -- KEY SKU RUN_LABEL") end
  run = args[3] or "load"
  tid = tid or 0
  counter = 0
  ok = 0
  other = 0
  first_other = ""
  headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
end

function request()
  counter = counter + 1
  local body = '{"order_id":"' .. run .. "-" .. tid .. "-" .. counter ..
               '","lines":[{"sku":"' .. sku .. '","qty":1}]}'
  return wrk.format("POST", "/v1/checkout", headers, body)
end

function response(status, response_headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
    if first_other == "" then
      first_other = tostring(status) .. " " .. string.sub(body or "", 1, 160)
    end
  end
end

function done(summary, latency, requests)
  local total_ok, total_other, note = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + (thread:get("ok") or 0)
    total_other = total_other + (thread:get("other") or 0)
    local first = thread:get("first_other") or ""
    if note == "" and first ~= "" then note = first end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "LOAD ok=%d other=%d seconds=%.3f ok_rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    total_ok, total_other, seconds, total_ok / seconds,
    latency:percentile(50.0), latency:percentile(99.0), latency.max,
    e.connect, e.read, e.write, e.timeout))
  if note ~= "" then
    io.write("LOAD-FIRST-NON-200 " .. string.gsub(note, "\n", " ") .. "\n")
  end
end
