#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "barrage/base/cpu.h"
#include "barrage/base/excerpt.h"
#include "barrage/base/nearest.h"
#include "barrage/base/result.h"
#include "barrage/base/spsc_ring.h"
#include "barrage/base/stop_signal.h"
#include "barrage/base/utf8.h"
#include "test_support.h"

namespace {

using barrage::base::Error;
using barrage::base::make_error;
using barrage::base::Ok;
using barrage::base::Result;
using barrage::base::SpscRing;
using barrage::base::Status;

using barrage::test::aborts;

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') {
        return make_error(std::string("not a digit: ") + c);
    }
    return c - '0';
}

// Runs `fn` on a fresh thread, so affinity and signal-mask changes stay off
// the test runner's thread.
template <typename Fn>
void on_own_thread(Fn fn) {
    std::thread thread(fn);
    thread.join();
}

}  // namespace

TEST_SUITE("assert") {
    TEST_CASE("BARRAGE_ASSERT aborts on a false condition in every build type") {
        CHECK(aborts([] { BARRAGE_ASSERT(1 + 1 == 3); }));
        CHECK(aborts([] { BARRAGE_ASSERT_MSG(false, "with a message"); }));
        CHECK_FALSE(aborts([] { BARRAGE_ASSERT(1 + 1 == 2); }));
    }

    TEST_CASE("BARRAGE_ASSERT evaluates its condition exactly once") {
        int evaluations = 0;
        BARRAGE_ASSERT(++evaluations == 1);
        CHECK(evaluations == 1);
    }
}

TEST_SUITE("result") {
    TEST_CASE("a Result holds either a value or an error") {
        const Result<int> good = parse_digit('7');
        REQUIRE(good.ok());
        CHECK(static_cast<bool>(good));
        CHECK(good.value() == 7);

        const Result<int> bad = parse_digit('x');
        REQUIRE_FALSE(bad.ok());
        CHECK_FALSE(static_cast<bool>(bad));
        CHECK(bad.error().message == "not a digit: x");
    }

    TEST_CASE("the value can be changed in place and moved out") {
        Result<std::string> r = std::string("abc");
        r.value() += "def";
        CHECK(r.value() == "abcdef");
        const std::string moved = std::move(r).value();
        CHECK(moved == "abcdef");

        Result<std::unique_ptr<int>> owner = std::make_unique<int>(5);
        const std::unique_ptr<int> taken = std::move(owner).value();
        REQUIRE(taken != nullptr);
        CHECK(*taken == 5);
    }

    TEST_CASE("Status is success or an error") {
        const Status fine = Ok{};
        CHECK(fine.ok());
        const Status failed = Error{"disk full"};
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message == "disk full");
    }

    TEST_CASE("a Result whose value type is a string still tells value from error") {
        const Result<std::string> value = std::string("message");
        const Result<std::string> error = make_error("message");
        CHECK(value.ok());
        CHECK_FALSE(error.ok());
    }

    TEST_CASE("reading the wrong side of a Result aborts") {
        CHECK(aborts([] { (void)parse_digit('x').value(); }));
        CHECK(aborts([] { (void)parse_digit('1').error(); }));
        CHECK(aborts([] {
            const Result<int> r = parse_digit('x');
            (void)r.value();
        }));
    }
}

