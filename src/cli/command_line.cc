#include "barrage/cli/command_line.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "barrage/base/clock.h"
#include "barrage/base/excerpt.h"
#include "barrage/base/nearest.h"
#include "barrage/cli/shard_args.h"
#include "barrage/cli/units.h"
#include "barrage/http/template.h"
#include "barrage/plan/shard.h"
#include "barrage/plan/url.h"
#include "barrage/profile/profile_loader.h"
#include "barrage/profile/run_flags.h"
#include "find_max_impl.h"
#include "levels_impl.h"
#include "merge_impl.h"
#include "options_impl.h"
#include "suite_impl.h"

namespace barrage::cli {
namespace {

using base::make_error;
using base::Ok;
using base::Result;
using base::Status;
using detail::is_help;
using detail::is_option_like;
using detail::OptionSpec;
using detail::parse_options;
using detail::parse_time_scale;
using detail::store;

// A body is copied into every request template; this stops `--body-file /dev/zero`.
constexpr int64_t body_bytes_max = 64 * 1024 * 1024;

constexpr std::string_view run_usage =
    R"(Usage: barrage run URL [options]
       barrage run PROFILE.toml [URL] [--rate R] [--duration D] [--set KEY=VALUE]...
                            [--seed N] [--time-scale F]

Sends HTTP/1.1 requests to URL and reports latency percentiles.
Without -r the load is a closed loop: each connection sends its next request
when the previous answer arrives. With -r it is an open loop at that rate, and
latency counts from when each request was due, so a stalling server shows.

URL: http[s]://[user[:password]@]host[:port][/path][?query]   IPv6: http://[::1]:8080/
A URL after PROFILE.toml (or --target URL) replaces the profile's [target] url
or urls: scheme, host, port, user; its path is the default path of requests
that give none, as url's is (the requests' own paths stay).

Target (curl's forms; every target of the run):
  -u, --user USER[:PASS]   basic auth: Authorization: Basic on every request;
                           wins over the URL's user:password@ (percent-decoded),
                           a request's own Authorization header wins over both.
                           Reports show the URL as user:***@
      --connect-to HOST:PORT:TO_HOST:TO_PORT
                           connect to TO_HOST:TO_PORT instead of HOST:PORT;
                           empty HOST or PORT: any, empty TO_HOST or TO_PORT:
                           the target's own. Host header and TLS SNI stay the
                           URL's. Repeat for more: the first match wins
      --resolve HOST:PORT:ADDR
                           connect to IP address ADDR for HOST:PORT (HOST '*':
                           any), after --connect-to. A route that matches no
                           target is an error; IPv6 in brackets: [::1]
      --unix-socket PATH   connect to the Unix stream socket PATH (http or
                           https); the URL still gives Host, SNI and path
      --target URL         the URL of a URL run, or the one that replaces a
                           profile's [target] (as PROFILE.toml URL)

Load:
  -c, --connections N      open connections (default 10)
  -r, --rate RATE          total requests per second, open loop: 1000, 2.5, 20k,
                           6000/m (default: closed loop)
  -t, --threads N          worker threads (default: one per allowed CPU, at most
                           one per connection)
      --no-pin             do not pin workers to CPUs
  -d, --duration TIME      how long to measure (default 10s)
      --levels c=1,10,25,50
                           one run of -d per level, one table (level, req/s,
                           p50, p95, p99, errors; --json FILE: every level):
                           c= closed loop at each number of connections,
                           r= open loop at each rate (r=100,500,1k)
  -n, --requests N         send exactly N requests, then stop: with -r in about
                           N / RATE, without -r when N were sent (at most 10m);
                           with -d, whichever ends first. A profile: its main
                           phase (constant, or users if it is the last)
      --warmup TIME        load before measuring starts, not counted (default 0)
      --timeout TIME       limit for each connect and each request (default 10s)
      --connect-grace TIME stop with exit 3 when no connection has opened and
                           connects kept failing for TIME (default 2s)
      --connect-rate RATE  open at most RATE connections per second (5000, 2k),
                           the opening ones and every reconnect; the start
                           waits about connections / RATE longer for them
      --source ADDRS       bind connections to these local addresses, round
                           robin: an IPv4 range 127.0.0.2-127.0.0.9 or a comma
                           list (IPv6 too). Connections per target address and
                           port must fit sources x ip_local_port_range
      --timer-slack TIME   open loop: send the arrivals due within TIME in one
                           wake-up (fewer wake-ups, less CPU; each waits at most
                           TIME, seen in schedule lag and latency). At most 10ms;
                           0: every arrival at its own time. Default auto: 100us
                           (below 10k req/s per worker, arrivals are further
                           apart and each goes at its own time)

Sharding (one test over many processes or machines; docs/distributed.md):
      --shard I/N          run slice I of N (1-based) of the whole test: every
                           Nth arrival, 1/N of the connections, users and
                           --requests; the N slices together are the test
      --shard auto         I/N from SLURM_PROCID/SLURM_NTASKS (srun),
                           JOB_COMPLETION_INDEX with --shards N (Kubernetes
                           Indexed Job) or OMPI_COMM_WORLD_RANK/SIZE (mpirun)
      --shards N           the shard count for --shard auto on Kubernetes
      --start-at TIME      connect, then start the schedule (warm-up included)
                           at TIME: RFC 3339 (2026-12-06T12:00:00Z), Unix
                           seconds (1765000000.5) or +DURATION from now (+5s);
                           a time already passed warns and starts at once.
                           Output names may hold {shard} and {shards}

Request:
  -X, --method METHOD      request method (default GET)
  -H, --header 'N: V'      add a request header; repeat for more
  -b, --body TEXT          request body, a template: {{int 1 100}}, {{uuid}}, ...
                           as in profiles (docs/templates.md); '{{' is '{{{{'
      --body-file FILE     request body: FILE's bytes sent as they are (like
                           curl --data-binary), at most 64 MiB
      --body-template FILE request body: FILE's text as a template (like -b)
      --max-header-bytes SIZE
                           largest response header accepted (default 64k)

Connections and TLS (https://):
      --new-conn           one request per connection: close after each
                           response and connect again (measures handshake rate)
      --pipeline N         up to N requests in flight per connection (HTTP/1.1
                           pipelining, 1..256; default 1): sent back to back in
                           one write, answered in order
  -k, --insecure           do not verify the server's certificate or name
      --cacert FILE        trust the CAs in FILE (PEM) instead of the system store
      --cert FILE          client certificate (PEM) for mutual TLS
      --key FILE           its private key (PEM; default: read from --cert FILE)
      --sni NAME           server name to send and verify (default: URL host)
      --tls-min 1.2|1.3    lowest TLS version offered (default 1.2)
      --ciphers LIST       TLS 1.2 cipher list, passed to OpenSSL
      --ciphersuites LIST  TLS 1.3 cipher suites, passed to OpenSSL
      --no-tls-resume      full handshake on every connection (no session reuse)

Output:
  -q, --quiet              no progress line
      --color WHEN         colour the verdicts (FAIL red, pass green, warnings
                           yellow): auto (default: on a terminal, unless the
                           NO_COLOR environment variable is set), always, never
      --interval TIME      progress and CSV interval (default 1s, min 100ms)
      --json FILE          write the result as JSON ('-' = stdout)
      --csv FILE           write one row per interval as CSV ('-' = stdout)
      --csv-requests FILE  write one CSV row per request name (profiles)
      --hlog FILE          write an HdrHistogram interval log of the latency
      --html FILE          write a self-contained HTML report (charts, tables)
      --history FILE       append one JSON line with the key metrics to FILE
      --label TEXT         label for the --history line (e.g. a git commit)
      --metrics-listen ADDR:PORT
                           serve live metrics for Prometheus at
                           http://ADDR:PORT/metrics, updated every interval
                           (127.0.0.1:9464, [::1]:9464, :9464 = every address,
                           port 0 = any free one; the address is printed on
                           stderr). See docs/metrics.md
      --metrics-linger TIME
                           keep serving them TIME after the end, so the last
                           scrape sees the final values (default 0; SIGINT
                           ends it)
      --dashboard ADDR:PORT
                           serve a live page at http://ADDR:PORT/: the report's
                           charts, phase, thresholds and errors so far, updated
                           every interval; at the end it becomes the final
                           --html report (the URL is printed on stderr)
      --dashboard-linger TIME
                           keep serving the final page TIME after the end
                           (default 0; SIGINT ends it). See docs/metrics.md

Watching the target (soak tests, leak detection; sampled once per interval):
      --watch-pid PID      sample RSS, CPU time, open fds and threads of process
                           PID from /proc; repeat for more
      --watch-cgroup PATH  sample a cgroup v2 directory (memory.current,
                           cpu.stat, pids.current)
      --watch-url URL      scrape a Prometheus text endpoint (http://HOST:PORT/PATH)
      --watch-series NAME  keep this metric of --watch-url (labels kept); repeat
      --leak-rss-limit R   warn of a leak above this RSS growth after warm-up
                           (default 10MB/min; also 512KB/min, 1GB/h)
      --leak-fd-limit R    same for open fds (default 10/min)
      --leak-thread-limit R
                           same for threads (default 1/min)

Gates (exit code 1 when one fails; see docs/output.md):
      --threshold EXPR     e.g. 'p99 < 200ms', 'error_rate < 1%', 'rps >= 100',
                           'failure_rate < 1%' (errors + status >= 400 +
                           failed checks; error_rate: no answer only),
                           'rss_growth < 5MB/min', 'fd_growth < 10/min',
                           'thread_growth < 1/min', 'rss_growth < 10%/24h',
                           'rss_max < 1GB', 'rss_initial < 500MB',
                           'target_cpu < 70%' (of one core), 'fds_max < 1000',
                           'threads_max < 64' (need --watch-*); repeat for more.
                           Scoped: 'login: p95 < 300ms' (a request or a phase;
                           'request=NAME:', 'phase=NAME:' when both). Over time:
                           'p95[5m] < 1s' (every 5m window), 'p95 > 1s for 5m'
                           (fails once it holds 5m), 'p95_drift < 2x' (last
                           window against the first); ratios 'p99 / p50 < 5'
      --abort-threshold EXPR
                           a threshold that also stops the run early once the
                           results so far fail it (checked after --abort-grace,
                           then every interval); repeat for more
      --abort-grace TIME   measured time before abort thresholds are judged
                           (default 10s)
  -h, --help               show this help

Profiles (docs/profiles.md): requests, sessions and phases described in TOML.
      --set KEY=VALUE      change any value of the profile by dotted path:
                           phases.0.rate=50, phases.main.duration=30s,
                           requests.login.weight=2; repeat for more
      --seed N             seed of the random choices (default: the profile's, or 1)
      --env-file FILE      KEY=VALUE lines (# comments, 'quoted' or "quoted"
                           values) for ${NAME} and ${NAME:-default} in the
                           profile's strings; they win over the environment.
                           Repeat for more (a later file wins); $$ is a '$'
      --time-scale F       every phase duration times F and spawn rates / F
                           (0.1: the plan in a tenth of the time); rates and
                           think time unchanged. Applied after --set, before
                           -r and -d (which stay as given). Profiles only
  -r R on a profile scales every open-loop phase (ramps, steps, spikes too) by
  R / the profile's rate (its main phase's if constant, else its peak), so the
  shape is kept and the main phase runs at R; -d changes the main phase only.
  -X, -H, -b, --body-file and --body-template are for URL runs only.

TIME: 500ms, 30s, 2m, 1h, 1m30s (a bare number is seconds)
SIZE: 512, 4k, 1M (k = 1024)
Options go before or after the URL: --rate=1000, --rate 1000, -r1000 and -r 1000
all work.

Example:
  barrage run http://127.0.0.1:8080/ -c 100 -r 20k -d 30s --json result.json
)";

constexpr std::string_view serve_usage =
    R"(Usage: barrage serve [options]

Runs a small HTTP/1.1 server on loopback that answers every request with a
fixed body (keep-alive, pipelining-safe): a target for trying barrage run,
not a web server.

      --port P             port to listen on (default 8080; 0 = any free port)
      --host ADDR          loopback address to bind: 127.0.0.1 (default), ::1,
                           any 127.x.y.z, or localhost
      --threads N          server threads (default 1)
      --body TEXT          response body (default "hello from barrage serve\n")
      --body-size SIZE     response body of SIZE 'x' bytes (not with --body)
      --delay TIME         wait this long before each response (default 0)
      --max-inflight N     per thread, serve at most N requests at once (each
                           takes --delay); the rest queue. A target with a known
                           capacity: threads x N / delay req/s (default: no limit)
      --leak-per-request SIZE
                           test aid: keep SIZE bytes per request (pages written,
                           so RSS grows), up to 1G in all; for trying --watch-pid
  -h, --help               show this help

Prints "listening on http://HOST:PORT" once it accepts connections.

Paths with their own answer (for the example profiles):
  /status/NNN              answers status NNN (200..599)
  /close                   answers, then closes the connection
  /login, /json            JSON: {"token": "..."}, a document with a number
  POST /jobs?ready=D       submits a job that completes D later (ms, s or m,
                           up to 60s; default 50ms): 201, {"id": "ID",
                           "status": "pending"}
  GET /jobs/ID             {"id": "ID", "status": "pending"}, then "completed"
                           once ready; stateless (the id holds the ready time);
                           an unknown id is 404, other methods 405
)";

// Reads fd to its end or to just past body_bytes_max. Returns 0 or an errno.
int read_to_limit(int fd, std::string& body) {
    std::array<char, 64 * 1024> chunk{};
    while (static_cast<int64_t>(body.size()) <= body_bytes_max) {
        const ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got < 0 && errno != EINTR) {
            return errno;
        }
        if (got == 0) {
            return 0;
        }
        body.append(chunk.data(), static_cast<size_t>(std::max<ssize_t>(got, 0)));
    }
    return 0;
}

