-- POSTs GraphQL requests to /graphql and counts as a failure every response that is
-- not 200, whose body has "errors", or, for a mutation, whose userErrors are not
-- empty. At the end it prints one line, BENCH_RESULT {json}, that bench/harness.py reads.
--
--   wrk -s graphql.lua URL -- body FILE   the same request body every time
--   wrk -s graphql.lua URL -- mix FILE    a mix described by a Lua data file that
--                                         harness.py writes (M1, the soak)
--
-- The mix file returns a table: `schedule` (a list of op names repeated in
-- proportion: "pledge", "confirm", "disburse", "read"), `firms` and `officials`
-- (bearer tokens), `communes` and `agencies` (IDs), `pledged` and `confirmed` (contribution IDs
-- generated in those states), `reads` (request bodies), `today` (YYYY-MM-DD).
-- A pledge made during the run is confirmed later in the run, and a confirmed
-- contribution receives disbursements, as in the programme's own flow.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

failures = 0
sample = nil
codes = ""
local fixed = nil
local data = nil
local counter = 0
local new_pledged, pledged_head, pledged_tail = {}, 1, 0
local pool_pledged_next = 1
local targets = {}

local function read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

local function headers(token)
  local h = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  if token then
    h["Authorization"] = "Bearer " .. token
  end
  return h
end

function init(args)
  if args[1] == "body" then
    fixed = wrk.format("POST", "/graphql", headers(nil), read_file(args[2]))
  elseif args[1] == "mix" then
    data = dofile(args[2])
    -- Each wrk thread takes its own share of the generated pools.
    for _, id in ipairs(data.confirmed) do
      table.insert(targets, id)
    end
  else
    error("usage: -- body FILE | -- mix FILE")
  end
end

local function pick(list, n)
  return list[(n - 1) % #list + 1]
end

local function mutation(token, query, input)
  local body = '{"query":"' .. query .. '","variables":{"input":' .. input .. '}}'
  return wrk.format("POST", "/graphql", headers(token), body)
end

local PLEDGE = "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) "
  .. "{ contribution { id status } userErrors { code message } } }"
local CONFIRM = "mutation($input: ConfirmContributionInput!) { confirmContribution(input: $input) "
  .. "{ contribution { id status } userErrors { code message } } }"
local DISBURSE = "mutation($input: RecordDisbursementInput!) { recordDisbursement(input: $input) "
  .. "{ disbursement { id } contribution { id disbursedAmount } userErrors { code message } } }"
local KINDS = { "CASH", "INFRASTRUCTURE", "SOCIAL_WELFARE", "IN_KIND", "OTHER" }

-- Three pledges in four come from firms; the fourth an official records for an agency.
local function pledge()
  local commune, kind = pick(data.communes, counter * 7), pick(KINDS, counter)
  local amount = 50000000 + (counter % 97) * 1000000
  if counter % 4 == 0 then
    local input = string.format(
      '{"communeId":"%s","contributorId":"%s","kind":"%s","purpose":"Hỗ trợ trạm y tế xã (tải thử)","amount":"%d"}',
      commune, pick(data.agencies, counter), kind, amount)
    return mutation(pick(data.officials, counter), PLEDGE, input)
  end
  local input = string.format(
    '{"communeId":"%s","kind":"%s","purpose":"Hỗ trợ xây dựng nhà văn hóa (tải thử)","amount":"%d"}',
    commune, kind, amount)
  return mutation(pick(data.firms, counter), PLEDGE, input)
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  local op = pick(data.schedule, counter)
  if op == "read" then
    return wrk.format("POST", "/graphql", headers(nil), pick(data.reads, counter))
  elseif op == "confirm" then
    local id = nil
    if pledged_head <= pledged_tail then
      id = new_pledged[pledged_head]
      new_pledged[pledged_head] = nil
      pledged_head = pledged_head + 1
    else
      id = data.pledged[pool_pledged_next]
      if not id then
        return pledge()
      end
      pool_pledged_next = pool_pledged_next + 1
    end
    return mutation(pick(data.officials, counter), CONFIRM, '{"contributionId":"' .. id .. '"}')
  elseif op == "disburse" then
    local input = string.format(
      '{"contributionId":"%s","amount":"1000","disbursedOn":"%s","reference":"PC-%d"}',
      pick(targets, counter), data.today, counter)
    return mutation(pick(data.officials, counter), DISBURSE, input)
  else
    return pledge()
  end
end

function response(status, headers, body)
  local failed = status ~= 200 or body:find('"errors"', 1, true) ~= nil
  if not failed and data and body:find('"userErrors"', 1, true) then
    failed = body:find('"userErrors":[]', 1, true) == nil
    if not failed then
      if body:find('"pledgeContribution"', 1, true) then
        local id = body:match('"id":"([^"]+)"')
        if id then
          pledged_tail = pledged_tail + 1
          new_pledged[pledged_tail] = id
        end
      elseif body:find('"confirmContribution"', 1, true) then
        local id = body:match('"id":"([^"]+)"')
        if id then
          table.insert(targets, id)
        end
      end
    end
  end
  if failed then
    failures = failures + 1
    local at = body:find('"errors"', 1, true) or body:find('"userErrors"', 1, true) or 1
    if sample == nil then
      sample = tostring(status) .. " " .. body:sub(math.max(1, at - 60), at + 400)
    end
    local code = body:match('"code":"([%u_]+)"', at) or ("HTTP_" .. tostring(status))
    codes = codes .. code .. " "
  end
end

function done(summary, latency, requests)
  local failed, first, all_codes = 0, nil, ""
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("failures") or 0)
    first = first or thread:get("sample")
    all_codes = all_codes .. (thread:get("codes") or "")
  end
  local counts = {}
  for code in all_codes:gmatch("%S+") do
    counts[code] = (counts[code] or 0) + 1
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"failures":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
      .. '"codes":{%s}}\n',
    summary.requests, summary.duration, failed, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ",")))
  if first then
    io.write("BENCH_SAMPLE " .. first:gsub("[\r\n]", " ") .. "\n")
  end
end
