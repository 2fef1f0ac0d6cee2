#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "barrage/io/ring.h"
#include "barrage/io/user_data.h"

using barrage::io::Completion;
using barrage::io::Ring;
using barrage::io::UserData;

namespace {

// Kernel-dependent tests skip honestly when io_uring is unavailable.
std::unique_ptr<Ring> make_ring_or_skip(unsigned sq = 64, unsigned cq = 256) {
    auto ring = Ring::create(sq, cq);
    if (!ring.ok()) {
        MESSAGE("io_uring unavailable: " << ring.error().message);
        std::exit(77);
    }
    return std::move(ring).value();
}

std::vector<Completion> wait_for(Ring& ring, std::size_t count) {
    std::vector<Completion> seen;
    for (int turn = 0; turn < 100 && seen.size() < count; ++turn) {
        ring.submit_and_wait(1, 100'000'000);
        ring.for_each_completion([&](const Completion& c) { seen.push_back(c); });
    }
    return seen;
}

}  // namespace

TEST_CASE("user_data round-trips op, generation and slot, and masks the generation") {
    const UserData ud{7, 0x1ABCDEF, 42};  // generation wider than 24 bits
    const UserData back = UserData::unpack(ud.pack());
    CHECK(back.op == 7);
    CHECK(back.generation == 0xABCDEF);
    CHECK(back.slot == 42);
}

