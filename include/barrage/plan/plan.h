#pragma once
// The validated, immutable run plan. Built by cli (later also profile), read
// by engine and report. Knows nothing of flags or TOML.

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::plan {

// Named limits; validated against each other in validate_run_plan.
inline constexpr int connections_max = 1'000'000;
inline constexpr int threads_max = 1024;
inline constexpr double rate_max_per_s = 100'000'000.0;
inline constexpr int64_t response_header_bytes_max_default = 64 * 1024;

struct Target {
    std::string scheme = "http";   // "http" (https arrives with the TLS issue)
    std::string host;              // as written in the URL (no brackets for IPv6)
    uint16_t port = 80;
    std::string path = "/";        // path + query, never empty
    std::string host_header;       // "host[:port]" as sent in Host:
    // Filled by cli::resolve_target before the run.
    sockaddr_storage address{};
    socklen_t address_len = 0;
    std::string address_text;      // "127.0.0.1:8080", "[::1]:8080"
};

struct Header {
    std::string name;
    std::string value;
};

struct RequestPlan {
    std::string method = "GET";
    std::vector<Header> headers;   // user headers, in order
    std::string body;
};

struct OutputPlan {
    std::string json_path;         // "" = none, "-" = stdout
    std::string csv_path;          // "" = none, "-" = stdout
    bool quiet = false;            // no progress line
};

struct RunPlan {
    Target target;
    RequestPlan request;
    std::optional<double> rate_per_s;  // nullopt = closed loop
    int connections = 10;
    int threads = 1;
    bool pin = true;
    std::vector<int> cpus;             // one per worker (from the allowed set)
    int64_t duration_ns = 10'000'000'000;
    int64_t warmup_ns = 0;
    int64_t timeout_ns = 10'000'000'000;        // per request (and per connect)
    int64_t interval_ns = 1'000'000'000;        // snapshot / CSV interval
    int64_t response_header_bytes_max = response_header_bytes_max_default;
    OutputPlan outputs;
    std::string command_line;          // as typed, for `config` in the JSON
};

struct ServePlan {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;
    int threads = 1;
    std::string body = "hello from barrage serve\n";
    int64_t delay_ns = 0;              // added before each response
    int connections_max = 65536;
};

// Checks relationships between fields (connections >= threads, rate > 0, ...).
// Errors name the offending option the way a user wrote it.
base::Status validate_run_plan(const RunPlan& plan);

}  // namespace barrage::plan
