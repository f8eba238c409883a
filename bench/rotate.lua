-- wrk script: GET the paths listed in $WRK_PATHS (one a line) in turn, with the bearer
-- token of $WRK_TOKEN. Each wrk thread starts at a different offset of the list.
local paths = {}
local index = 0
local token = os.getenv("WRK_TOKEN")

for line in io.lines(os.getenv("WRK_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end

function setup(thread)
  thread:set("offset", math.random(#paths))
end

function init(args)
  index = (offset or 0) % #paths
end

request = function()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], { ["Authorization"] = "Bearer " .. token })
end