Result<std::string> read_body_file(std::string_view flag, const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(fmt::format("{}: cannot read '{}': {}", flag, base::excerpt(path),
                                      std::strerror(errno)));
    }
    std::string body;
    const int read_errno = read_to_limit(fd, body);
    ::close(fd);
    if (read_errno != 0) {
        return make_error(fmt::format("{}: cannot read '{}': {}", flag, base::excerpt(path),
                                      std::strerror(read_errno)));
    }
    if (static_cast<int64_t>(body.size()) > body_bytes_max) {
        return make_error(fmt::format("{}: '{}' is larger than {} MiB", flag, base::excerpt(path),
                                      body_bytes_max / (1024 * 1024)));
    }
    return body;
}

// "Name: value" -> Header; the value loses surrounding spaces and tabs.
Result<plan::Header> parse_header(std::string_view flag, std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return make_error(fmt::format("{}: '{}' has no ':'; write {} 'Name: value'", flag,
                                      base::excerpt(text), flag));
    }
    if (colon == 0) {
        return make_error(fmt::format("{}: '{}' has an empty name; write {} 'Name: value'", flag,
                                      base::excerpt(text), flag));
    }
    std::string_view value = text.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    value = first == std::string_view::npos ? std::string_view{} : value.substr(first);
    value = value.substr(0, value.find_last_not_of(" \t") + 1);
    return plan::Header{std::string(text.substr(0, colon)), std::string(value)};
}

