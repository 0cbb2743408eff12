// Test hook for the kill tests: ONSHI_FAILPOINT("after_01req") kills the process (SIGKILL) right there
// when the environment variable ONSHI_FAILPOINT names that point.
//
// Only in a test build: compiled with -DONSHI_FAILPOINTS (the check_PROGRAMS daemon
// tests/bin/orca-onshid-fp, see Makefile.am). Everywhere else the macro is empty: the installed
// programs hold neither the variable's name nor the points' names (tests/integration/failpoints.sh).
#pragma once

#ifdef ONSHI_FAILPOINTS

#include "core/log.hpp"

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace onshi::failpoint {

inline void hit(const char* name) {
    const char* fp = std::getenv("ONSHI_FAILPOINT");
    if (fp && std::string_view(fp) == name) {
        log::warning("failpoint %s: killing this process", name);
        std::raise(SIGKILL);
    }
}

}  // namespace onshi::failpoint

#define ONSHI_FAILPOINT(name) ::onshi::failpoint::hit(name)
#define ONSHI_FAILPOINTS_BUILT 1

#else

#define ONSHI_FAILPOINT(name) ((void)0)
#define ONSHI_FAILPOINTS_BUILT 0

#endif
