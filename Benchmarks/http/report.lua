-- wrk script: POST one status report per request, cycling over posts and statuses.
local posts = {"berngam-1", "berngam-2", "setia-1", "kartini-1", "tangsi-1", "satria-1", "binjai-1", "pekan-binjai-1"}
local statuses = {"tutup", "berjalan"}
local token = os.getenv("POSKO_TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"post":"%s","bidang":"kesehatan","status":"%s"}', posts[n % #posts + 1], statuses[n % 2 + 1])
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