// ---- barrage run ----

struct RunArgs {
    profile::RunFlags flags;
    ShardArgs shard;  // --shard, --shards, --start-at: resolved once all flags are read
    // -b/--body, --body-file, --body-template: at most one gives the body.
    std::vector<std::string> body_flags;  // distinct, in order (a repeated flag: the last wins)
    std::optional<std::string> levels;    // --levels c=1,10 | r=100,200 (levels_args.cc)

    void note_body_flag(std::string_view flag) {
        if (std::find(body_flags.begin(), body_flags.end(), flag) == body_flags.end()) {
            body_flags.emplace_back(flag);
        }
    }
    // Any TLS or watch flag gives the whole setting (defaults for the rest).
    plan::TlsPlan& tls() {
        if (!flags.tls) {
            flags.tls.emplace();
        }
        return *flags.tls;
    }
    plan::WatchPlan& watch() {
        if (!flags.watch) {
            flags.watch.emplace();
        }
        return *flags.watch;
    }
};

// A count option into an optional<int> field.
Status store_count(Result<int64_t> parsed, std::optional<int>& field) {
    if (!parsed) {
        return parsed.error();
    }
    field = static_cast<int>(parsed.value());
    return Ok{};
}

// A TLS file option: the file must be readable now, so a typo stops the run
// before any traffic instead of failing every handshake.
Status store_readable_file(std::string_view flag, std::string_view path, std::string& field) {
    const std::string name(path);
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(fmt::format("{}: cannot read '{}': {}", flag, base::excerpt(name),
                                      std::strerror(errno)));
    }
    ::close(fd);
    field = name;
    return Ok{};
}

Result<int> parse_tls_version(std::string_view flag, std::string_view text) {
    if (text == "1.2") {
        return 12;
    }
    if (text == "1.3") {
        return 13;
    }
    return make_error(
        fmt::format("{}: '{}' is not a TLS version; use 1.2 or 1.3", flag, base::excerpt(text)));
}

// -u/--user USER[:PASSWORD], as curl -u: split at the first ':', taken as typed
// (no percent-decoding); without ':' the password is empty (barrage never prompts).
Result<plan::Credentials> parse_user(std::string_view flag, std::string_view text) {
    if (text.empty()) {
        return make_error(
            fmt::format("{}: the value is empty; expected USER[:PASSWORD], e.g. "
                        "{} alice:secret",
                        flag, flag));
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return plan::Credentials{std::string(text), ""};
    }
    return plan::Credentials{std::string(text.substr(0, colon)),
                             std::string(text.substr(colon + 1))};
}

// --unix-socket PATH: checked now against sockaddr_un's limit, so a long path
// is a usage error rather than a failed run.
Result<std::string> parse_unix_socket(std::string_view flag, std::string_view text) {
    constexpr std::size_t path_bytes_max = sizeof(sockaddr_un{}.sun_path) - 1;
    if (text.empty()) {
        return make_error(
            fmt::format("{}: the path is empty; expected e.g. {} /run/app.sock", flag, flag));
    }
    if (text.size() > path_bytes_max || text.find('\0') != std::string_view::npos) {
        return make_error(fmt::format(
            "{}: '{}' is {} bytes; a Unix socket path has at most {} (expected a shorter path, "
            "e.g. a link in /tmp)",
            flag, base::excerpt(text), text.size(), path_bytes_max));
    }
    return std::string(text);
}

Result<plan::ColorMode> parse_color_mode(std::string_view flag, std::string_view text) {
    if (text == "auto") {
        return plan::ColorMode::automatic;
    }
    if (text == "always") {
        return plan::ColorMode::always;
    }
    if (text == "never") {
        return plan::ColorMode::never;
    }
    return make_error(fmt::format("{}: '{}' is not a colour mode; use auto, always or never", flag,
                                  base::excerpt(text)));
}