TEST_SUITE("spsc ring") {
    TEST_CASE("an empty ring pops nothing and a full ring refuses pushes") {
        SpscRing<int, 4> ring;
        CHECK(ring.capacity() == 4);
        CHECK_FALSE(ring.try_pop().has_value());
        for (int i = 0; i < 4; ++i) {
            CHECK(ring.try_push(i));
        }
        CHECK_FALSE(ring.try_push(99));
        for (int i = 0; i < 4; ++i) {
            const auto item = ring.try_pop();
            REQUIRE(item.has_value());
            CHECK(*item == i);
        }
        CHECK_FALSE(ring.try_pop().has_value());
    }

    TEST_CASE("items come out in order across many wrap-arounds") {
        SpscRing<int64_t, 8> ring;
        int64_t next_push = 0;
        int64_t next_pop = 0;
        int64_t out_of_order = 0;
        // Uneven push/pop batches move the fill level around the whole ring.
        for (int round = 0; round < 1000; ++round) {
            const int pushes = round % 9;
            for (int i = 0; i < pushes && ring.try_push(next_push); ++i) {
                ++next_push;
            }
            const int pops = (round * 7) % 9;
            for (int i = 0; i < pops; ++i) {
                const auto item = ring.try_pop();
                if (!item) {
                    break;
                }
                out_of_order += *item == next_pop ? 0 : 1;
                ++next_pop;
            }
            CHECK(next_push - next_pop >= 0);
            CHECK(next_push - next_pop <= 8);
        }
        CHECK(out_of_order == 0);
        CHECK(next_pop > 1000);
    }

    TEST_CASE("a producer and a consumer thread pass every item once and in order") {
        constexpr int64_t item_count = 200'000;
        SpscRing<int64_t, 64> ring;
        std::thread producer([&ring] {
            for (int64_t i = 0; i < item_count; ++i) {
                while (!ring.try_push(i)) {
                    std::this_thread::yield();  // full: the consumer is behind
                }
            }
        });
        int64_t expected = 0;
        int64_t out_of_order = 0;
        while (expected < item_count) {
            if (const auto item = ring.try_pop()) {
                out_of_order += *item == expected ? 0 : 1;
                ++expected;
            } else {
                std::this_thread::yield();
            }
        }
        producer.join();
        CHECK(out_of_order == 0);
        CHECK(expected == item_count);
        CHECK_FALSE(ring.try_pop().has_value());  // nothing duplicated
    }

    TEST_CASE("pointers travel through the ring (how snapshots move)") {
        struct Payload {
            int64_t value;
        };
        std::vector<Payload> pool(16);
        SpscRing<Payload*, 16> ring;
        for (size_t i = 0; i < pool.size(); ++i) {
            pool[i].value = static_cast<int64_t>(i) * 10;
            REQUIRE(ring.try_push(&pool[i]));
        }
        for (size_t i = 0; i < pool.size(); ++i) {
            const auto item = ring.try_pop();
            REQUIRE(item.has_value());
            CHECK(*item == &pool[i]);
            CHECK((*item)->value == static_cast<int64_t>(i) * 10);
        }
    }

    TEST_CASE("producer and consumer indices live on separate cache lines") {
        CHECK(sizeof(SpscRing<char, 2>) >= 3 * barrage::base::cache_line_bytes);
        CHECK(alignof(SpscRing<char, 2>) >= barrage::base::cache_line_bytes);
    }
}

