// Result<T>: a value or an Error. Expected failures are values, never exceptions.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace restock {

// What went wrong, in terms a caller can act on. The HTTP layer maps each code to a status.
enum class ErrorCode {
    kInvalidArgument,  // the request is malformed or breaks a rule (400)
    kNotFound,         // the named thing does not exist (404)
    kAlreadyExists,    // creating something that exists (409)
    kConflict,         // the state forbids it: not enough stock, negative stock (409)
    kUnprocessable,    // well-formed but unusable: unknown SKU, idempotency key reuse (422)
    kUnavailable,      // the store cannot take writes right now; nothing changed (503)
    kStoreLost,        // the writer lost track of the store: a commit's outcome is unknown, or
                       // another node writes now (503; the writer must reload)
    kInternal,         // a bug or corrupted state (500)
};

struct Error {
    ErrorCode code;
    std::string slug;     // stable machine name, e.g. "insufficient-stock"
    std::string message;  // human detail
};

inline Error make_error(ErrorCode code, std::string slug, std::string message) {
    return Error{code, std::move(slug), std::move(message)};
}

// The common 400: a request that is malformed or breaks a rule; the message names the field.
inline Error invalid_request(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-request", std::move(message));
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : data_(std::move(error)) {}  // NOLINT

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // REQUIRES: ok()
    T& value() & {
        assert(ok());
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(data_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }

    // REQUIRES: !ok()
    const Error& error() const {
        assert(!ok());
        return std::get<1>(data_);
    }

  private:
    std::variant<T, Error> data_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace restock
