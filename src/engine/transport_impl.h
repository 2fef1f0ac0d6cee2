#pragma once
// Private to engine: the transport seam. What a connection does to move bytes
// (start once connected, send the request, take a send's completion, take
// received bytes, tell whether request bytes are still on their way, close)
// is chosen here and nowhere else; the completion switch and the request and
// response logic call these and never ask whether the target is https.
//
// Static dispatch on purpose: a worker's transport is fixed for the run, the
// switch predicts perfectly and inlines into the callers (this is the
// per-completion path), where a virtual call per completion would not.

#include "barrage/base/assert.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

inline base::Status Worker::transport_setup() {
    switch (transport_) {
        case Transport::plain:
            return base::Ok{};
        case Transport::tls:
            return tls_setup();
    }
    __builtin_unreachable();  // a switch over every Transport
}

// TCP is up: plain can carry requests now, TLS starts its handshake.
inline void Worker::transport_connected(uint32_t slot, int64_t now) {
    switch (transport_) {
        case Transport::plain:
            mark_established(slot, now);
            return;
        case Transport::tls:
            tls_start_handshake(slot, now);
            return;
    }
}

// The request was prepared (conn.request): its bytes start on their way.
inline void Worker::transport_send_request(uint32_t slot, int64_t now) {
    switch (transport_) {
        case Transport::plain:
            plain_send(slot);
            return;
        case Transport::tls:
            tls_flush(slot, now);
            return;
    }
}

inline void Worker::transport_on_send(uint32_t slot, int res, int64_t now) {
    switch (transport_) {
        case Transport::plain:
            plain_on_send(slot, res, now);
            return;
        case Transport::tls:
            tls_on_send(slot, res, now);
            return;
    }
}

// Bytes read from the socket (TLS: ciphertext); the response's bytes reach on_bytes.
inline void Worker::transport_on_bytes(uint32_t slot, const char* data, std::size_t len,
                                       int64_t now) {
    switch (transport_) {
        case Transport::plain:
            on_bytes(slot, data, len, now);
            return;
        case Transport::tls:
            tls_on_bytes(slot, data, len, now);
            return;
    }
}

// Whether part of the request in flight has not been taken by the kernel yet.
inline bool Worker::transport_bytes_left(const Connection& conn) const {
    switch (transport_) {
        case Transport::plain:
            return plain_bytes_left(conn);
        case Transport::tls:
            return tls_bytes_left(conn);
    }
    __builtin_unreachable();  // a switch over every Transport
}

// The socket is closing: what the transport holds for it goes.
inline void Worker::transport_close(Connection& conn) {
    switch (transport_) {
        case Transport::plain:
            return;
        case Transport::tls:
            tls_close(conn);
            return;
    }
}

}  // namespace barrage::engine::detail
