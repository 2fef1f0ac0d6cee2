// The plain transport: the request's bytes go to the socket as they are,
// one send at a time, the rest again after a short send.

#include <cstring>

#include "barrage/base/assert.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

void Worker::plain_send(uint32_t slot) {
    Connection& conn = connections_[slot];
    const std::string_view bytes = conn.request.bytes;
    const std::size_t offset = conn.request.send_offset;
    BARRAGE_ASSERT(offset < bytes.size() && !conn.socket.send_pending);  // one send at a time
    conn.socket.send_pending = true;
    ring_->prep_send(conn.socket.fd, bytes.data() + offset, bytes.size() - offset,
                     user_data(op_send, slot));
}

void Worker::plain_on_send(uint32_t slot, int res, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.state == ConnState::busy || conn.state == ConnState::finishing_send);
    conn.socket.send_pending = false;
    if (res < 0) {
        if (conn.state == ConnState::busy) {
            fail_request(slot, transfer_error_kind(-res), std::strerror(-res), now);
        } else {
            // The response arrived, yet the socket broke: start afresh.
            ++current_->counters.reconnects;
            reopen_connection(slot, now);
        }
        return;
    }
    current_->counters.bytes_sent += res;
    conn.request.send_offset += static_cast<std::size_t>(res);
    if (conn.request.send_offset < conn.request.bytes.size()) {
        plain_send(slot);  // short send: the socket buffer was full
        return;
    }
    if (pipeline_depth_ > 1 && take_staged(slot)) {
        plain_send(slot);  // requests started while this send was on its way
        return;
    }
    if (conn.state == ConnState::finishing_send) {
        become_idle(slot, now);  // the answered request is out at last
    }
}

bool Worker::plain_bytes_left(const Connection& conn) {
    return conn.socket.send_pending || conn.request.send_offset < conn.request.bytes.size();
}

}  // namespace barrage::engine::detail
