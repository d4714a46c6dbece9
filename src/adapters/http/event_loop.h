// EventLoop: one thread's epoll loop for the HTTP server. A socket is registered once,
// edge-triggered for reading and writing, and its handler keeps track of readiness itself: a
// read that returns less than it asked for has emptied the socket, and new bytes bring a new
// event. So a connection reads when there is something to read. Asio's reactor tries a receive
// as soon as a read is started, and a server starts the next read right after a response, when
// the client has not answered yet: under the HTTP benchmark half of those receives found
// nothing. (Its async_wait instead re-arms the socket with epoll_ctl each time.)
//
// Other threads hand work to the loop with post(). Every `tick` the loop calls on_tick (the
// server's deadline sweep).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"

namespace restock::http {

class EventLoop {
  public:
    class Handler {
      public:
        // `events`: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR as epoll reported them.
        virtual void on_event(uint32_t events) = 0;

      protected:
        ~Handler() = default;
    };

    static Result<std::unique_ptr<EventLoop>> create(std::chrono::milliseconds tick);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Loop thread only (or before run()). False with errno set if epoll refused the socket.
    bool add(int fd, Handler* handler, uint32_t events);
    void remove(int fd);
    // Keeps `object` alive until this round of the loop (its events, posted tasks and tick) is
    // done, so that a handler may drop its last owner from inside its own on_event.
    void release_later(std::shared_ptr<void> object);

    // Any thread. Tasks run on the loop thread, in order.
    void post(std::function<void()> task);
    bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

    // Runs until stop(); calls on_tick every tick.
    void run(const std::function<void()>& on_tick);
    void stop();  // any thread

  private:
    EventLoop(int epoll_fd, int wake_fd, std::chrono::milliseconds tick);
    void wake();
    void run_posted();

    const int epoll_fd_;
    const int wake_fd_;  // eventfd: post() and stop() wake a sleeping loop through it
    const std::chrono::milliseconds tick_;
    std::atomic<std::thread::id> thread_id_{};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<std::function<void()>> posted_;  // guarded by mutex_
    std::vector<std::shared_ptr<void>> releasing_;
};

}  // namespace restock::http
