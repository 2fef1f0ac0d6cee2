#include "barrage/io/ring.h"

#include <liburing.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "barrage/base/assert.h"

namespace barrage::io {

bool Completion::has_more() const { return (flags & IORING_CQE_F_MORE) != 0; }
bool Completion::has_buffer() const { return (flags & IORING_CQE_F_BUFFER) != 0; }
uint16_t Completion::buffer_id() const {
    return static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
}

namespace {

// Tries the fast-path flags first; older kernels answer -EINVAL and we drop
// them one group at a time (the ring works without them, just slower).
// CLAMP: sizes above the kernel's maximum (32768 SQ, 65536 CQ entries) are
// cut to it instead of refused; Ring::create checks what that means.
int init_ring(io_uring* ring, unsigned sq_entries, unsigned cq_entries, unsigned& features) {
    const unsigned base_flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
    const unsigned attempts[] = {
        base_flags | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        base_flags | IORING_SETUP_COOP_TASKRUN,
        base_flags,
    };
    int rc = -EINVAL;
    for (unsigned flags : attempts) {
        io_uring_params params{};
        params.flags = flags;
        params.cq_entries = cq_entries;
        rc = io_uring_queue_init_params(sq_entries, ring, &params);
        if (rc == 0) {
            features = params.features;
            return 0;
        }
        if (rc != -EINVAL) {
            return rc;
        }
    }
    return rc;
}

std::string ring_too_small_message(unsigned wanted, unsigned got) {
    return "cannot create io_uring: " + std::to_string(wanted) +
           " completion entries are needed, this kernel allows " + std::to_string(got) +
           " and cannot hold more (no IORING_FEAT_NODROP): use more workers (-t) or fewer "
           "connections (-c)";
}

}  // namespace

base::Result<std::unique_ptr<Ring>> Ring::create(unsigned sq_entries, unsigned cq_entries) {
    BARRAGE_ASSERT(sq_entries > 0 && cq_entries >= sq_entries);
    std::unique_ptr<Ring> ring(new Ring());
    ring->ring_ = std::make_unique<io_uring>();
    unsigned kernel_features = 0;
    const int rc = init_ring(ring->ring_.get(), sq_entries, cq_entries, kernel_features);
    if (rc != 0) {
        ring->ring_.reset();
        std::string hint = (rc == -ENOMEM) ? " (raise the locked-memory limit: ulimit -l)" : "";
        if (rc == -EPERM || rc == -ENOSYS) {
            hint =
                " (io_uring is disabled or unsupported here: check sysctl "
                "kernel.io_uring_disabled)";
        }
        return base::make_error("cannot create io_uring: " + std::string(std::strerror(-rc)) +
                                hint);
    }
    ring->cq_entries_ = ring->ring_->cq.ring_entries;
    // A clamped CQ may overflow at a burst; the kernel then keeps the extra
    // completions (NODROP, Linux 5.5+) and hands them over later. Without that
    // they would be lost and their connections hang: refuse instead.
    if (ring->cq_entries_ < cq_entries && (kernel_features & IORING_FEAT_NODROP) == 0) {
        return base::make_error(ring_too_small_message(cq_entries, ring->cq_entries_));
    }
    // Saves the file lookup in every io_uring_enter; older kernels refuse and
    // the ring works as before.
    io_uring_register_ring_fd(ring->ring_.get());
    return ring;
}

Ring::~Ring() {
    if (!ring_) {
        return;
    }
    if (buf_ring_ != nullptr) {
        io_uring_unregister_buf_ring(ring_.get(), buffer_group_);
        munmap(buf_ring_, buf_ring_bytes_);
        delete[] buffers_;
    }
    io_uring_queue_exit(ring_.get());
}

void* Ring::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
    if (sqe == nullptr) {
        // SQ full: hand the batch to the kernel and take a fresh entry.
        io_uring_submit(ring_.get());
        sqe = io_uring_get_sqe(ring_.get());
    }
    BARRAGE_ASSERT_MSG(sqe != nullptr, "io_uring SQ still full after submit");
    return sqe;
}

void Ring::prep_connect(int fd, const sockaddr* addr, socklen_t len, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_connect(sqe, fd, addr, len);
    io_uring_sqe_set_data64(sqe, user_data);
}

void Ring::prep_send(int fd, const void* data, std::size_t len, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    // MSG_WAITALL: the kernel finishes a send the socket buffer cut short
    // itself (Linux 5.18+), so a large request needs no wake-up to go on.
    io_uring_prep_send(sqe, fd, data, len, MSG_NOSIGNAL | MSG_WAITALL);
    io_uring_sqe_set_data64(sqe, user_data);
}

void Ring::prep_recv(int fd, void* data, std::size_t len, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_recv(sqe, fd, data, len, 0);
    io_uring_sqe_set_data64(sqe, user_data);
}

void Ring::prep_recv_multishot(int fd, uint16_t group_id, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group_id;
    io_uring_sqe_set_data64(sqe, user_data);
}

