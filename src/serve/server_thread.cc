#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/io/ring.h"
#include "barrage/io/user_data.h"
#include "job_impl.h"
#include "leak_impl.h"
#include "request_framer_impl.h"
#include "server_thread_impl.h"

namespace barrage::serve::detail {
namespace {

constexpr std::size_t recv_buffer_bytes = detail::request_header_bytes_max;
constexpr std::size_t send_buffer_bytes = 16 * 1024;
constexpr std::size_t response_head_bytes_max = 256;
static_assert(response_head_bytes_max < send_buffer_bytes);
constexpr unsigned sq_entries = 256;
// The kernel's CQ limit; past it the kernel keeps overflowed CQEs (IORING_FEAT_NODROP).
constexpr unsigned cq_entries_max = 65536;
// Read and dropped after a final response before closing anyway (see linger()).
constexpr std::size_t linger_bytes_max = 256 * 1024;

enum Op : uint8_t { op_accept = 1, op_recv, op_send, op_close };

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Status";
    }
}

bool is_bodyless(int status) { return status == 204 || status == 304; }

// Fixed answers of /login and /json, for the example profiles: a token to
// capture, and a document with a number to check (profiles/journey.toml).
constexpr std::string_view login_body = "{\"token\": \"barrage-demo-token\"}\n";
constexpr std::string_view json_body =
    "{\"prediction\": {\"score\": 42.5, \"label\": \"cat\"}, \"ok\": true, "
    "\"items\": [1, 2, 3]}\n";
static_assert(json_body.size() + response_head_bytes_max < send_buffer_bytes);
static_assert(job_body_bytes_max + response_head_bytes_max < send_buffer_bytes);

// The job endpoint's errors (job_impl.h), each saying how to ask instead.
constexpr std::string_view job_bad_wait_body =
    "{\"error\": \"ready must be a whole number of ms, s or m up to 60s, e.g. "
    "POST /jobs?ready=250ms\"}\n";
constexpr std::string_view job_unknown_body =
    "{\"error\": \"no such job: poll GET /jobs/ID with an id from POST /jobs\"}\n";
constexpr std::string_view job_submit_method_body =
    "{\"error\": \"POST /jobs submits a job; poll it with GET /jobs/ID\"}\n";
constexpr std::string_view job_poll_method_body =
    "{\"error\": \"GET /jobs/ID polls a job; submit one with POST /jobs\"}\n";
// A poll's room is checked for job_body_bytes_max; an unknown id answers this instead.
static_assert(job_unknown_body.size() <= job_body_bytes_max);

// The content of a route whose answer is fixed; job_submit and job_poll are
// written per request (job_document), the plain route is the plan's body.
std::string_view fixed_content(Route route) {
    switch (route) {
        case Route::login:
            return login_body;
        case Route::json:
            return json_body;
        case Route::job_bad_wait:
            return job_bad_wait_body;
        case Route::job_unknown:
            return job_unknown_body;
        case Route::job_submit_method:
            return job_submit_method_body;
        case Route::job_poll_method:
            return job_poll_method_body;
        case Route::plain:
        case Route::job_submit:
        case Route::job_poll:
            break;
    }
    BARRAGE_ASSERT_MSG(false, "a route without a fixed answer");
    return {};
}

// RFC 9110 15.5.6: a 405 names the methods the path takes.
const char* allow_header(Route route) {
    switch (route) {
        case Route::job_submit_method:
            return "Allow: POST\r\n";
        case Route::job_poll_method:
            return "Allow: GET, HEAD\r\n";
        default:
            return "";
    }
}

// Writes the status line and headers; returns their length.
std::size_t write_head(char* out, const FramedRequest& request, std::size_t body_bytes) {
    const int status = request.response_status;
    const char* connection = request.close    ? "Connection: close\r\n"
                             : request.http10 ? "Connection: keep-alive\r\n"
                                              : "";
    const auto written =
        is_bodyless(status)
            ? fmt::format_to_n(out, response_head_bytes_max, "HTTP/1.1 {} {}\r\n{}\r\n", status,
                               reason_phrase(status), connection)
            : fmt::format_to_n(out, response_head_bytes_max,
                               "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n"
                               "Content-Type: {}\r\n{}{}\r\n",
                               status, reason_phrase(status), body_bytes,
                               request.route == Route::plain ? "text/plain" : "application/json",
                               allow_header(request.route), connection);
    BARRAGE_ASSERT(written.size <= response_head_bytes_max);
    return written.size;
}

