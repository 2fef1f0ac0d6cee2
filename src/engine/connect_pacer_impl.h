#pragma once
// Private to engine: --connect-rate on one worker. Connects that find no
// token wait in a FIFO of slots and go, in order, as tokens come. Pure
// arithmetic on the `now` it is given (tests drive it with a fake clock).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"

namespace barrage::engine::detail {

// A token bucket as a theoretical arrival time (GCRA): a token every
// interval_ns; a connect may go up to save_ns before its token is due, so one
// asked late (the worker's loop turns are not exact) does not lose the rate,
// and 1 + save_ns / interval_ns may go at once after a pause. Unlimited when
// default-made.
class ConnectBucket {
public:
    ConnectBucket() = default;
    ConnectBucket(double rate_per_s, int64_t save_ns, int64_t now_ns)
        : interval_ns_(std::max<int64_t>(
              1, static_cast<int64_t>(static_cast<double>(base::ns_per_s) / rate_per_s))),
          save_ns_(save_ns),
          next_ns_(now_ns) {
        BARRAGE_ASSERT(rate_per_s > 0 && save_ns >= 0);
    }
    bool limited() const { return interval_ns_ > 0; }
    // True (and a token is spent) when a connect may go at `now_ns`.
    bool take(int64_t now_ns) {
        if (!limited()) {
            return true;
        }
        next_ns_ = std::max(next_ns_, now_ns - save_ns_);
        if (next_ns_ > now_ns) {
            return false;
        }
        next_ns_ += interval_ns_;
        return true;
    }
    // When take() succeeds next (now or earlier: at once).
    int64_t next_token_ns() const { return next_ns_; }

private:
    int64_t interval_ns_ = 0;  // 0: unlimited
    int64_t save_ns_ = 0;
    int64_t next_ns_ = 0;
};

// The slots waiting for a token, oldest first; each slot at most once, so a
// ring of the worker's slot count never overflows.
class ConnectQueue {
public:
    explicit ConnectQueue(std::size_t slots = 0) : slots_(slots) {}
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    void push(uint32_t slot) {
        BARRAGE_ASSERT(count_ < slots_.size());
        slots_[(head_ + count_) % slots_.size()] = slot;
        ++count_;
    }
    uint32_t pop() {
        BARRAGE_ASSERT(count_ > 0);
        const uint32_t slot = slots_[head_];
        head_ = (head_ + 1) % slots_.size();
        --count_;
        return slot;
    }

private:
    std::vector<uint32_t> slots_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

// How early a connect may go before its token is due: the deadline scan
// that opens waiting connections during the run comes every 10 ms at most.
inline constexpr int64_t connect_save_ns = 20 * base::ns_per_ms;

// A worker's share of --connect-rate: over workers (and shards) like other
// rates, in proportion to its connections.
inline ConnectBucket connect_bucket_of(double rate_per_s, int64_t worker_connections,
                                       int64_t connections, int64_t now_ns) {
    if (rate_per_s <= 0 || worker_connections <= 0 || connections <= 0) {
        return ConnectBucket{};
    }
    const double share =
        rate_per_s * static_cast<double>(worker_connections) / static_cast<double>(connections);
    return ConnectBucket(share, connect_save_ns, now_ns);
}

}  // namespace barrage::engine::detail
