// The worker's deadline wheel: entries come due at or after their deadline and
// less than a period late, stale entries are recognized, the wheel wraps
// around and a deadline past its horizon comes back until it is due. Pure
// arithmetic: times are given, no clock is read.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "../../src/engine/deadline_wheel_impl.h"

using barrage::engine::detail::DeadlineWheel;
using barrage::engine::detail::no_entry_due_ns;

namespace {

constexpr int64_t ms_ns = 1'000'000;
constexpr int64_t s_ns = 1000 * ms_ns;
constexpr int64_t no_deadline = -1;

// Slots used as the worker uses them: a deadline each (no_deadline: none, as
// an idle connection), the due time of its live entry, and when it fired.
struct Slots {
    DeadlineWheel wheel;
    std::vector<int64_t> deadline_ns;
    std::vector<int64_t> due_ns;
    std::vector<int64_t> fired_ns;
    int64_t stale = 0;

    Slots(int64_t period_ns, std::size_t buckets, int64_t now_ns, std::size_t count)
        : wheel(period_ns, buckets, now_ns),
          deadline_ns(count, no_deadline),
          due_ns(count, no_entry_due_ns),
          fired_ns(count, no_deadline) {}

    void set(uint32_t slot, int64_t at_ns) {
        deadline_ns[slot] = at_ns;
        if (!wheel.covers(due_ns[slot], at_ns)) {
            due_ns[slot] = wheel.add(slot, at_ns);
        }
    }
    // The worker's check_deadlines, called whenever the next bucket is due.
    void run_until(int64_t end_ns, int64_t step_ns) {
        for (int64_t now = 0; now <= end_ns; now += step_ns) {
            if (now < wheel.next_due_ns()) {
                continue;
            }
            wheel.expire(now, [&](uint32_t slot, int64_t due) {
                CHECK(due <= now);
                if (due_ns[slot] != due) {
                    ++stale;
                    return;
                }
                due_ns[slot] = no_entry_due_ns;
                if (deadline_ns[slot] == no_deadline) {
                    return;
                }
                if (now >= deadline_ns[slot]) {
                    fired_ns[slot] = now;
                    deadline_ns[slot] = no_deadline;
                } else {
                    set(slot, deadline_ns[slot]);
                }
            });
        }
    }
};

}  // namespace

