-- wrk with HTTP/1.1 pipelining (wrk's own scripts/pipeline.lua idea): the request is
-- formatted DEPTH times back to back (wrk -s benchmarks/wrk_pipeline.lua URL -- DEPTH,
-- default 16); wrk sends the DEPTH requests in one write and counts each response, so every
-- connection keeps up to DEPTH requests in flight, as barrage --pipeline DEPTH does.
init = function(args)
   local depth = tonumber(args[1]) or 16
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format()
   end
   batch = table.concat(requests)
end

request = function()
   return batch
end
