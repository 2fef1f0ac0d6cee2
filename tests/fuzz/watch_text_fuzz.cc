// libFuzzer target for the text the watcher reads: the Prometheus exposition
// format (--watch-url) and /proc/PID/status and stat (--watch-pid). None may
// crash on any input. Prometheus: every kept sample has a chosen name and a key
// without line breaks, and parsing the text whole gives the same samples as
// parsing it line by line (no state leaks from one line into the next).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/watch/process_sampler.h"
#include "barrage/watch/prometheus_text.h"
#include "fuzz_check.h"

namespace {

const std::vector<std::string> names = {"up", "http_requests_total", "a",
                                        "process_resident_memory_bytes"};

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void check_prometheus(std::string_view text) {
    const auto whole = barrage::watch::parse_prometheus_text(text, names);
    std::vector<barrage::watch::SeriesValue> by_line;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        for (auto& sample :
             barrage::watch::parse_prometheus_text(text.substr(at, end - at), names)) {
            by_line.push_back(std::move(sample));
        }
        at = end + 1;
    }
    FUZZ_CHECK(whole.size() == by_line.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        FUZZ_CHECK(whole[i].key == by_line[i].key && same(whole[i].value, by_line[i].value));
        FUZZ_CHECK(whole[i].key.find('\n') == std::string::npos);
        const std::string_view key = whole[i].key;
        const std::string_view name = key.substr(0, key.find('{'));
        FUZZ_CHECK(std::find(names.begin(), names.end(), name) != names.end());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_prometheus(text);
    auto status = barrage::watch::parse_proc_status(text);
    if (status.ok() && status.value().rss_bytes) {
        FUZZ_CHECK(*status.value().rss_bytes % 1024 == 0);
    }
    (void)barrage::watch::parse_proc_stat_cpu_ticks(text);
    return 0;
}