const OptionSpec<RunArgs> run_options[] = {
    {'u', "user", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_user(flag, v), a.flags.user);
     }},
    {'\0', "connect-to", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         auto route = plan::parse_connect_to(flag, v);
         if (route) {
             a.flags.routes.connect_to.push_back(std::move(route).value());
         }
         return route ? Status(Ok{}) : Status(route.error());
     }},
    {'\0', "resolve", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         auto route = plan::parse_resolve(flag, v);
         if (route) {
             a.flags.routes.resolve.push_back(std::move(route).value());
         }
         return route ? Status(Ok{}) : Status(route.error());
     }},
    {'\0', "unix-socket", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_unix_socket(flag, v), a.flags.unix_socket_path);
     }},
    {'\0', "target", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         if (a.flags.target_url) {
             return Status(make_error(fmt::format("{} is given twice; give one URL", flag)));
         }
         // Checked now, so that a bad URL names the flag, not the profile.
         if (auto parsed = plan::parse_url(v); !parsed) {
             return Status(make_error(fmt::format("{}: {}", flag, parsed.error().message)));
         }
         a.flags.target_url = std::string(v);
         return Status(Ok{});
     }},
    {'r', "rate", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_rate_per_s(flag, v), a.flags.rate_per_s);
     }},
    {'c', "connections", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_count(parse_count(flag, v, 1, plan::connections_max), a.flags.connections);
     }},
    {'t', "threads", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_count(parse_count(flag, v, 1, plan::threads_max), a.flags.threads);
     }},
    {'\0', "no-pin", false,
     [](RunArgs& a, std::string_view, std::string_view) {
         a.flags.no_pin = true;
         return Status(Ok{});
     }},
    {'d', "duration", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, false), a.flags.duration_ns);
     }},
    {'\0', "levels", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.levels = std::string(v);
         return Status(Ok{});
     }},
    {'n', "requests", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_count(flag, v, 1, plan::iterations_max), a.flags.requests);
     }},
    {'\0', "set", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.sets.emplace_back(v);
         return Status(Ok{});
     }},
    {'\0', "env-file", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         auto values = profile::read_env_file(std::string(v));
         if (!values) {
             return Status(values.error());
         }
         for (profile::EnvironmentValue& value : values.value()) {
             a.flags.environment.push_back(std::move(value));
         }
         return Status(Ok{});
     }},
    {'\0', "seed", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         auto seed = parse_count(flag, v, 0, INT64_MAX);
         if (seed) {
             a.flags.seed = static_cast<uint64_t>(seed.value());
         }
         return seed ? Status(Ok{}) : Status(seed.error());
     }},
    {'\0', "time-scale", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_time_scale(flag, v), a.flags.time_scale);
     }},
    {'\0', "warmup", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, true), a.flags.warmup_ns);
     }},
    {'\0', "timeout", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, false), a.flags.timeout_ns);
     }},
    {'\0', "connect-grace", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, false), a.flags.connect_grace_ns);
     }},
    {'\0', "connect-rate", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_rate_per_s(flag, v), a.flags.connect_rate_per_s);
     }},
    {'\0', "source", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(plan::parse_source_addresses(flag, v), a.flags.sources);
     }},
    {'\0', "timer-slack", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         a.flags.timer_slack_auto = v == "auto";
         if (a.flags.timer_slack_auto) {
             a.flags.timer_slack_ns = plan::timer_slack_auto_ns;
             return Status(Ok{});
         }
         auto slack = parse_duration_ns(flag, v, true);
         if (!slack) {
             return Status(base::make_error(slack.error().message + ", or auto (the default)"));
         }
         return store(std::move(slack), a.flags.timer_slack_ns);
     }},
    {'X', "method", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.method = std::string(v);
         return Status(Ok{});
     }},
    {'H', "header", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         auto header = parse_header(flag, v);
         if (!header) {
             return Status(header.error());
         }
         a.flags.headers.push_back(std::move(header).value());
         return Status(Ok{});
     }},
    {'b', "body", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         a.flags.body = std::string(v);
         a.note_body_flag(flag);
         return Status(Ok{});
     }},
    {'\0', "body-file", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         a.note_body_flag(flag);
         auto bytes = read_body_file(flag, std::string(v));
         if (!bytes) {
             return Status(bytes.error());
         }
         // Shared, never copied: a 60 MB body stays one 60 MB string.
         a.flags.body_verbatim =
             std::make_shared<const std::string>(std::move(bytes).value());
         return Status(Ok{});
     }},
    {'\0', "body-template", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         a.note_body_flag(flag);
         return store(read_body_file(flag, std::string(v)), a.flags.body);
     }},
    {'\0', "json", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.json_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "csv", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.csv_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "csv-requests", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.csv_requests_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "threshold", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.thresholds.push_back({std::string(v), false, "--threshold"});
         return Status(Ok{});
     }},
    {'\0', "abort-threshold", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.thresholds.push_back({std::string(v), true, "--abort-threshold"});
         return Status(Ok{});
     }},
    {'\0', "abort-grace", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, true), a.flags.abort_grace_ns);
     }},
    {'\0', "html", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.html_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "hlog", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.hlog_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "history", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.history_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "label", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.label = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "metrics-listen", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.metrics_listen = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "metrics-linger", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, true), a.flags.outputs.metrics_linger_ns);
     }},
    {'\0', "dashboard", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.flags.outputs.dashboard_listen = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "dashboard-linger", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, true), a.flags.outputs.dashboard_linger_ns);
     }},
    {'\0', "color", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_color_mode(flag, v), a.flags.outputs.color);
     }},
    {'q', "quiet", false,
     [](RunArgs& a, std::string_view, std::string_view) {
         a.flags.outputs.quiet = true;
         return Status(Ok{});
     }},
    {'\0', "interval", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, false), a.flags.interval_ns);
     }},
    {'\0', "shard", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         if (v != "auto") {
             if (auto parsed = parse_shard(v); !parsed) {
                 return Status(parsed.error());
             }
         }
         a.shard.shard = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "shards", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_count(flag, v, 1, plan::shards_max), a.shard.shards);
     }},
    {'\0', "start-at", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.shard.start_at = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "max-header-bytes", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_size_bytes(flag, v), a.flags.response_header_bytes_max);
     }},
    {'k', "insecure", false,
     [](RunArgs& a, std::string_view, std::string_view) {
         a.tls().insecure = true;
         return Status(Ok{});
     }},
    {'\0', "cacert", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_readable_file(flag, v, a.tls().ca_file);
     }},
    {'\0', "cert", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_readable_file(flag, v, a.tls().cert_file);
     }},
    {'\0', "key", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_readable_file(flag, v, a.tls().key_file);
     }},
    {'\0', "sni", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         if (v.empty()) {
             return Status(make_error(fmt::format("{}: the server name is empty", flag)));
         }
         a.tls().sni = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "tls-min", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_tls_version(flag, v), a.tls().version_min);
     }},
    {'\0', "ciphers", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.tls().ciphers = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "ciphersuites", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.tls().ciphersuites = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "no-tls-resume", false,
     [](RunArgs& a, std::string_view, std::string_view) {
         a.tls().resume = false;
         return Status(Ok{});
     }},
    {'\0', "watch-pid", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         auto pid = parse_count(flag, v, 1, INT32_MAX);
         if (pid) {
             a.watch().pids.push_back(static_cast<int>(pid.value()));
         }
         return pid ? Status(Ok{}) : Status(pid.error());
     }},
    {'\0', "watch-cgroup", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         if (!a.watch().cgroup_path.empty()) {
             return Status(make_error(fmt::format("{} is given twice; watch one cgroup", flag)));
         }
         if (v.empty()) {
             return Status(make_error(fmt::format("{}: the path is empty", flag)));
         }
         a.watch().cgroup_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "watch-url", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         if (!a.watch().url.empty()) {
             return Status(make_error(fmt::format("{} is given twice; scrape one endpoint", flag)));
         }
         a.watch().url = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "watch-series", true,
     [](RunArgs& a, std::string_view, std::string_view v) {
         a.watch().series.emplace_back(v);
         return Status(Ok{});
     }},
    {'\0', "leak-rss-limit", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(plan::parse_growth_per_min(flag, v, plan::GrowthUnit::megabytes),
                      a.watch().leak_rss_mb_per_min);
     }},
    {'\0', "leak-fd-limit", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(plan::parse_growth_per_min(flag, v, plan::GrowthUnit::count),
                      a.watch().leak_fds_per_min);
     }},
    {'\0', "leak-thread-limit", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store(plan::parse_growth_per_min(flag, v, plan::GrowthUnit::count),
                      a.watch().leak_threads_per_min);
     }},
    {'\0', "new-conn", false,
     [](RunArgs& a, std::string_view, std::string_view) {
         a.flags.new_connection_per_request = true;
         return Status(Ok{});
     }},
    {'\0', "pipeline", true,
     [](RunArgs& a, std::string_view flag, std::string_view v) {
         return store_count(parse_count(flag, v, 1, plan::pipeline_max), a.flags.pipeline);
     }},
};