struct Connection {
    int fd = -1;
    uint32_t slot = 0;
    uint32_t generation = 0;
    // Allocated on the slot's first use and kept: 32 KiB for each of 65536
    // possible connections up front would cost 2 GiB for a test target.
    std::unique_ptr<char[]> in;   // recv_buffer_bytes
    std::unique_ptr<char[]> out;  // send_buffer_bytes
    std::size_t in_len = 0;
    std::size_t out_len = 0;
    std::size_t out_sent = 0;
    bool body_outside = false;  // the plan body follows `out`, sent from the plan (too big)
    std::size_t body_sent = 0;
    bool close_after_send = false;
    bool lingering = false;  // the last response is sent: reading until the client closes
    std::size_t lingered_bytes = 0;
    uint64_t discard_bytes = 0;  // request body still to read and drop
    FramedRequest waiting;       // answered once its body is dropped
};

// Delays are all equal, so due times arrive in order: a FIFO is a priority queue.
struct Deadline {
    uint32_t slot = 0;
    uint32_t generation = 0;
    int64_t due_ns = 0;
};

class DeadlineQueue {
public:
    explicit DeadlineQueue(std::size_t capacity) : items_(capacity) {}
    bool empty() const { return count_ == 0; }
    const Deadline& front() const { return items_[head_]; }
    void push(const Deadline& deadline) {
        BARRAGE_ASSERT(count_ < items_.size());  // one entry per connection at most
        BARRAGE_ASSERT(empty() ||
                       items_[(head_ + count_ - 1) % items_.size()].due_ns <= deadline.due_ns);
        items_[(head_ + count_) % items_.size()] = deadline;
        ++count_;
    }
    void pop() {
        BARRAGE_ASSERT(count_ > 0);
        head_ = (head_ + 1) % items_.size();
        --count_;
    }

private:
    std::vector<Deadline> items_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

unsigned cq_entries_for(std::size_t connections) {
    // Each connection has one recv or send in flight, plus a close; then accept.
    unsigned entries = sq_entries;
    while (entries < 2 * connections + 64 && entries < cq_entries_max) {
        entries *= 2;
    }
    return entries;
}

// One server thread: its own ring, listening socket and connections. A
// connection has at most one operation in flight: recv, send, or none while
// its responses wait out the delay.
class ServerThread {
public:
    ServerThread(Shared& shared, int listen_fd, std::size_t connections_max, uint32_t thread_index)
        : shared_(shared),
          listen_fd_(listen_fd),
          thread_index_(thread_index),
          slots_(connections_max),
          deadlines_(connections_max),
          queued_(connections_max),
          leak_(static_cast<std::size_t>(shared.plan.leak_per_request_bytes),
                static_cast<std::size_t>(leak_bytes_max / shared.plan.threads)) {
        free_.reserve(connections_max);
        for (std::size_t i = connections_max; i-- > 0;) {
            slots_[i].slot = static_cast<uint32_t>(i);
            free_.push_back(static_cast<uint32_t>(i));
        }
    }
    ~ServerThread() {
        ring_.reset();  // first, so the kernel writes into no freed buffer
        for (const Connection& conn : slots_) {
            if (conn.fd >= 0) {
                ::close(conn.fd);
            }
        }
    }
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    base::Status start();
    base::Status run();

private:
    void dispatch(const io::Completion& completion, int64_t now);
    void on_accept(const io::Completion& completion);
    void adopt(int fd);
    void on_recv(Connection& conn, int32_t res, int64_t now);
    void on_send(Connection& conn, int32_t res, int64_t now);
    void answer_input(Connection& conn, int64_t now);
    void frame_input(Connection& conn, int64_t now);
    bool has_room(const Connection& conn, const FramedRequest& request) const;
    void append_response(Connection& conn, const FramedRequest& request, int64_t now);
    std::string_view answer_job(FramedRequest& request, int64_t now, std::span<char> scratch);
    void start_send(Connection& conn);
    void prep_recv(Connection& conn);
    void linger(Connection& conn);
    void close_connection(Connection& conn);
    void start_service(Connection& conn, int64_t now);
    void release_due(int64_t now);
    int64_t wait_ns(int64_t now) const;
    std::string_view body() const { return shared_.plan.body; }
    // The most a request's answer may carry (before HEAD and status rules).
    std::size_t content_bytes_max(const FramedRequest& request) const {
        switch (request.route) {
            case Route::plain:
                return body().size();
            case Route::job_submit:
            case Route::job_poll:
                return job_body_bytes_max;
            default:
                return fixed_content(request.route).size();
        }
    }
    static uint64_t user_data(Op op, const Connection& conn) {
        return io::UserData{op, conn.generation, conn.slot}.pack();
    }