TEST_CASE("a deadline fires at or after its time, less than a period late") {
    const int64_t period = 10 * ms_ns;
    Slots slots(period, 64, 0, 200);
    for (uint32_t slot = 0; slot < 200; ++slot) {
        slots.set(slot, 1 + static_cast<int64_t>(slot) * 3 * ms_ns + slot % 7);
    }
    slots.run_until(2 * s_ns, 100'000);
    for (uint32_t slot = 0; slot < 200; ++slot) {
        const int64_t deadline = 1 + static_cast<int64_t>(slot) * 3 * ms_ns + slot % 7;
        CHECK(slots.fired_ns[slot] >= deadline);
        CHECK(slots.fired_ns[slot] < deadline + period + 100'000);  // + the driver's step
    }
    CHECK(slots.wheel.entries() == 0);
}

TEST_CASE("a deadline moved later costs no entry and fires at its new time") {
    const int64_t period = 10 * ms_ns;
    Slots slots(period, 64, 0, 1);
    slots.set(0, 50 * ms_ns);
    CHECK(slots.wheel.entries() == 1);
    // Keep-alive: each next request moves the deadline later; no new entry.
    for (int64_t at = 51 * ms_ns; at < 400 * ms_ns; at += ms_ns) {
        slots.set(0, at);
    }
    CHECK(slots.wheel.entries() == 1);
    slots.run_until(500 * ms_ns, ms_ns);
    CHECK(slots.fired_ns[0] >= 399 * ms_ns);
    CHECK(slots.fired_ns[0] <= 399 * ms_ns + period);
    CHECK(slots.stale == 0);
}

TEST_CASE("a deadline moved earlier gets a new entry and the old one is stale") {
    const int64_t period = 10 * ms_ns;
    Slots slots(period, 64, 0, 1);
    slots.set(0, 300 * ms_ns);  // a connect's --timeout
    slots.set(0, 20 * ms_ns);   // refused at once: the backoff's retry is sooner
    CHECK(slots.wheel.entries() == 2);
    slots.run_until(400 * ms_ns, ms_ns);
    CHECK(slots.fired_ns[0] >= 20 * ms_ns);
    CHECK(slots.fired_ns[0] <= 30 * ms_ns);
    CHECK(slots.stale == 1);
    CHECK(slots.wheel.entries() == 0);
}

TEST_CASE("an entry whose slot has no deadline any more is dropped when it comes due") {
    Slots slots(10 * ms_ns, 64, 0, 3);
    for (uint32_t slot = 0; slot < 3; ++slot) {
        slots.set(slot, 100 * ms_ns);
    }
    slots.deadline_ns[1] = no_deadline;  // answered: idle now
    slots.run_until(200 * ms_ns, ms_ns);
    CHECK(slots.fired_ns[0] >= 100 * ms_ns);
    CHECK(slots.fired_ns[1] == no_deadline);
    CHECK(slots.fired_ns[2] >= 100 * ms_ns);
    CHECK(slots.wheel.entries() == 0);
}

TEST_CASE("the wheel wraps around many times and keeps each deadline") {
    const int64_t period = ms_ns;
    Slots slots(period, 8, 0, 1);  // 8 ms around
    int64_t at = 3 * ms_ns + 17;
    for (int round = 0; round < 100; ++round) {
        slots.set(0, at);
        slots.run_until(at + 2 * period, 250'000);
        CHECK(slots.fired_ns[0] >= at);
        CHECK(slots.fired_ns[0] < at + period + 250'000);
        at += 5 * ms_ns + 123;
        // The driver starts from 0 each time; the wheel has moved on (nothing is lost).
    }
}

TEST_CASE("a deadline past the horizon comes back until it is due") {
    const int64_t period = 10 * ms_ns;
    Slots slots(period, 16, 0, 1);  // 150 ms ahead at most
    slots.set(0, 2 * s_ns + 5);
    slots.run_until(3 * s_ns, ms_ns);
    CHECK(slots.fired_ns[0] >= 2 * s_ns + 5);
    CHECK(slots.fired_ns[0] <= 2 * s_ns + 5 + period);
    CHECK(slots.stale == 0);
}

TEST_CASE("an entry added while its bucket fires, or for a time already past, waits a bucket") {
    const int64_t period = 10 * ms_ns;
    DeadlineWheel wheel(period, 4, 5 * period + 1);  // starts between two boundaries
    CHECK(wheel.next_due_ns() == 6 * period);
    CHECK(wheel.add(7, 0) == 6 * period);               // past: the next bucket
    CHECK(wheel.add(8, 6 * period) == 6 * period);      // exactly on a boundary
    CHECK(wheel.add(9, 6 * period + 1) == 7 * period);  // just past it
    CHECK(wheel.add(10, 100 * period) == 9 * period);   // the horizon
    std::vector<uint32_t> fired;
    int64_t added_due = 0;
    CHECK(wheel.expire(6 * period - 1, [&](uint32_t, int64_t) { FAIL("not due"); }) == 0);
    CHECK(wheel.expire(6 * period, [&](uint32_t slot, int64_t due) {
        CHECK(due == 6 * period);
        fired.push_back(slot);
        added_due = wheel.add(slot + 100, due);  // a fire that sets a deadline already due
    }) == 2);
    CHECK(fired == std::vector<uint32_t>{7, 8});
    CHECK(added_due == 7 * period);
    CHECK(wheel.add(11, 1000 * period) == 10 * period);  // the horizon moved with the wheel
    CHECK(wheel.entries() == 5);
}