// Shell-quotes an argument unless it is made only of characters a shell leaves alone.
std::string quote_for_shell(std::string_view arg) {
    constexpr std::string_view safe =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
    if (!arg.empty() && arg.find_first_not_of(safe) == std::string_view::npos) {
        return std::string(arg);
    }
    std::string quoted = "'";
    for (const char c : arg) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

// "alice:secret" -> "alice:***": a password never reaches a report.
std::string mask_user_value(std::string_view value) {
    const auto colon = value.find(':');
    return colon == std::string_view::npos ? std::string(value)
                                           : fmt::format("{}:***", value.substr(0, colon));
}

// An argument as echoed in reports: URLs' passwords and -u/--user's masked.
// `user_value_next` is set when the argument is -u or --user without its value.
std::string masked_argument(std::string_view arg, bool& user_value_next) {
    if (user_value_next) {
        user_value_next = false;
        return mask_user_value(arg);
    }
    if (arg == "-u" || arg == "--user") {
        user_value_next = true;
        return std::string(arg);
    }
    for (const std::string_view prefix : {"--user=", "-u=", "-u"}) {
        if (arg.starts_with(prefix)) {
            return fmt::format("{}{}", prefix, mask_user_value(arg.substr(prefix.size())));
        }
    }
    return plan::mask_url_password(arg);
}

std::string join_command_line(std::span<const char* const> argv) {
    std::string joined;
    bool user_value_next = false;
    for (const char* arg : argv) {
        joined += joined.empty() ? "" : " ";
        joined += quote_for_shell(masked_argument(arg, user_value_next));
    }
    return joined;
}

Status check_outputs(const plan::OutputPlan& output) {
    if (output.json_path == "-" && output.csv_path == "-") {
        return make_error("--json - and --csv - would both write to stdout; send one to a file");
    }
    const auto files = plan::output_files(output);
    for (const plan::OutputFile& file : files) {
        if (file.path == "-" && !file.stdout_allowed) {
            return make_error(
                fmt::format("{} writes a file; '-' (stdout) is for --json or --csv", file.flag));
        }
    }
    // Two outputs written to one file would overwrite each other.
    for (std::size_t i = 0; i < files.size(); ++i) {
        for (std::size_t j = i + 1; j < files.size(); ++j) {
            if (!files[i].path.empty() && files[i].path == files[j].path) {
                return make_error(fmt::format("{} and {} both name '{}'; give each its own file",
                                              files[i].flag, files[j].flag,
                                              base::excerpt(files[i].path)));
            }
        }
    }
    return Ok{};
}

Status take_url(plan::RunPlan& plan, const std::vector<std::string_view>& positionals,
                const std::optional<std::string>& target_url) {
    if (positionals.empty() && !target_url) {
        return make_error(
            "barrage run: missing URL; e.g. barrage run http://127.0.0.1:8080/ -c 50 -d 30s");
    }
    if (positionals.size() + (target_url ? 1 : 0) > 1) {
        return make_error(fmt::format(
            "barrage run: unexpected argument '{}'; give exactly one URL (as an argument or "
            "with --target)",
            base::excerpt(plan::mask_url_password(positionals.back()))));
    }
    return store(plan::parse_url(target_url ? std::string_view(*target_url) : positionals[0]),
                 plan.target);
}

// --unix-socket takes every connection; a route as well would be ignored.
Status check_destination(const profile::RunFlags& flags) {
    if (flags.unix_socket_path &&
        (!flags.routes.connect_to.empty() || !flags.routes.resolve.empty())) {
        return make_error(
            "--unix-socket and --connect-to/--resolve both say where to connect; use one of "
            "them");
    }
    return Ok{};
}

// `barrage run PROFILE.toml`: the profile gives target, requests and phases;
// the flags give outputs, TLS and the overrides. Request flags would be
// silently lost, so they are refused.
Result<Command> parse_run_profile(RunArgs& args, const std::vector<std::string_view>& positionals,
                                  std::span<const char* const> argv) {
    const std::string_view path = positionals[0];
    if (positionals.size() > 2 || (positionals.size() == 2 && args.flags.target_url)) {
        return make_error(fmt::format(
            "barrage run {}: unexpected argument '{}'; expected barrage run PROFILE.toml [URL] "
            "(the URL, or --target URL, replaces the profile's [target] url)",
            base::excerpt(path), base::excerpt(plan::mask_url_password(positionals.back()))));
    }
    if (positionals.size() == 2) {
        auto parsed = plan::parse_url(positionals[1]);
        if (!parsed) {
            return make_error(
                fmt::format("barrage run {}: {}", base::excerpt(path), parsed.error().message));
        }
        args.flags.target_url = std::string(positionals[1]);
    }
    const profile::RunFlags& flags = args.flags;
    if (!args.body_flags.empty() || !flags.headers.empty() || flags.method) {
        return make_error(
            fmt::format("barrage run {}: -X, -H, -b, --body-file and --body-template are for "
                        "URL runs; set method, headers and body in the profile",
                        base::excerpt(path)));
    }
    if (flags.warmup_ns) {
        return make_error(
            fmt::format("barrage run {}: --warmup is for URL runs; give the profile "
                        "a phase with warmup = true (see docs/profiles.md)",
                        path));
    }
    if (auto status = check_outputs(flags.outputs); !status) {
        return status.error();
    }
    auto loaded = profile::load_profile(std::string(path), flags);
    if (!loaded) {
        return loaded.error();
    }
    plan::RunPlan plan = std::move(loaded).value();
    plan.command_line = join_command_line(argv);
    return Command(std::move(plan));
}

// A URL run's path, header values and -b/--body-template body are templates
// without variables; a mistake in one is a usage error now, not a failed run.
Status check_templates(const plan::RunPlan& plan, const std::vector<std::string>& body_flags) {
    const http::TemplateScope no_variables;
    const auto check = [&](std::string_view where, std::string_view text) -> Status {
        auto compiled = http::Template::compile(text, no_variables);
        if (!compiled.ok()) {
            return make_error(fmt::format("{}: {}", where, compiled.error().message));
        }
        return Ok{};
    };
    if (auto status = check("URL path", plan.target.path); !status) {
        return status;
    }
    const plan::NamedRequest& request = plan::first_request(plan);
    for (const plan::Header& header : request.headers) {
        if (auto status = check(fmt::format("-H '{}'", base::excerpt(header.name)), header.value);
            !status) {
            return status;
        }
    }
    if (!body_flags.empty() && !request.body_verbatim) {
        return check(body_flags[0], request.body);
    }
    return Ok{};
}

// --shard, --shards, --start-at: the engine's environment and the wall clock
// are read here, once; output names get their {shard} and {shards}.
Status take_shard(RunArgs& args) {
    const EnvLookup env = [](const char* name) -> const char* { return std::getenv(name); };
    const int64_t now_unix_ns = base::now_ns() + base::realtime_minus_monotonic_ns();
    auto shard = resolve_shard(args.shard, env, now_unix_ns);
    if (!shard) {
        return shard.error();
    }
    plan::expand_shard_names(args.flags.outputs, shard.value());
    args.flags.shard = std::move(shard).value();
    return Ok{};
}

}  // namespace