TEST_SUITE("cpu") {
    TEST_CASE("allowed_cpus lists the affinity mask, ascending and without repeats") {
        const std::vector<int> cpus = barrage::base::allowed_cpus();
        REQUIRE_FALSE(cpus.empty());
        CHECK(std::is_sorted(cpus.begin(), cpus.end()));
        CHECK(std::adjacent_find(cpus.begin(), cpus.end()) == cpus.end());
        CHECK(cpus.front() >= 0);
        CHECK(cpus.back() < CPU_SETSIZE);

        cpu_set_t set;
        CPU_ZERO(&set);
        REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
        CHECK(static_cast<int>(cpus.size()) == CPU_COUNT(&set));
    }

    TEST_CASE("pinning to an allowed cpu moves the thread there") {
        const std::vector<int> cpus = barrage::base::allowed_cpus();
        REQUIRE_FALSE(cpus.empty());
        const int target = cpus.back();
        bool pinned = false;
        int running_on = -1;
        std::vector<int> allowed_after;
        on_own_thread([&] {
            pinned = barrage::base::pin_current_thread(target);
            running_on = sched_getcpu();
            allowed_after = barrage::base::allowed_cpus();
        });
        CHECK(pinned);
        CHECK(running_on == target);
        CHECK(allowed_after == std::vector<int>{target});
        CHECK(barrage::base::allowed_cpus() == cpus);  // the runner's thread is untouched
    }

    TEST_CASE("pinning to a cpu outside the machine fails instead of pretending") {
        bool pinned = true;
        on_own_thread([&] { pinned = barrage::base::pin_current_thread(CPU_SETSIZE - 1); });
        CHECK_FALSE(pinned);
    }

    TEST_CASE("block_stop_signals blocks SIGINT, SIGTERM and SIGPIPE in the calling thread") {
        bool all_blocked = false;
        bool others_free = false;
        on_own_thread([&] {
            barrage::base::block_stop_signals();
            sigset_t mask;
            sigemptyset(&mask);
            pthread_sigmask(SIG_BLOCK, nullptr, &mask);
            all_blocked = sigismember(&mask, SIGINT) == 1 && sigismember(&mask, SIGTERM) == 1 &&
                          sigismember(&mask, SIGPIPE) == 1;
            others_free = sigismember(&mask, SIGUSR1) == 0;
        });
        CHECK(all_blocked);
        CHECK(others_free);
    }

    TEST_CASE("raise_fd_limit never lowers the limit and reports the new soft limit") {
        rlimit before{};
        REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
        const long raised = barrage::base::raise_fd_limit();
        rlimit after{};
        REQUIRE(getrlimit(RLIMIT_NOFILE, &after) == 0);
        CHECK(raised >= static_cast<long>(before.rlim_cur));
        CHECK(raised == static_cast<long>(after.rlim_cur));
        CHECK(barrage::base::raise_fd_limit() == raised);  // idempotent
    }
}

TEST_SUITE("stop_signal") {
    using barrage::base::wait_stop_signal;

    TEST_CASE("wait_stop_signal takes a pending SIGINT, SIGTERM or SIGHUP once, then times out") {
        std::vector<int> taken;
        on_own_thread([&] {
            barrage::base::block_stop_signals();
            for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
                pthread_kill(pthread_self(), signal_number);
                taken.push_back(wait_stop_signal(0));
                taken.push_back(wait_stop_signal(0));  // taken: no longer pending
            }
            taken.push_back(wait_stop_signal(barrage::base::ns_per_ms));
        });
        CHECK(taken == std::vector<int>{SIGINT, 0, SIGTERM, 0, SIGHUP, 0, 0});
    }

    TEST_CASE("wait_stop_signal returns the stop signal sent while it waits") {
        std::atomic<bool> blocked{false};
        int taken = -1;
        std::thread waiter([&] {
            barrage::base::block_stop_signals();
            blocked.store(true);
            taken = wait_stop_signal(30 * barrage::base::ns_per_s);  // a bound, not a timing
        });
        while (!blocked.load()) {
            std::this_thread::yield();
        }
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
        CHECK(taken == SIGTERM);
    }

    TEST_CASE("wait_stop_signal leaves other signals pending") {
        int taken = -1;
        bool usr1_pending = false;
        on_own_thread([&] {
            barrage::base::block_stop_signals();
            sigset_t usr1;
            sigemptyset(&usr1);
            sigaddset(&usr1, SIGUSR1);
            pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
            pthread_kill(pthread_self(), SIGUSR1);
            taken = wait_stop_signal(0);
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            usr1_pending = sigismember(&pending, SIGUSR1) == 1;
            const timespec none{};
            sigtimedwait(&usr1, nullptr, &none);  // consumed here, never delivered
        });
        CHECK(taken == 0);
        CHECK(usr1_pending);
    }
}

TEST_SUITE("clock") {
    TEST_CASE("the monotonic clock never goes backwards") {
        int64_t previous = barrage::base::now_ns();
        int backwards = 0;
        for (int i = 0; i < 10'000; ++i) {
            const int64_t now = barrage::base::now_ns();
            backwards += now < previous ? 1 : 0;
            previous = now;
        }
        CHECK(backwards == 0);
        CHECK(previous > 0);
    }

    TEST_CASE("the wall clock is in milliseconds since the epoch") {
        const int64_t ms = barrage::base::wall_clock_ms();
        CHECK(ms > 1'577'836'800'000);  // after 2020-01-01
        CHECK(ms < 4'102'444'800'000);  // before 2100-01-01
        CHECK(std::abs(ms / 1000 - static_cast<int64_t>(time(nullptr))) <= 2);
    }
}

