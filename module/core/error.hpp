// The one error vocabulary of orca-onshi. Errors travel as onshi::Error (thrown inside C++ code,
// caught at the CLI/daemon boundary and at every C callback, which must never let one escape).
#pragma once

#include <stdexcept>
#include <string>

namespace onshi {

enum class Errc {
    config,        // configuration file, group or key is wrong
    usage,         // command line is wrong
    malformed,     // an OQS file is not what the interface allows (XML, codes, dates, zip)
    rejected,      // OQS rejected our request (.err) or ended it (SegmentOfResult 9)
    timeout,       // OQS did not answer within result_timeout_s
    database,      // PostgreSQL refused or is unreachable
    io,            // file system
    not_found,     // a job, facility or file that was asked for does not exist
    card,          // the card reader or the card (no reader, no extended APDU, card removed, PIN refused)
    internal,      // a bug
};

const char* errc_name(Errc c) noexcept;

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    [[nodiscard]] Errc code() const noexcept { return code_; }

private:
    Errc code_;
};

// Process exit status for an error code (CLI contract, documented in the README).
int exit_status(Errc c) noexcept;

}  // namespace onshi