namespace detail {

Result<Command> parse_run(std::span<const char* const> argv) {
    RunArgs args;
    std::vector<std::string_view> positionals;
    auto help =
        parse_options<RunArgs>(argv.subspan(2), "barrage run", run_options, args, positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(run_usage)});
    }
    if (args.body_flags.size() > 1) {
        return make_error(fmt::format("{} and {} both give a body; use one of them",
                                      args.body_flags[0], args.body_flags[1]));
    }
    if (auto status = take_shard(args); !status) {
        return status.error();
    }
    if (auto status = check_destination(args.flags); !status) {
        return status.error();
    }
    if (!positionals.empty() && profile::is_profile_argument(positionals[0])) {
        if (args.levels) {
            return make_error(
                "--levels is for URL runs; a profile's levels are barrage find-max PROFILE "
                "--profile-levels 0.5,1,1.5 --rate R");
        }
        return parse_run_profile(args, positionals, argv);
    }
    if (!args.flags.sets.empty() || args.flags.seed) {
        return make_error(
            "--set and --seed change a profile; give a PROFILE.toml instead of a "
            "URL (see docs/profiles.md)");
    }
    if (!args.flags.environment.empty()) {
        return make_error(
            "--env-file gives the ${NAME} variables of a profile; a URL run has none (the "
            "shell expands $NAME on the command line): give a PROFILE.toml instead of a URL");
    }
    // A URL run's times are its own flags: scaling them would only hide -d.
    if (args.flags.time_scale) {
        return make_error(
            "--time-scale scales a profile's phases; a URL run lasts -d (and --warmup): "
            "expected a shorter -d instead, or a PROFILE.toml");
    }
    plan::RunPlan plan;
    plan.threads = 0;  // not given: apply_run_flags derives it from the CPUs and -c
    if (auto status = take_url(plan, positionals, args.flags.target_url); !status) {
        return status.error();
    }
    if (auto status = check_outputs(args.flags.outputs); !status) {
        return status.error();
    }
    if (args.levels) {
        auto levels = detail::make_levels_request(plan, args.flags, *args.levels);
        if (!levels) {
            return levels;
        }
        const auto& request = std::get<LevelsRequest>(levels.value());
        auto first = levels_step_plan(request, request.levels.front());
        if (auto status = check_templates(first.value(), args.body_flags); !status) {
            return status.error();
        }
        return levels;
    }
    if (auto status = profile::apply_run_flags(plan, args.flags); !status) {
        return status.error();
    }
    plan.command_line = join_command_line(argv);
    if (auto status = plan::validate_run_plan(plan); !status) {
        return status.error();
    }
    if (auto status = check_templates(plan, args.body_flags); !status) {
        return status.error();
    }
    return Command(std::move(plan));
}

}  // namespace detail

namespace {

// ---- barrage serve ----

struct ServeArgs {
    plan::ServePlan plan;
    bool body_given = false;
    bool body_size_given = false;
};

Result<uint16_t> parse_port(std::string_view flag, std::string_view text) {
    const bool digits_only = !text.empty() && text.size() <= 5 &&
                             text.find_first_not_of("0123456789") == std::string_view::npos;
    const int port = digits_only ? std::stoi(std::string(text)) : -1;
    if (port < 0 || port > 65535) {
        return make_error(fmt::format("{}: '{}' is not a port; use 0 to 65535 (0 = any free port)",
                                      flag, base::excerpt(text)));
    }
    return static_cast<uint16_t>(port);
}

// serve is a test target: it binds loopback only, never a public interface.
Result<std::string> parse_loopback_host(std::string_view flag, std::string_view text) {
    std::string host(text);
    if (host == "localhost") {
        return std::string("127.0.0.1");
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        if ((ntohl(v4.s_addr) >> 24) == 127) {
            return host;
        }
    } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) {
            return host;
        }
    } else {
        return make_error(
            fmt::format("{}: '{}' is not an IP address; use 127.0.0.1, ::1 or localhost", flag,
                        base::excerpt(text)));
    }
    return make_error(fmt::format(
        "{}: '{}' is not a loopback address; barrage serve is a test target and only listens on "
        "loopback (127.0.0.0/8 or ::1)",
        flag, base::excerpt(text)));
}

const std::array<OptionSpec<ServeArgs>, 8> serve_options{{
    {'\0', "port", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_port(flag, v), a.plan.port);
     }},
    {'\0', "host", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_loopback_host(flag, v), a.plan.host);
     }},
    {'\0', "threads", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_count(flag, v, 1, plan::threads_max), a.plan.threads);
     }},
    {'\0', "body", true,
     [](ServeArgs& a, std::string_view, std::string_view v) {
         a.plan.body = std::string(v);
         a.body_given = true;
         return Status(Ok{});
     }},
    {'\0', "body-size", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         auto bytes = parse_size_bytes(flag, v);
         if (!bytes) {
             return Status(bytes.error());
         }
         if (bytes.value() > body_bytes_max) {
             return Status(
                 make_error(fmt::format("{}: '{}' is larger than {} MiB", flag, base::excerpt(v),
                                        body_bytes_max / (1024 * 1024))));
         }
         a.plan.body.assign(static_cast<size_t>(bytes.value()), 'x');
         a.body_size_given = true;
         return Status(Ok{});
     }},
    {'\0', "delay", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_duration_ns(flag, v, true), a.plan.delay_ns);
     }},
    {'\0', "max-inflight", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         auto count = parse_count(flag, v, 1, 1'000'000);
         if (count) {
             a.plan.max_inflight = static_cast<int>(count.value());
         }
         return count ? Status(Ok{}) : Status(count.error());
     }},
    {'\0', "leak-per-request", true,
     [](ServeArgs& a, std::string_view flag, std::string_view v) {
         auto bytes = parse_size_bytes(flag, v);
         if (bytes && bytes.value() > body_bytes_max) {
             return Status(
                 make_error(fmt::format("{}: '{}' is larger than {} MiB", flag, base::excerpt(v),
                                        body_bytes_max / (1024 * 1024))));
         }
         return store(std::move(bytes), a.plan.leak_per_request_bytes);
     }},
}};

