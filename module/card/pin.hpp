// A PIN held only as long as it is needed: fixed storage, zeroized (explicit_bzero) on clear() and
// on destruction, not copyable, no way to print or log it. It is built from an interactive prompt
// (the terminal without echo, or one line of a non-terminal stdin) or from the screen's form field
// (take(), which wipes the field), never from argv or the environment. The bytes leave it only to be copied into a VERIFY command (see apdu.hpp).
#pragma once

#include "core/error.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string.h>

namespace onshi::card {

class Pin {
public:
    static constexpr std::size_t kMax = 16;

    Pin() = default;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    Pin(Pin&& o) noexcept : len_(o.len_) {
        memcpy(buf_, o.buf_, sizeof buf_);
        o.clear();
    }
    Pin& operator=(Pin&& o) noexcept {
        if (this != &o) {
            memcpy(buf_, o.buf_, sizeof buf_);
            len_ = o.len_;
            o.clear();
        }
        return *this;
    }
    ~Pin() { clear(); }

    // Reads one line from `in` (no echo when `in` is a terminal; the prompt goes to stderr).
    // Characters beyond kMax are read and discarded, and the PIN is then refused as too long.
    static Pin prompt(const char* text, std::FILE* in = stdin) {
        Pin p;
        const int fd = fileno(in);
        const bool tty = fd >= 0 && isatty(fd);
        struct termios old{};
        if (tty) {
            std::fputs(text, stderr);
            std::fflush(stderr);
            tcgetattr(fd, &old);
            struct termios quiet = old;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            tcsetattr(fd, TCSAFLUSH, &quiet);
        }
        bool too_long = false;
        // From a real descriptor one byte at a time with read(2): no stdio buffer keeps a copy.
        auto next = [&]() -> int {
            if (fd < 0) return std::getc(in);
            unsigned char ch = 0;
            ssize_t n;
            while ((n = ::read(fd, &ch, 1)) < 0 && errno == EINTR) {}
            const int v = n == 1 ? ch : EOF;
            ch = 0;
            return v;
        };
        int c;
        while ((c = next()) != EOF && c != '\n') {
            if (c == '\r') continue;
            if (p.len_ < kMax) p.buf_[p.len_++] = static_cast<std::uint8_t>(c);
            else too_long = true;
        }
        c = 0;
        if (tty) {
            tcsetattr(fd, TCSAFLUSH, &old);
            std::fputc('\n', stderr);
        }
        if (too_long) {
            p.clear();
            throw Error(Errc::usage, "the PIN is too long");
        }
        return p;
    }

    // From a form field of the screens (orca-onshid): copied, and the field wiped either way.
    static Pin take(std::string& field) {
        Pin p;
        const bool too_long = field.size() > kMax;
        if (!too_long) {
            memcpy(p.buf_, field.data(), field.size());
            p.len_ = field.size();
        }
        explicit_bzero(field.data(), field.size());
        field.clear();
        if (too_long) throw Error(Errc::usage, "the PIN is too long");
        return p;
    }

    void clear() noexcept {
        explicit_bzero(buf_, sizeof buf_);
        len_ = 0;
    }
    [[nodiscard]] std::size_t size() const noexcept { return len_; }
    [[nodiscard]] bool empty() const noexcept { return len_ == 0; }
    // Exactly n ASCII digits (the 利用者証明用 and 入力補助 PINs are 4 digits).
    [[nodiscard]] bool is_digits(std::size_t n) const noexcept {
        if (len_ != n) return false;
        for (std::size_t i = 0; i < len_; ++i)
            if (buf_[i] < '0' || buf_[i] > '9') return false;
        return true;
    }
    // The PIN bytes, for building a VERIFY command only.
    [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return {buf_, len_}; }
    // The whole storage (tests check it is zero after clear()).
    [[nodiscard]] std::span<const std::uint8_t, kMax> storage() const noexcept { return std::span<const std::uint8_t, kMax>(buf_, kMax); }

private:
    std::uint8_t buf_[kMax]{};
    std::size_t len_ = 0;
};

}  // namespace onshi::card