TEST_CASE("send and recv through the ring deliver the bytes and their user_data") {
    auto ring = make_ring_or_skip();
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const std::string message = "GET / HTTP/1.1\r\n\r\n";
    char buffer[64] = {};
    ring->prep_send(fds[0], message.data(), message.size(), 11);
    ring->prep_recv(fds[1], buffer, sizeof(buffer), 22);
    const auto seen = wait_for(*ring, 2);
    REQUIRE(seen.size() == 2);
    for (const Completion& c : seen) {
        CHECK(c.res == static_cast<int>(message.size()));
        CHECK((c.user_data == 11 || c.user_data == 22));
    }
    CHECK(std::string(buffer, message.size()) == message);
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("multishot recv with provided buffers keeps delivering until the peer closes") {
    auto ring = make_ring_or_skip();
    if (!ring->setup_buffer_ring(1, 8, 4096).ok()) {
        MESSAGE("provided-buffer rings unsupported; skipping");
        return;
    }
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    ring->prep_recv_multishot(fds[1], 1, 5);
    std::string received;
    for (int i = 0; i < 20; ++i) {  // more messages than buffers: recycling must work
        const std::string part = "part" + std::to_string(i) + ";";
        REQUIRE(write(fds[0], part.data(), part.size()) == static_cast<ssize_t>(part.size()));
        for (const Completion& c : wait_for(*ring, 1)) {
            REQUIRE(c.res > 0);
            REQUIRE(c.has_buffer());
            received.append(ring->buffer_data(c.buffer_id()), static_cast<size_t>(c.res));
            ring->recycle_buffer(c.buffer_id());
            if (!c.has_more()) {
                ring->prep_recv_multishot(fds[1], 1, 5);
            }
        }
    }
    close(fds[0]);
    const auto last = wait_for(*ring, 1);
    REQUIRE_FALSE(last.empty());
    CHECK(last.back().res == 0);  // EOF ends the multishot
    CHECK(received.find("part0;") == 0);
    CHECK(received.find("part19;") != std::string::npos);
    close(fds[1]);
}

namespace {

// A listening socket on a free loopback port; `addr` gets its address.
int listen_on_loopback(sockaddr_in& addr) {
    addr = sockaddr_in{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto listener =
        barrage::io::make_listen_socket(reinterpret_cast<sockaddr*>(&addr), sizeof(addr), 1);
    REQUIRE(listener.ok());
    socklen_t len = sizeof(addr);
    getsockname(listener.value(), reinterpret_cast<sockaddr*>(&addr), &len);
    return listener.value();
}

// A connected loopback TCP pair: {client (rx timestamps as asked), server side}.
std::pair<int, int> tcp_pair(bool rx_timestamps) {
    sockaddr_in addr{};
    const int listener = listen_on_loopback(addr);
    const int client = barrage::io::make_tcp_socket(AF_INET, rx_timestamps);
    REQUIRE(client >= 0);
    REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    const int server = accept(listener, nullptr, nullptr);
    REQUIRE(server >= 0);
    close(listener);
    return {client, server};
}

int64_t realtime_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TEST_CASE("multishot recvmsg reports the payload and when the kernel received it") {
    auto ring = make_ring_or_skip();
    if (!ring->setup_buffer_ring(1, 8, 4096).ok()) {
        MESSAGE("provided-buffer rings unsupported; skipping");
        return;
    }
    for (const bool stamped : {true, false}) {
        CAPTURE(stamped);
        const auto [client, server] = tcp_pair(stamped);
        ring->prep_recvmsg_multishot(client, 1, 6);
        ring->submit_and_wait(0, 0);
        // The kernel turns packet timestamping on from a work queue, just after
        // the first socket asks for it: bytes go back and forth until one read
        // is stamped (a busy machine may take a while), then the real check.
        for (int attempt = 0; stamped && attempt < 100; ++attempt) {
            REQUIRE(write(server, "w", 1) == 1);
            const auto warm = wait_for(*ring, 1);
            REQUIRE(warm.size() == 1);
            if (warm[0].res == -EINVAL) {
                ring->prep_recvmsg_multishot(client, 1, 6);  // fails again: the check skips
                break;
            }
            REQUIRE(warm[0].res > 0);
            const bool has_stamp = ring->received_message(warm[0]).rx_realtime_ns != 0;
            ring->recycle_buffer(warm[0].buffer_id());
            if (!warm[0].has_more()) {
                ring->prep_recvmsg_multishot(client, 1, 6);
            }
            if (has_stamp) {
                break;
            }
            usleep(10'000);
        }
        const int64_t before = realtime_ns();
        const std::string message = "HTTP/1.1 200 OK\r\n";
        REQUIRE(write(server, message.data(), message.size()) ==
                static_cast<ssize_t>(message.size()));
        // Reaped well after it arrived: the timestamp must still say when it arrived.
        usleep(50'000);
        const int64_t after_write_ns = realtime_ns();
        const auto seen = wait_for(*ring, 1);
        REQUIRE(seen.size() == 1);
        if (seen[0].res == -EINVAL) {
            MESSAGE("multishot recvmsg unsupported by this kernel; skipping");
            return;
        }
        REQUIRE(seen[0].res > 0);
        REQUIRE(seen[0].has_buffer());
        const barrage::io::Received received = ring->received_message(seen[0]);
        CHECK(std::string(received.data, received.len) == message);
        if (stamped) {
            CHECK(received.rx_realtime_ns >= before);
            CHECK(received.rx_realtime_ns <= after_write_ns - 10'000'000);
        } else {
            CHECK(received.rx_realtime_ns == 0);
        }
        ring->recycle_buffer(seen[0].buffer_id());
        close(server);
        // EOF: the kernel still fills in its header; the payload is empty.
        const auto last = wait_for(*ring, 1);
        REQUIRE_FALSE(last.empty());
        CHECK_FALSE(last.back().has_more());
        REQUIRE(last.back().res > 0);
        CHECK(ring->received_message(last.back()).len == 0);
        ring->recycle_buffer(last.back().buffer_id());
        close(client);
    }
}

TEST_CASE("connect to a closed port completes with -ECONNREFUSED") {
    auto ring = make_ring_or_skip();
    // Find a free port by binding then closing it.
    sockaddr_in addr{};
    close(listen_on_loopback(addr));
    const int fd = barrage::io::make_tcp_socket(AF_INET);
    REQUIRE(fd >= 0);
    ring->prep_connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr), 9);
    const auto seen = wait_for(*ring, 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].user_data == 9);
    CHECK(seen[0].res == -ECONNREFUSED);
    close(fd);
}

TEST_CASE("a full submission queue is flushed instead of failing") {
    auto ring = make_ring_or_skip(4, 64);
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const char byte = 'x';
    for (uint64_t i = 0; i < 10; ++i) {  // more than the SQ holds
        ring->prep_send(fds[0], &byte, 1, i);
    }
    const auto seen = wait_for(*ring, 10);
    CHECK(seen.size() == 10);
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("a ring asked for more completions than the kernel holds is clamped, not refused") {
    make_ring_or_skip();  // skips where there is no io_uring at all
    // 131072 CQ entries: what one worker with ~21,000 connections asks for; the
    // kernel's maximum is 65536.
    auto created = Ring::create(4096, 131072);
    REQUIRE_MESSAGE(created.ok(), created.error().message);
    auto ring = std::move(created).value();
    CHECK(ring->cq_entries() >= 4096);
    CHECK(ring->cq_entries() <= 131072);
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const char byte = 'x';
    ring->prep_send(fds[0], &byte, 1, 7);
    const auto seen = wait_for(*ring, 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].res == 1);
    close(fds[0]);
    close(fds[1]);
}