Result<Command> parse_serve(std::span<const char* const> argv) {
    ServeArgs args;
    std::vector<std::string_view> positionals;
    auto help = parse_options<ServeArgs>(argv.subspan(2), "barrage serve", serve_options, args,
                                         positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(serve_usage)});
    }
    if (!positionals.empty()) {
        return make_error(
            fmt::format("barrage serve: unexpected argument '{}'; it takes options only",
                        base::excerpt(positionals[0])));
    }
    if (args.body_given && args.body_size_given) {
        return make_error("--body and --body-size both give a body; use one of them");
    }
    if (args.plan.max_inflight > 0 && args.plan.delay_ns == 0) {
        return make_error(
            "--max-inflight limits requests that take --delay; give a --delay "
            "too (e.g. --delay 1ms --max-inflight 4 serves 4000 req/s per thread)");
    }
    return Command(std::move(args.plan));
}

// ---- barrage compare / barrage trend ----

constexpr std::string_view compare_usage =
    R"(Usage: barrage compare BASELINE.json CURRENT.json [options]
       barrage compare BASELINE.json... --current CURRENT.json [options]

Compares results of 'barrage run --json': prints the key metrics side by side
with their change and flags regressions, for the whole run and for each request
name of a profile run that the results have. A latency regression must exceed
its tolerance, the floor (--min-delta) and the noise: the 99% confidence
intervals of the two runs (from their histograms), or with several baselines
their own run-to-run spread. Exit code 0 when nothing regressed, 1 when
something did, 2 when an input is not a barrage result or the runs are not of
the same configuration (target, rate, connections, duration, profile).

      --max-regression [NAME:]METRIC=LIMIT
                           allowed change for one metric; repeat for more.
                           METRIC: p50 p90 p95 p99 p999 p9999 max mean rps
                           error_rate failure_rate, any pNN[.N] (from the
                           histograms), and with a watched
                           target rss_max rss_initial rss_growth
                           target_cpu. LIMIT: 10% (relative), 5ms
                           (absolute, latency), 0.1pt (percentage points,
                           error_rate and failure_rate), 16MB (rss_max,
                           rss_initial), 2MB/min (rss_growth), 10pt
                           (target_cpu, of one core), or off (shown, never
                           judged).
                           Without NAME: the whole run and every request
                           name; with NAME: that request only (and it wins).
                           Defaults: latency +10%, rps -10%, error_rate +50%
                           or +0.1pt (whichever allows more); max (one
                           sample) is shown, judged only when named here;
                           rss_max, rss_initial +20% or +10MB, rss_growth
                           +50% or +1MB/min, target_cpu +20% or +10pt
      --metrics LIST       compare only these metrics, comma-separated (e.g.
                           p50,p95,rps): the others are neither shown nor
                           judged; max is judged when listed
      --current FILE       the current result; every positional file is then a
                           baseline (their spread is the noise band)
      --min-delta TIME     a latency change smaller than this is never a
                           regression (default 1ms, measured as the spread of
                           identical loopback runs; 0 = no floor)
      --allow-different-config
                           compare runs of different target, rate,
                           connections, duration or profile anyway
      --json FILE          also write the changes as JSON ('-' = stdout; the
                           table then goes to stderr)
  -h, --help               show this help
)";

constexpr std::string_view trend_usage =
    R"(Usage: barrage trend HISTORY.jsonl [--html FILE]

Prints the key metrics of every run recorded with 'barrage run --history FILE',
oldest first, with the change from the previous run.

      --html FILE          also write a self-contained HTML page with a chart
                           per key metric over the runs and the same table
                           ('-' = stdout; the table then goes to stderr)
  -h, --help               show this help
)";

struct CompareArgs {
    CompareRequest request;
};

const std::array<OptionSpec<CompareArgs>, 6> compare_options{{
    {'\0', "max-regression", true,
     [](CompareArgs& a, std::string_view, std::string_view v) {
         a.request.max_regressions.emplace_back(v);
         return Status(Ok{});
     }},
    {'\0', "metrics", true,
     [](CompareArgs& a, std::string_view, std::string_view v) {
         // Names are checked by report::compare_results; repeating the flag adds to the list.
         for (std::size_t start = 0; start <= v.size();) {
             const std::size_t comma = std::min(v.find(',', start), v.size());
             if (comma > start) {
                 a.request.metrics.emplace_back(v.substr(start, comma - start));
             }
             start = comma + 1;
         }
         if (a.request.metrics.empty()) {
             return Status(
                 make_error("--metrics: expected metric names, e.g. --metrics p50,p95,rps"));
         }
         return Status(Ok{});
     }},
    {'\0', "json", true,
     [](CompareArgs& a, std::string_view, std::string_view v) {
         a.request.json_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "current", true,
     [](CompareArgs& a, std::string_view, std::string_view v) {
         a.request.current_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "min-delta", true,
     [](CompareArgs& a, std::string_view flag, std::string_view v) {
         int64_t ns = 0;
         auto status = store(parse_duration_ns(flag, v, true), ns);
         a.request.min_delta_ns = ns;
         return status;
     }},
    {'\0', "allow-different-config", false,
     [](CompareArgs& a, std::string_view, std::string_view) {
         a.request.allow_different_config = true;
         return Status(Ok{});
     }},
}};

Result<Command> parse_compare(std::span<const char* const> argv) {
    CompareArgs args;
    std::vector<std::string_view> positionals;
    auto help = parse_options<CompareArgs>(argv.subspan(2), "barrage compare", compare_options,
                                           args, positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(compare_usage)});
    }
    const bool current_given = !args.request.current_path.empty();
    if (current_given ? positionals.empty() : positionals.size() != 2) {
        return make_error(
            current_given
                ? "barrage compare: --current needs at least one baseline, e.g. barrage compare "
                  "base1.json base2.json --current current.json"
                : "barrage compare: expected two result files, e.g. barrage compare "
                  "baseline.json current.json (or several baselines and --current FILE)");
    }
    for (std::size_t i = 0; i < positionals.size(); ++i) {
        if (current_given || i == 0) {
            args.request.baseline_paths.emplace_back(positionals[i]);
        } else {
            args.request.current_path = std::string(positionals[i]);
        }
    }
    return Command(std::move(args.request));
}

const std::array<OptionSpec<TrendRequest>, 1> trend_options{{
    {'\0', "html", true,
     [](TrendRequest& r, std::string_view, std::string_view v) {
         r.html_path = std::string(v);
         return Status(Ok{});
     }},
}};

Result<Command> parse_trend(std::span<const char* const> argv) {
    TrendRequest request;
    std::vector<std::string_view> positionals;
    auto help = parse_options<TrendRequest>(argv.subspan(2), "barrage trend", trend_options,
                                            request, positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(trend_usage)});
    }
    if (positionals.size() != 1) {
        return make_error(
            "barrage trend: expected one history file, e.g. barrage trend history.jsonl");
    }
    request.history_path = std::string(positionals[0]);
    return Command(std::move(request));
}

constexpr std::string_view report_usage =
    R"(Usage: barrage report RESULT.json -o REPORT.html [options]

