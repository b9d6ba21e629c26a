-- GET requests, optionally authenticated (BENCH_KEY) and spread over the ids in BENCH_IDS.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
require("report")

local ids = {}
local key = os.getenv("BENCH_KEY")
local base = os.getenv("BENCH_PATH") or "/healthz"

function init(args)
  local file = os.getenv("BENCH_IDS")
  if file and file ~= "" then
    for line in io.lines(file) do ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local headers = {}
  if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
  local path = base
  if #ids > 0 then path = base .. "/" .. ids[math.random(#ids)] end
  return wrk.format("GET", path, headers)
end
