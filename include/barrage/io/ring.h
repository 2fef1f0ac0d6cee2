#pragma once
// The io_uring ring: the one place that gets SQEs, submits, and walks CQEs.
// Only io uses liburing; other modules see plain structs.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "barrage/base/result.h"

struct io_uring;

namespace barrage::io {

// One completion, copied out of the CQ so callers never touch liburing types.
struct Completion {
    uint64_t user_data = 0;
    int32_t res = 0;  // >= 0 success value, < 0 is -errno
    uint32_t flags = 0;
    bool has_more() const;       // multishot: more completions will follow
    bool has_buffer() const;     // a provided buffer was used
    uint16_t buffer_id() const;  // valid when has_buffer()
};

// The bytes of one recvmsg completion and when the kernel received them.
struct Received {
    const char* data = nullptr;
    std::size_t len = 0;
    // CLOCK_REALTIME of the last packet in `data` (SO_TIMESTAMPNS); 0 when the
    // kernel attached none. The caller converts it to its own clock.
    int64_t rx_realtime_ns = 0;
};

class Ring {
public:
    // sq_entries: SQ size (power of two). cq_entries: CQ size, sized by the
    // caller for the completions it can have outstanding. Sizes above the
    // kernel's maximum (32768 SQ, 65536 CQ) are clamped, not refused; the CQ
    // then relies on the kernel keeping overflowed completions (NODROP, Linux
    // 5.5+), and without that the call fails. cq_entries() tells the size got.
    // Tries SINGLE_ISSUER|DEFER_TASKRUN|COOP_TASKRUN and falls back when the
    // kernel says -EINVAL. Must be called on the thread that will use the ring.
    static base::Result<std::unique_ptr<Ring>> create(unsigned sq_entries, unsigned cq_entries);
    ~Ring();
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    // Prep functions: queue one SQE each (flushing to the kernel when the SQ is
    // full). Nothing is sent to the kernel until submit_and_wait (batching).
    void prep_connect(int fd, const sockaddr* addr, socklen_t len, uint64_t user_data);
    void prep_send(int fd, const void* data, std::size_t len, uint64_t user_data);
    void prep_recv(int fd, void* data, std::size_t len, uint64_t user_data);
    // Multishot recv into the provided-buffer group `group_id`.
    void prep_recv_multishot(int fd, uint16_t group_id, uint64_t user_data);
    // Multishot recvmsg into the provided-buffer group: each buffer carries the
    // kernel's header, the socket's receive timestamp, then the bytes. The
    // socket must have SO_TIMESTAMPNS on (make_tcp_socket(family, true)).
    void prep_recvmsg_multishot(int fd, uint16_t group_id, uint64_t user_data);
    // Reads a recvmsg_multishot completion's buffer (res > 0). len 0: the peer
    // closed (the kernel still writes its header), or the buffer was too short.
    Received received_message(const Completion& completion);
    void prep_close(int fd, uint64_t user_data);
    void prep_accept_multishot(int listen_fd, uint64_t user_data);

    // Submits queued SQEs and waits for at least `wait_nr` completions or until
    // `timeout_ns` (relative, >= 0) elapses; timeout_ns < 0 waits without limit.
    // Returns the number of SQEs submitted, or -errno (-ETIME on timeout is not an error).
    int submit_and_wait(unsigned wait_nr, int64_t timeout_ns);

    // Calls fn(const Completion&) for every ready CQE and marks them seen once.
    template <typename Fn>
    unsigned for_each_completion(Fn&& fn);

    // Provided-buffer ring (group `group_id`): count buffers of buffer_bytes each.
    base::Status setup_buffer_ring(uint16_t group_id, unsigned count, unsigned buffer_bytes);
    char* buffer_data(uint16_t buffer_id);
    // Gives a buffer back to the kernel (published at the next submit).
    void recycle_buffer(uint16_t buffer_id);

    unsigned cq_entries() const { return cq_entries_; }

private:
    Ring() = default;
    unsigned peek_completions(Completion* out, unsigned max);
    void* next_sqe();
    void publish_recycled_buffers();

    std::unique_ptr<io_uring> ring_;
    unsigned cq_entries_ = 0;
    // Provided-buffer ring.
    void* buf_ring_ = nullptr;
    std::size_t buf_ring_bytes_ = 0;
    char* buffers_ = nullptr;
    unsigned buffer_count_ = 0;
    unsigned buffer_bytes_ = 0;
    uint16_t buffer_group_ = 0;
    unsigned buffers_recycled_pending_ = 0;
    // recvmsg multishot reads msg_namelen and msg_controllen from this template.
    msghdr recvmsg_template_{};
};

template <typename Fn>
unsigned Ring::for_each_completion(Fn&& fn) {
    Completion batch[256];
    unsigned total = 0;
    for (;;) {
        const unsigned n = peek_completions(batch, 256);
        for (unsigned i = 0; i < n; ++i) {
            fn(static_cast<const Completion&>(batch[i]));
        }
        total += n;
        if (n < 256) {
            return total;
        }
    }
}

// Creates a TCP socket for `family` with TCP_NODELAY set (setsockopt cannot go
// through the ring in liburing 2.3), and with rx_timestamps SO_TIMESTAMPNS, so
// each read reports when its last packet arrived. Returns the fd or -errno.
// AF_UNIX (--unix-socket) gives a Unix stream socket, without TCP_NODELAY.
int make_tcp_socket(int family, bool rx_timestamps = false);

// Binds the socket `fd` to the local address `source` (port 0) with
// IP_BIND_ADDRESS_NO_PORT, so the kernel picks the port at connect time, per
// destination: each source then has the whole local port range for every
// destination address and port. Returns 0 or -errno (EADDRNOTAVAIL: not an
// address of this machine).
int bind_source_address(int fd, const sockaddr* source, socklen_t len);

// Creates a listening TCP socket bound to host:port with SO_REUSEADDR and
// SO_REUSEPORT (one per server thread). Returns the fd or an error.
base::Result<int> make_listen_socket(const sockaddr* addr, socklen_t len, int backlog);

}  // namespace barrage::io
