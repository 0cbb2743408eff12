#include "core/error.hpp"

namespace onshi {

const char* errc_name(Errc c) noexcept {
    switch (c) {
    case Errc::config: return "config";
    case Errc::usage: return "usage";
    case Errc::malformed: return "malformed";
    case Errc::rejected: return "rejected";
    case Errc::timeout: return "timeout";
    case Errc::database: return "database";
    case Errc::io: return "io";
    case Errc::not_found: return "not-found";
    case Errc::card: return "card";
    case Errc::internal: return "internal";
    }
    return "internal";
}

int exit_status(Errc c) noexcept {
    switch (c) {
    case Errc::usage: return 64;
    case Errc::config: return 78;
    case Errc::malformed: return 65;
    case Errc::rejected: return 3;
    case Errc::timeout: return 4;
    case Errc::database: return 5;
    case Errc::io: return 74;
    case Errc::not_found: return 6;
    case Errc::card: return 7;
    case Errc::internal: return 70;
    }
    return 70;
}

}  // namespace onshi
