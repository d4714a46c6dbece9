// A response that does not end: Server-Sent Events. The Api answers with a StreamSource; the
// server writes the response's header, then attaches the connection as the source's sink, and
// the source pushes the body to it for as long as it runs.
#pragma once

#include <memory>
#include <string>

namespace restock::http {

// The connection a stream writes to. Thread-safe.
class StreamSink {
  public:
    virtual ~StreamSink() = default;
    // Queues bytes for the client. False once the connection has closed, or when the client
    // has fallen too far behind (the connection is then closed): the stream ends.
    virtual bool push(std::string bytes) = 0;
    virtual bool open() const = 0;
    // Ends the stream: the connection closes once what is queued is out.
    virtual void close() = 0;
};

class StreamSource {
  public:
    virtual ~StreamSource() = default;
    // Called once, on the connection's I/O thread, after the response header is written; with
    // null when no stream follows after all (a HEAD): the source lets go of it.
    virtual void attach(std::shared_ptr<StreamSink> sink) = 0;
};

}  // namespace restock::http
