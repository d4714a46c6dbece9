#include "adapters/http/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace restock::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxEvents = 128;

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create(std::chrono::milliseconds tick) {
    const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
        return make_error(ErrorCode::kUnavailable, "listen-failed",
                          std::string("cannot create an epoll instance: ") + std::strerror(errno));
    }
    const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        const int error = errno;
        ::close(epoll_fd);
        return make_error(ErrorCode::kUnavailable, "listen-failed",
                          std::string("cannot create an eventfd: ") + std::strerror(error));
    }
    std::unique_ptr<EventLoop> loop(new EventLoop(epoll_fd, wake_fd, tick));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;  // the wake-up descriptor
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event) != 0) {
        return make_error(ErrorCode::kUnavailable, "listen-failed",
                          std::string("cannot watch the eventfd: ") + std::strerror(errno));
    }
    return loop;
}

EventLoop::EventLoop(int epoll_fd, int wake_fd, std::chrono::milliseconds tick)
    : epoll_fd_(epoll_fd), wake_fd_(wake_fd), tick_(tick) {}

EventLoop::~EventLoop() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

bool EventLoop::add(int fd, Handler* handler, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = handler;
    return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void EventLoop::remove(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::release_later(std::shared_ptr<void> object) {
    releasing_.push_back(std::move(object));
}

void EventLoop::post(std::function<void()> task) {
    bool was_empty = false;
    {
        std::lock_guard lock(mutex_);
        was_empty = posted_.empty();
        posted_.push_back(std::move(task));
    }
    // A non-empty queue has been announced already and is drained as a whole.
    if (was_empty) wake();
}

void EventLoop::stop() {
    stopping_.store(true);
    wake();
}

void EventLoop::wake() {
    const uint64_t one = 1;
    // EAGAIN only when the counter is saturated: the loop is being woken anyway.
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::run_posted() {
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks) task();
}

void EventLoop::run(const std::function<void()>& on_tick) {
    thread_id_.store(std::this_thread::get_id());
    epoll_event events[kMaxEvents];
    auto next_tick = Clock::now() + tick_;
    while (!stopping_.load()) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now());
        const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents,
                                   static_cast<int>(std::max<int64_t>(0, wait.count())));
        for (int i = 0; i < n; ++i) {
            if (auto* handler = static_cast<Handler*>(events[i].data.ptr)) {
                handler->on_event(events[i].events);
            } else {
                uint64_t count = 0;
                [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
            }
        }
        run_posted();
        if (Clock::now() >= next_tick) {
            on_tick();
            next_tick = Clock::now() + tick_;
        }
        releasing_.clear();  // what this round's handlers, tasks and tick let go of
    }
    run_posted();  // tasks posted before stop() still run (they only release or close)
    releasing_.clear();
}

}  // namespace restock::http