Writes a self-contained HTML report (no network needed to view it) of a result
of 'barrage run --json': throughput, latency percentiles and status codes over
time, the percentile spectrum, thresholds, the run's configuration.
Exit code 0 when written, 2 when RESULT.json is not a barrage result.

  -o, --output FILE        the HTML file to write ('-' = stdout)
      --hlog FILE          draw the percentile spectrum from this --hlog file
                           (all its intervals merged) instead of the JSON's
      --history FILE       add the trend of the runs recorded in this
                           --history file (charts and table, as trend --html)
  -h, --help               show this help
)";

const std::array<OptionSpec<ReportRequest>, 3> report_options{{
    {'o', "output", true,
     [](ReportRequest& r, std::string_view, std::string_view v) {
         r.output_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "hlog", true,
     [](ReportRequest& r, std::string_view, std::string_view v) {
         r.hlog_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "history", true,
     [](ReportRequest& r, std::string_view, std::string_view v) {
         r.history_path = std::string(v);
         return Status(Ok{});
     }},
}};

Result<Command> parse_report(std::span<const char* const> argv) {
    ReportRequest request;
    std::vector<std::string_view> positionals;
    auto help = parse_options<ReportRequest>(argv.subspan(2), "barrage report", report_options,
                                             request, positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(report_usage)});
    }
    if (positionals.size() != 1) {
        return make_error(
            "barrage report: expected one result file, e.g. barrage report result.json -o "
            "report.html");
    }
    if (request.output_path.empty()) {
        return make_error(
            "barrage report: say where to write the page with -o FILE, e.g. -o "
            "report.html");
    }
    request.result_path = std::string(positionals[0]);
    return Command(std::move(request));
}

Result<Command> parse_help(std::span<const char* const> argv) {
    const std::string_view topic = argv.size() > 2 ? argv[2] : "";
    if (topic == "run") {
        return Command(HelpRequest{std::string(run_usage)});
    }
    if (topic == "serve") {
        return Command(HelpRequest{std::string(serve_usage)});
    }
    if (topic == "compare") {
        return Command(HelpRequest{std::string(compare_usage)});
    }
    if (topic == "trend") {
        return Command(HelpRequest{std::string(trend_usage)});
    }
    if (topic == "report") {
        return Command(HelpRequest{std::string(report_usage)});
    }
    if (topic == "find-max") {
        return Command(HelpRequest{std::string(detail::find_max_usage)});
    }
    if (topic == "suite") {
        return Command(HelpRequest{std::string(detail::suite_usage)});
    }
    if (topic == "merge") {
        return Command(HelpRequest{std::string(detail::merge_usage)});
    }
    return Command(HelpRequest{usage_text()});
}

}  // namespace

Result<Command> parse_command_line(int argc, const char* const* argv) {
    BARRAGE_ASSERT(argc >= 1 && argv != nullptr);
    const std::span<const char* const> args(argv, static_cast<size_t>(argc));
    if (argc == 1) {
        return Command(HelpRequest{usage_text(), true});
    }
    const std::string_view command = args[1];
    if (command == "run") {
        return detail::parse_run(args);
    }
    if (command == "serve") {
        return parse_serve(args);
    }
    if (command == "compare") {
        return parse_compare(args);
    }
    if (command == "trend") {
        return parse_trend(args);
    }
    if (command == "report") {
        return parse_report(args);
    }
    if (command == "find-max") {
        return detail::parse_find_max(args);
    }
    if (command == "suite") {
        return detail::parse_suite(args);
    }
    if (command == "merge") {
        return detail::parse_merge(args);
    }
    if (command == "help" || is_help(command)) {
        return parse_help(args);
    }
    if (command == "version" || command == "--version") {
        return Command(VersionRequest{});
    }
    if (command.find("://") != std::string_view::npos) {
        return make_error(
            fmt::format("unknown command '{}'; to send load to it write 'barrage run {}'",
                        base::excerpt(command), base::excerpt(command)));
    }
    if (is_option_like(command)) {
        constexpr std::string_view own_options[] = {"--help", "--version"};
        const std::string hint = base::did_you_mean(command, own_options);
        return make_error(
            fmt::format("unknown option '{}' for 'barrage'{}{} go after the command, e.g. "
                        "'barrage run URL {}'; see 'barrage --help'",
                        base::excerpt(command), hint, hint.empty() ? "; options" : " Options",
                        base::excerpt(command)));
    }
    constexpr std::string_view commands[] = {"run",    "suite",    "serve", "compare", "trend",
                                             "report", "find-max", "help",  "version", "merge"};
    const std::string hint = base::did_you_mean(command, commands);
    return make_error(fmt::format("unknown command '{}'{}{} 'barrage --help'",
                                  base::excerpt(command), hint, hint.empty() ? "; see" : " See"));
}

std::string usage_text() {
    return fmt::format(
        R"(barrage {} - an HTTP/1.1 load generator on io_uring

Usage:
  barrage run URL [options]    send load to URL, report latency percentiles
  barrage run PROFILE.toml     send the traffic a TOML profile describes
  barrage serve [options]      run a small HTTP test target on loopback
  barrage compare BASE CUR     compare two --json results, exit 1 on regression
  barrage trend HISTORY        show the runs recorded with --history (--html: charts)
  barrage report RESULT -o F   write an HTML report of a --json result
  barrage find-max URL --slo E find the highest rate the target sustains within E
  barrage suite SUITE.toml     run the profiles a suite lists, one report and exit code
  barrage merge FILE...        sum the --json results of a test's shards exactly
  barrage help [run|serve]     show this help, or a command's options
  barrage --version            print the version, commit and build details

Examples:
  barrage serve --port 8080 &
  barrage run http://127.0.0.1:8080/ -c 50 -d 30s
  barrage run http://127.0.0.1:8080/ -c 100 -r 20k -d 1m --json result.json

See 'barrage run --help' and 'barrage serve --help' for the options.
)",
        BARRAGE_VERSION);
}

std::vector<OptionName> detail::run_option_names() {
    return detail::option_names<RunArgs>(run_options);
}

std::vector<CommandEntry> command_catalog() {
    using detail::option_names;
    return {
        {"run", std::string(run_usage), detail::run_option_names(), {}},
        {"serve", std::string(serve_usage), option_names<ServeArgs>(serve_options), {}},
        {"compare", std::string(compare_usage), option_names<CompareArgs>(compare_options), {}},
        {"trend", std::string(trend_usage), option_names<TrendRequest>(trend_options), {}},
        {"report", std::string(report_usage), option_names<ReportRequest>(report_options), {}},
        {"find-max", std::string(detail::find_max_usage), detail::find_max_option_names(),
         detail::find_max_passed_option_names()},
        {"suite", std::string(detail::suite_usage), detail::suite_option_names(), {}},
        {"merge", std::string(detail::merge_usage), detail::merge_option_names(), {}},
    };
}

}  // namespace barrage::cli
