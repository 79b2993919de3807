-- wrk script: posts the pre-signed callbacks of bench/make_callbacks.py, each at most once.
--
--   wrk -t2 -c64 -d10s -s bench/post.lua URL -- CALLBACKS.tsv THREADS ACKED_OUT
--
-- wrk runs one Lua state per thread, and a thread's connections share its state. Thread k
-- (0-based, numbered in setup) takes lines k, k+THREADS, k+2*THREADS, ... of the file, so no
-- two threads and no two requests of one thread send the same callback. Should a thread run
-- out of lines it starts over (duplicates); done() reports that, and bench/run counts it as a
-- failure for the targets that store callbacks.
--
-- Each answer's "sid" (statushook and the Flask receiver both return it) is kept when the
-- status is 2xx; done() writes them to ACKED_OUT so that bench/run can check every one of them
-- in the database. ACKED_OUT "-" keeps nothing (nginx answers 204 without a body).

local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local path, nthreads = args[1], tonumber(args[2])
   out_path = args[3] or "-"
   keep = out_path ~= "-"
   requests = {}
   local index = 0
   for line in io.lines(path) do
      if index % nthreads == id then
         local signature, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
         requests[#requests + 1] = wrk.format("POST", nil, {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Twilio-Signature"] = signature,
            ["I-Twilio-Idempotency-Token"] = token,
         }, body)
      end
      index = index + 1
   end
   total = #requests
   next_index = 0
   sent = 0
   acked = {}
   acked_count = 0
   non2xx = 0
   unparsed = 0
end

function request()
   next_index = next_index + 1
   if next_index > total then next_index = 1 end
   sent = sent + 1
   return requests[next_index]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      return
   end
   if keep then
      local sid = body:match('"sid"%s*:%s*"(BU%x+)"')
      if sid then
         acked_count = acked_count + 1
         acked[acked_count] = sid
      else
         unparsed = unparsed + 1
      end
   end
end

function done(summary, latency, requests_stats)
   local wrapped, lua_non2xx, lua_unparsed, available, out = 0, 0, 0, 0, nil
   for _, thread in ipairs(threads) do
      local sent_here, total_here = thread:get("sent"), thread:get("total")
      available = available + total_here
      if sent_here > total_here then wrapped = wrapped + (sent_here - total_here) end
      lua_non2xx = lua_non2xx + thread:get("non2xx")
      lua_unparsed = lua_unparsed + thread:get("unparsed")
      if thread:get("keep") then
         out = out or io.open(thread:get("out_path"), "w")
         local list = thread:get("acked")
         for i = 1, thread:get("acked_count") do out:write(list[i], "\n") end
      end
   end
   if out then out:close() end
   -- One machine-readable line for bench/run (latencies in microseconds).
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d wrapped=%d unparsed=%d available=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      lua_non2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      wrapped, lua_unparsed, available))
end