    Shared& shared_;
    int listen_fd_;
    uint32_t thread_index_;      // in job ids, so that two threads never make the same one
    uint64_t job_sequence_ = 0;  // jobs this thread has made
    std::vector<Connection> slots_;
    std::vector<uint32_t> free_;
    DeadlineQueue deadlines_;
    // --max-inflight: responses in their delay now, and those queued for a turn.
    std::size_t in_service_ = 0;
    DeadlineQueue queued_;
    Leak leak_;  // --leak-per-request (a test aid)
    std::unique_ptr<io::Ring> ring_;
};

base::Status ServerThread::start() {
    auto ring = io::Ring::create(sq_entries, cq_entries_for(slots_.size()));
    if (!ring.ok()) {
        return ring.error();
    }
    ring_ = std::move(ring).value();
    ring_->prep_accept_multishot(listen_fd_, io::UserData{op_accept, 0, 0}.pack());
    const int rc = ring_->submit_and_wait(0, -1);
    if (rc < 0) {
        return base::make_error(fmt::format("cannot start accepting: {}", std::strerror(-rc)));
    }
    return base::Ok{};
}

base::Status ServerThread::run() {
    int64_t now = base::now_ns();
    while (!shared_.stop.load(std::memory_order_relaxed)) {
        const int rc = ring_->submit_and_wait(1, wait_ns(now));
        // -EBUSY/-EAGAIN: the CQ is full for a moment; reaping below makes room.
        if (rc < 0 && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) {
            return base::make_error(fmt::format("io_uring wait failed: {}", std::strerror(-rc)));
        }
        now = base::now_ns();
        ring_->for_each_completion([&](const io::Completion& c) { dispatch(c, now); });
        release_due(now);
    }
    return base::Ok{};
}

int64_t ServerThread::wait_ns(int64_t now) const {
    if (deadlines_.empty()) {
        return stop_poll_ns;
    }
    return std::clamp<int64_t>(deadlines_.front().due_ns - now, 0, stop_poll_ns);
}

void ServerThread::dispatch(const io::Completion& completion, int64_t now) {
    const io::UserData ud = io::UserData::unpack(completion.user_data);
    switch (ud.op) {
        case op_accept:
            on_accept(completion);
            return;
        case op_close:
            return;  // nothing waits on a close
        case op_recv:
        case op_send: {
            BARRAGE_ASSERT(ud.slot < slots_.size());
            Connection& conn = slots_[ud.slot];
            BARRAGE_ASSERT_MSG(conn.fd >= 0 && conn.generation == ud.generation,
                               "a completion for a connection with nothing in flight");
            if (ud.op == op_recv) {
                on_recv(conn, completion.res, now);
            } else {
                on_send(conn, completion.res, now);
            }
            return;
        }
        default:
            BARRAGE_ASSERT_MSG(false, "unknown operation in user_data");
    }
}

void ServerThread::on_accept(const io::Completion& completion) {
    if (completion.res >= 0) {
        adopt(completion.res);
    }
    // Multishot accept ends on errors (e.g. EMFILE) and on overflow: arm it again.
    if (!completion.has_more() && !shared_.stop.load(std::memory_order_relaxed)) {
        ring_->prep_accept_multishot(listen_fd_, io::UserData{op_accept, 0, 0}.pack());
    }
}

void ServerThread::adopt(int fd) {
    if (free_.empty()) {
        ring_->prep_close(fd, io::UserData{op_close, 0, 0}.pack());  // over connections_max
        return;
    }
    Connection& conn = slots_[free_.back()];
    free_.pop_back();
    if (!conn.in) {
        conn.in = std::make_unique_for_overwrite<char[]>(recv_buffer_bytes);
        conn.out = std::make_unique_for_overwrite<char[]>(send_buffer_bytes);
    }
    const uint32_t generation = (conn.generation + 1) & io::UserData::generation_mask;
    std::unique_ptr<char[]> in = std::move(conn.in);
    std::unique_ptr<char[]> out = std::move(conn.out);
    conn = Connection{};
    conn.fd = fd;
    conn.slot = static_cast<uint32_t>(&conn - slots_.data());
    conn.generation = generation;
    conn.in = std::move(in);
    conn.out = std::move(out);
    prep_recv(conn);
}

void ServerThread::prep_recv(Connection& conn) {
    BARRAGE_ASSERT(conn.in_len < recv_buffer_bytes);
    ring_->prep_recv(conn.fd, conn.in.get() + conn.in_len, recv_buffer_bytes - conn.in_len,
                     user_data(op_recv, conn));
}

void ServerThread::on_recv(Connection& conn, int32_t res, int64_t now) {
    if (res <= 0 || (conn.lingering && conn.lingered_bytes > linger_bytes_max)) {
        close_connection(conn);  // 0: the client closed; < 0: reset or error
        return;
    }
    if (conn.lingering) {
        conn.lingered_bytes += static_cast<std::size_t>(res);
        prep_recv(conn);
        return;
    }
    conn.in_len += static_cast<std::size_t>(res);
    answer_input(conn, now);
}

// Answers what the input holds (after the delay), or reads more.
void ServerThread::answer_input(Connection& conn, int64_t now) {
    frame_input(conn, now);
    if (conn.out_len == 0) {
        prep_recv(conn);
    } else if (shared_.plan.delay_ns > 0) {
        start_service(conn, now);
    } else {
        start_send(conn);
    }
}

// Frames every complete request in the input and appends its response, until
// the input ends mid-request, the send buffer is full, or the connection closes.
void ServerThread::frame_input(Connection& conn, int64_t now) {
    std::size_t pos = 0;
    while (!conn.close_after_send && !conn.body_outside) {
        if (conn.discard_bytes > 0) {
            const std::size_t drop =
                static_cast<std::size_t>(std::min<uint64_t>(conn.discard_bytes, conn.in_len - pos));
            pos += drop;
            conn.discard_bytes -= drop;
            if (conn.discard_bytes > 0) {
                break;
            }
            append_response(conn, conn.waiting, now);  // room was checked when it was framed
            continue;
        }
        const FramedRequest request =
            detail::frame_request(std::string_view(conn.in.get() + pos, conn.in_len - pos));
        if (request.status == FrameStatus::partial || !has_room(conn, request)) {
            break;
        }
        // A rejected request poisons the rest of the input: drop it all.
        pos = request.status == FrameStatus::complete ? pos + request.header_bytes : conn.in_len;
        if (request.body_bytes > 0) {
            conn.discard_bytes = request.body_bytes;
            conn.waiting = request;
            continue;
        }
        append_response(conn, request, now);
    }
    std::memmove(conn.in.get(), conn.in.get() + pos, conn.in_len - pos);
    conn.in_len -= pos;
}

bool ServerThread::has_room(const Connection& conn, const FramedRequest& request) const {
    const std::size_t body_bytes = request.head ? 0 : content_bytes_max(request);
    return conn.out_len == 0 ||
           conn.out_len + response_head_bytes_max + body_bytes <= send_buffer_bytes;
}

void ServerThread::append_response(Connection& conn, const FramedRequest& framed, int64_t now) {
    leak_.on_request();
    conn.close_after_send = conn.close_after_send || framed.close;
    char* out = conn.out.get();
    const bool plain_ok = framed.response_status == 200 && !framed.close && !framed.http10 &&
                          !framed.head && framed.route == Route::plain;
    if (plain_ok && conn.out_len + shared_.ok_response.size() <= send_buffer_bytes) {
        std::memcpy(out + conn.out_len, shared_.ok_response.data(), shared_.ok_response.size());
        conn.out_len += shared_.ok_response.size();
        return;
    }
    FramedRequest request = framed;  // a poll may turn out unknown (404)
    std::array<char, job_body_bytes_max> scratch;
    std::string_view content =
        request.route == Route::plain ? body()
        : request.route == Route::job_submit || request.route == Route::job_poll
            ? answer_job(request, now, scratch)
            : fixed_content(request.route);
    // Rejected requests get an empty body: the plan body may be megabytes.
    if (request.status != FrameStatus::complete || is_bodyless(request.response_status)) {
        content = {};
    }
    BARRAGE_ASSERT(conn.out_len + response_head_bytes_max <= send_buffer_bytes);
    conn.out_len += write_head(out + conn.out_len, request, content.size());
    if (request.head || content.empty()) {
        return;  // (and memcpy from an empty view's null data is undefined)
    }
    if (conn.out_len + content.size() <= send_buffer_bytes) {
        std::memcpy(out + conn.out_len, content.data(), content.size());
        conn.out_len += content.size();
    } else {
        BARRAGE_ASSERT(request.route == Route::plain);  // fixed answers always fit
        conn.body_outside = true;
    }
}

// Submits a job (its id says when it is ready) or reads one's state from its
// id, at `now`: nothing is stored, so any thread answers any id.
std::string_view ServerThread::answer_job(FramedRequest& request, int64_t now,
                                          std::span<char> scratch) {
    const int64_t now_ms = now / base::ns_per_ms;
    if (request.route == Route::job_submit) {
        const JobId job{now_ms + request.job_wait_ms, thread_index_, job_sequence_++};
        return job_document(job, job_state(job, now_ms), scratch);
    }
    BARRAGE_ASSERT(request.route == Route::job_poll);
    const JobState state = job_state(request.job, now_ms);
    if (state == JobState::unknown) {
        request.route = Route::job_unknown;
        request.response_status = 404;
        return fixed_content(request.route);
    }
    return job_document(request.job, state, scratch);
}

void ServerThread::start_send(Connection& conn) {
    if (conn.out_sent < conn.out_len) {
        ring_->prep_send(conn.fd, conn.out.get() + conn.out_sent, conn.out_len - conn.out_sent,
                         user_data(op_send, conn));
        return;
    }
    BARRAGE_ASSERT(conn.body_outside && conn.body_sent < body().size());
    ring_->prep_send(conn.fd, body().data() + conn.body_sent, body().size() - conn.body_sent,
                     user_data(op_send, conn));
}

void ServerThread::on_send(Connection& conn, int32_t res, int64_t now) {
    if (res <= 0) {
        close_connection(conn);
        return;
    }
    if (conn.out_sent < conn.out_len) {
        conn.out_sent += static_cast<std::size_t>(res);
    } else {
        conn.body_sent += static_cast<std::size_t>(res);
    }
    if (conn.out_sent < conn.out_len || (conn.body_outside && conn.body_sent < body().size())) {
        start_send(conn);  // a short send
        return;
    }
    conn.out_len = conn.out_sent = conn.body_sent = 0;
    conn.body_outside = false;
    if (conn.close_after_send) {
        linger(conn);
        return;
    }
    answer_input(conn, now);  // pipelined requests may be waiting in the input
}

// Closing with unread input makes the kernel send RST, which can destroy the
// response in flight; so send FIN and read until the client closes (bounded).
void ServerThread::linger(Connection& conn) {
    ::shutdown(conn.fd, SHUT_WR);
    conn.lingering = true;
    conn.in_len = 0;
    prep_recv(conn);
}

void ServerThread::close_connection(Connection& conn) {
    ring_->prep_close(conn.fd, io::UserData{op_close, 0, 0}.pack());
    conn.fd = -1;
    free_.push_back(conn.slot);
}

// The response waits out the delay, or (with --max-inflight, all busy) its
// turn first. A waiting connection has no operation in flight, so it cannot
// close meanwhile.
void ServerThread::start_service(Connection& conn, int64_t now) {
    const auto limit = static_cast<std::size_t>(shared_.plan.max_inflight);
    if (limit > 0 && in_service_ >= limit) {
        queued_.push(Deadline{conn.slot, conn.generation, 0});
        return;
    }
    ++in_service_;
    deadlines_.push(Deadline{conn.slot, conn.generation, now + shared_.plan.delay_ns});
}

void ServerThread::release_due(int64_t now) {
    while (!deadlines_.empty() && deadlines_.front().due_ns <= now) {
        const Deadline due = deadlines_.front();
        deadlines_.pop();
        --in_service_;
        Connection& conn = slots_[due.slot];
        BARRAGE_ASSERT(conn.fd >= 0 && conn.generation == due.generation);
        start_send(conn);
        if (!queued_.empty()) {
            // The next in line starts its delay when a turn frees up, not before.
            const Deadline next = queued_.front();
            queued_.pop();
            Connection& waiting = slots_[next.slot];
            BARRAGE_ASSERT(waiting.fd >= 0 && waiting.generation == next.generation);
            start_service(waiting, now);
        }
    }
}

}  // namespace

std::string build_ok_response(const std::string& body) {
    std::string response(response_head_bytes_max, '\0');
    response.resize(write_head(response.data(), FramedRequest{}, body.size()));
    return response + body;
}

void serve_on_thread(Shared& shared, int listen_fd, std::size_t connections_max,
                     uint32_t thread_index, std::latch& ready, std::string& error) {
    ServerThread server(shared, listen_fd, connections_max, thread_index);
    auto started = server.start();
    if (!started.ok()) {
        error = started.error().message;
        shared.failed = true;
    }
    ready.count_down();
    if (!started.ok()) {
        return;
    }
    if (auto ran = server.run(); !ran.ok()) {
        error = ran.error().message;
        shared.failed = true;
    }
}

}  // namespace barrage::serve::detail
