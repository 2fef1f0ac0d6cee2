#pragma once
// `barrage serve`: a small HTTP/1.1 test target over io_uring. Answers every
// request with a fixed body (keep-alive, pipelining-safe), optionally after a
// delay. A test target, not a web server.

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::serve {

// Blocks until SIGINT or SIGTERM. Errors: the address cannot be bound, the
// ring cannot be created. Prints "listening on http://HOST:PORT" to stdout
// (flushed) once every thread is accepting, so scripts can wait for it.
base::Status run_server(const plan::ServePlan& plan);

}  // namespace barrage::serve
