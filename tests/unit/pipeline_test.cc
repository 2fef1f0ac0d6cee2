// The request queue behind each pipelined connection's head (--pipeline N):
// first in first out per connection, bounded by the depth, connections apart.
#include <doctest/doctest.h>

#include <cstdint>

#include "../../src/engine/pipeline_impl.h"

using barrage::engine::detail::RequestInFlight;
using barrage::engine::detail::RequestQueue;

namespace {

RequestInFlight record_at(int64_t intended_ns, uint32_t index) {
    return RequestInFlight{.intended_ns = intended_ns, .sent_ns = intended_ns, .index = index};
}

}  // namespace

TEST_CASE("a connection's queue holds depth - 1 requests behind its head, in send order") {
    RequestQueue queue(3, 4);
    CHECK(queue.empty(1));
    for (uint32_t i = 0; i < 3; ++i) {
        CHECK_FALSE(queue.full(1));
        queue.push(1, record_at(100 + i, i));
    }
    CHECK(queue.full(1));
    CHECK(queue.size(1) == 3);
    CHECK(queue.at(1, 2).index == 2);
    for (uint32_t i = 0; i < 3; ++i) {
        const RequestInFlight record = queue.pop(1);
        CHECK(record.index == i);
        CHECK(record.intended_ns == 100 + i);
    }
    CHECK(queue.empty(1));
}

TEST_CASE("the queue wraps around its slots and keeps the order across many turns") {
    RequestQueue queue(2, 3);
    uint32_t pushed = 0;
    uint32_t popped = 0;
    for (int turn = 0; turn < 100; ++turn) {
        while (!queue.full(0)) {
            queue.push(0, record_at(pushed, pushed));
            ++pushed;
        }
        const RequestInFlight record = queue.pop(0);
        CHECK(record.index == popped);
        ++popped;
    }
    CHECK(queue.size(0) == pushed - popped);
}

TEST_CASE("connections' queues are apart: one's pushes and clears leave the others") {
    RequestQueue queue(3, 2);
    queue.push(0, record_at(1, 10));
    queue.push(2, record_at(2, 20));
    CHECK(queue.full(0));
    CHECK(queue.empty(1));
    queue.clear(0);
    CHECK(queue.empty(0));
    CHECK(queue.size(2) == 1);
    CHECK(queue.pop(2).index == 20);
    queue.lane(1).staged = "GET / HTTP/1.1\r\n\r\n";
    CHECK(queue.lane(0).staged.empty());
}
