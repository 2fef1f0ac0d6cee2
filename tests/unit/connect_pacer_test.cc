// --connect-rate on one worker: the token bucket and the queue of connects
// waiting for a token. Pure arithmetic: times are given, no clock is read.
#include <doctest/doctest.h>

#include <cstdint>

#include "../../src/engine/connect_pacer_impl.h"

using barrage::engine::detail::connect_bucket_of;
using barrage::engine::detail::ConnectBucket;
using barrage::engine::detail::ConnectQueue;

namespace {

constexpr int64_t ms_ns = 1'000'000;
constexpr int64_t s_ns = 1000 * ms_ns;

// How many connects the bucket lets go when asked every `step_ns` for `span_ns`.
int64_t taken_over(ConnectBucket& bucket, int64_t start_ns, int64_t span_ns, int64_t step_ns) {
    int64_t taken = 0;
    for (int64_t now = start_ns; now < start_ns + span_ns; now += step_ns) {
        while (bucket.take(now)) {
            ++taken;
        }
    }
    return taken;
}

}  // namespace

TEST_CASE("a bucket made without a rate never holds a connect back") {
    ConnectBucket bucket;
    CHECK_FALSE(bucket.limited());
    for (int i = 0; i < 1000; ++i) {
        CHECK(bucket.take(0));
    }
}

TEST_CASE("a bucket lets the rate through, whether asked often or every 10 ms") {
    for (const int64_t step_ns : {int64_t{100'000}, 10 * ms_ns}) {
        ConnectBucket bucket(1000, 19 * ms_ns, 5 * s_ns);  // 20 at once at most
        const int64_t taken = taken_over(bucket, 5 * s_ns, 2 * s_ns, step_ns);
        CHECK(taken >= 2000 - step_ns / ms_ns - 1);  // the last step's tokens may be unasked
        CHECK(taken <= 2000 + 20);
    }
}

TEST_CASE("a bucket saves up at most its burst over a pause, then keeps the rate") {
    ConnectBucket bucket(100, 40 * ms_ns, 0);  // 1 + 40 ms / 10 ms at once
    CHECK(bucket.take(0));
    CHECK_FALSE(bucket.take(0));
    CHECK(bucket.next_token_ns() == 10 * ms_ns);
    int64_t burst = 0;
    while (bucket.take(60 * s_ns)) {
        ++burst;
    }
    CHECK(burst == 5);
    CHECK_FALSE(bucket.take(60 * s_ns + 9 * ms_ns));
    CHECK(bucket.take(60 * s_ns + 10 * ms_ns));
}

TEST_CASE("a slow rate spaces the connects a whole interval apart") {
    ConnectBucket bucket(0.5, 0, 0);
    CHECK(bucket.take(0));
    CHECK_FALSE(bucket.take(2 * s_ns - 1));
    CHECK(bucket.take(2 * s_ns));
}

TEST_CASE("a worker's bucket takes its connections' part of the rate") {
    // 3 of 10 connections: 30 of 100 per second, kept when asked only every 1 or 10 ms.
    REQUIRE(connect_bucket_of(100, 3, 10, 0).limited());
    for (const int64_t step_ns : {ms_ns, 10 * ms_ns}) {
        ConnectBucket bucket = connect_bucket_of(100, 3, 10, 0);
        const int64_t taken = taken_over(bucket, 0, 10 * s_ns, step_ns);
        CHECK(taken >= 300);
        CHECK(taken <= 301);
    }
    CHECK_FALSE(connect_bucket_of(0, 3, 10, 0).limited());
    CHECK_FALSE(connect_bucket_of(100, 0, 10, 0).limited());
}

TEST_CASE("the queue gives the waiting slots back oldest first, around its end") {
    ConnectQueue queue(3);
    CHECK(queue.empty());
    for (uint32_t round = 0; round < 4; ++round) {
        queue.push(round);
        queue.push(round + 10);
        CHECK(queue.size() == 2);
        CHECK(queue.pop() == round);
        CHECK(queue.pop() == round + 10);
        CHECK(queue.empty());
    }
    queue.push(7);
    queue.push(8);
    queue.push(9);
    CHECK(queue.pop() == 7);
    CHECK(queue.pop() == 8);
    CHECK(queue.pop() == 9);
}
