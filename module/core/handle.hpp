// One holder for every C handle: Handle<T, Free> owns a T (a pointer, or an integer such as a
// descriptor or a PC/SC context) and calls Free on it once, when the holder ends or is reset.
// Move-only. Pure C++: the adapters name their own types and free functions, e.g.
//   using Result = Handle<PGresult*, PQclear>;            (db/pg.hpp)
//   using UniqueFd = Handle<int, close_fd, -1>;           (app/unique_fd.hpp)
// Free may return a value (close(), xmlFreeDoc…): it is ignored; a holder never throws.
#pragma once

#include <utility>

namespace onshi {

template <typename T, auto Free, T Null = T{}>
class Handle {
public:
    Handle() noexcept = default;
    explicit Handle(T h) noexcept : h_(h) {}
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, Null)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) reset(std::exchange(o.h_, Null));
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    [[nodiscard]] T get() const noexcept { return h_; }
    [[nodiscard]] explicit operator bool() const noexcept { return h_ != Null; }
    // Gives the handle up without freeing it.
    [[nodiscard]] T release() noexcept { return std::exchange(h_, Null); }
    // Frees the handle held (if any) and holds h.
    void reset(T h = Null) noexcept {
        const T old = std::exchange(h_, h);
        if (old != Null) (void)Free(old);
    }
    // For a C function that writes a new handle through a pointer: frees the one held first.
    [[nodiscard]] T* out() noexcept {
        reset();
        return &h_;
    }

private:
    T h_ = Null;
};

}  // namespace onshi