void Ring::prep_recvmsg_multishot(int fd, uint16_t group_id, uint64_t user_data) {
    if (recvmsg_template_.msg_controllen == 0) {
        recvmsg_template_.msg_controllen = CMSG_SPACE(sizeof(timespec));
    }
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_recvmsg_multishot(sqe, fd, &recvmsg_template_, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group_id;
    io_uring_sqe_set_data64(sqe, user_data);
}

Received Ring::received_message(const Completion& completion) {
    BARRAGE_ASSERT(completion.has_buffer() && completion.res > 0);
    Received received;
    char* buffer = buffer_data(completion.buffer_id());
    io_uring_recvmsg_out* out =
        io_uring_recvmsg_validate(buffer, completion.res, &recvmsg_template_);
    if (out == nullptr) {
        return received;
    }
    received.data = static_cast<const char*>(io_uring_recvmsg_payload(out, &recvmsg_template_));
    received.len = io_uring_recvmsg_payload_length(out, completion.res, &recvmsg_template_);
    for (cmsghdr* cmsg = io_uring_recvmsg_cmsg_firsthdr(out, &recvmsg_template_); cmsg != nullptr;
         cmsg = io_uring_recvmsg_cmsg_nexthdr(out, &recvmsg_template_, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_TIMESTAMPNS &&
            cmsg->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(cmsg), sizeof(ts));
            received.rx_realtime_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
    }
    return received;
}

void Ring::prep_close(int fd, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_close(sqe, fd);
    io_uring_sqe_set_data64(sqe, user_data);
}

void Ring::prep_accept_multishot(int listen_fd, uint64_t user_data) {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    io_uring_prep_multishot_accept(sqe, listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, user_data);
}

int Ring::submit_and_wait(unsigned wait_nr, int64_t timeout_ns) {
    publish_recycled_buffers();
    io_uring_cqe* cqe = nullptr;
    if (timeout_ns < 0) {
        return io_uring_submit_and_wait(ring_.get(), wait_nr);
    }
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    const int rc = io_uring_submit_and_wait_timeout(ring_.get(), &cqe, wait_nr, &ts, nullptr);
    return (rc == -ETIME || rc == -EINTR) ? 0 : rc;
}

unsigned Ring::peek_completions(Completion* out, unsigned max) {
    io_uring_cqe* cqes[256];
    BARRAGE_ASSERT(max <= 256);
    const unsigned n = io_uring_peek_batch_cqe(ring_.get(), cqes, max);
    for (unsigned i = 0; i < n; ++i) {
        out[i].user_data = cqes[i]->user_data;
        out[i].res = cqes[i]->res;
        out[i].flags = cqes[i]->flags;
    }
    io_uring_cq_advance(ring_.get(), n);
    return n;
}

base::Status Ring::setup_buffer_ring(uint16_t group_id, unsigned count, unsigned buffer_bytes) {
    BARRAGE_ASSERT(buf_ring_ == nullptr);
    BARRAGE_ASSERT(count > 0 && count <= 32768 && (count & (count - 1)) == 0);
    buf_ring_bytes_ = count * sizeof(io_uring_buf);
    void* mem =
        mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) {
        return base::make_error("cannot map buffer ring: " + std::string(std::strerror(errno)));
    }
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(mem);
    reg.ring_entries = count;
    reg.bgid = group_id;
    const int rc = io_uring_register_buf_ring(ring_.get(), &reg, 0);
    if (rc != 0) {
        munmap(mem, buf_ring_bytes_);
        return base::make_error("cannot register buffer ring: " + std::string(std::strerror(-rc)));
    }
    buf_ring_ = mem;
    buffer_group_ = group_id;
    buffer_count_ = count;
    buffer_bytes_ = buffer_bytes;
    buffers_ = new char[static_cast<std::size_t>(count) * buffer_bytes];
    auto* br = static_cast<io_uring_buf_ring*>(buf_ring_);
    io_uring_buf_ring_init(br);
    for (unsigned i = 0; i < count; ++i) {
        recycle_buffer(static_cast<uint16_t>(i));
    }
    publish_recycled_buffers();
    return base::Ok{};
}

char* Ring::buffer_data(uint16_t buffer_id) {
    BARRAGE_ASSERT(buffer_id < buffer_count_);
    return buffers_ + static_cast<std::size_t>(buffer_id) * buffer_bytes_;
}

void Ring::recycle_buffer(uint16_t buffer_id) {
    auto* br = static_cast<io_uring_buf_ring*>(buf_ring_);
    io_uring_buf_ring_add(br, buffer_data(buffer_id), buffer_bytes_, buffer_id,
                          io_uring_buf_ring_mask(buffer_count_),
                          static_cast<int>(buffers_recycled_pending_));
    ++buffers_recycled_pending_;
    BARRAGE_ASSERT(buffers_recycled_pending_ <= buffer_count_);
}

void Ring::publish_recycled_buffers() {
    if (buffers_recycled_pending_ == 0) {
        return;
    }
    io_uring_buf_ring_advance(static_cast<io_uring_buf_ring*>(buf_ring_),
                              static_cast<int>(buffers_recycled_pending_));
    buffers_recycled_pending_ = 0;
}

}  // namespace barrage::io