TEST_CASE("decode_utf8 gives the code point of well-formed sequences and length 0 otherwise") {
    using barrage::base::decode_utf8;
    const auto at0 = [](std::string_view text) { return decode_utf8(text, 0); };
    CHECK(at0("A").code_point == 'A');
    CHECK(at0("A").length == 1);
    CHECK(at0("\xc3\xa9").code_point == 0xE9);
    CHECK(at0("\xe2\x82\xac").code_point == 0x20AC);
    CHECK(at0("\xf0\x9f\x98\x80").code_point == 0x1F600);
    CHECK(at0("\xf0\x9f\x98\x80").length == 4);
    CHECK(at0("\xf4\x8f\xbf\xbf").code_point == 0x10FFFF);
    CHECK(decode_utf8("x\xc3\xa9", 1).code_point == 0xE9);
    for (const std::string_view bad :
         {"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3", "\xe2\x82", "\xe2\x28\xa1"}) {
        CAPTURE(bad);
        CHECK(at0(bad).length == 0);
    }
}

TEST_SUITE("excerpt") {
    using barrage::base::excerpt;

    TEST_CASE("short printable text, UTF-8 included, is quoted as it is") {
        CHECK(excerpt("") == "");
        CHECK(excerpt("--rate 20k") == "--rate 20k");
        CHECK(excerpt("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
    }

    TEST_CASE("long text stops at 80 characters and says so") {
        const std::string long_text(1'000'000, 'a');
        CHECK(excerpt(long_text) == std::string(80, 'a') + "...");
        CHECK(excerpt(std::string(80, 'a')) == std::string(80, 'a'));
        CHECK(excerpt("abcdef", 3) == "abc...");
    }

    TEST_CASE("control bytes, DEL and bytes that are not UTF-8 show as \\xNN") {
        CHECK(excerpt(std::string("a\0b\r\n\x7f", 6)) == "a\\x00b\\x0d\\x0a\\x7f");
        CHECK(excerpt("\xff\xfe{{") == "\\xff\\xfe{{");
        CHECK(excerpt("\xc3") == "\\xc3");  // a truncated sequence
        // An escape counts as the 4 characters it shows.
        CHECK(excerpt(std::string(100, '\x01')) == [] {
            std::string expected;
            for (int i = 0; i < 20; ++i) {
                expected += "\\x01";
            }
            return expected + "...";
        }());
    }
}

TEST_CASE("edit distance counts inserts, deletes, substitutions and swaps, case folded") {
    using barrage::base::edit_distance;
    CHECK(edit_distance("duraton", "duration") == 1);
    CHECK(edit_distance("rn", "run") == 1);
    CHECK(edit_distance("raet", "rate") == 1);  // a swap of neighbours is one edit
    CHECK(edit_distance("Duration", "duration") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("nearest_name names a close candidate, never a far one or an exact match") {
    using barrage::base::did_you_mean;
    using barrage::base::nearest_name;
    const std::string_view keys[] = {"name", "shape", "rate", "duration", "users", "warmup"};
    CHECK(nearest_name("duraton", keys) == "duration");
    CHECK(nearest_name("Rate", keys) == "rate");
    CHECK(nearest_name("user", keys) == "users");
    CHECK_FALSE(nearest_name("colour", keys));  // nothing close
    CHECK_FALSE(nearest_name("rate", keys));    // not unknown
    CHECK_FALSE(nearest_name("", keys));
    CHECK(did_you_mean("warmpu", keys) == "; did you mean 'warmup'?");
    CHECK(did_you_mean("zzz", keys).empty());
    const std::string_view commands[] = {"run", "serve", "find-max"};
    CHECK(nearest_name("rn", commands) == "run");
    CHECK(nearest_name("findmax", commands) == "find-max");
}
