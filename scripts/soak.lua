-- wrk script of scripts/soak.sh: cycles through the judged queries of the JSONL files given as
-- arguments (`wrk ... -s scripts/soak.lua URL -- FILE...`), as GET /api/search?q=..., and prints
-- one summary line `SOAK key=value ...` for the shell script to read.

local paths = {}
local next_path = 1

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

function init(args)
  for _, file in ipairs(args) do
    for line in io.lines(file) do
      local query = line:match('"query"%s*:%s*"(.-)"')
      if query then
        paths[#paths + 1] = "/api/search?q=" .. encode(query)
      end
    end
  end
  if #paths == 0 then
    error("no queries in " .. table.concat(args, " "))
  end
  -- Threads start at different queries.
  next_path = math.random(#paths)
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SOAK requests=%d seconds=%.1f connect=%d read=%d write=%d status=%d timeout=%d " ..
    "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
