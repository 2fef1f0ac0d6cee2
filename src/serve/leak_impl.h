#pragma once
// Memory kept on purpose, for `barrage serve --leak-per-request SIZE`: a test
// aid that makes the built-in target leak, so --watch-pid has something to
// find. Private to serve; one per server thread (no sharing).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace barrage::serve::detail {

// All threads together keep at most this much; past it requests keep nothing.
inline constexpr int64_t leak_bytes_max = 1024LL * 1024 * 1024;

class Leak {
public:
    // bytes_per_request 0 = no leak; bytes_max: what this thread may keep in all.
    Leak(std::size_t bytes_per_request, std::size_t bytes_max)
        : bytes_per_request_(bytes_per_request), bytes_max_(bytes_max) {}

    // Allocates bytes_per_request, writes to every page of it (so it counts in
    // RSS) and keeps it until the server exits.
    void on_request();

    std::size_t bytes_held() const { return bytes_held_; }

private:
    std::size_t bytes_per_request_;
    std::size_t bytes_max_;
    std::size_t bytes_held_ = 0;
    std::vector<std::unique_ptr<char[]>> blocks_;
};

}  // namespace barrage::serve::detail
