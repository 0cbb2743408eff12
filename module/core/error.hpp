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
    // An error about one field of a request (a Params field, a form field): its name as the field
    // table spells it ("consent_from"), so each front end can point at it in its own way.
    Error(Errc code, const std::string& message, std::string field)
        : std::runtime_error(message), code_(code), field_(std::move(field)) {}
    [[nodiscard]] Errc code() const noexcept { return code_; }
    [[nodiscard]] const std::string& field() const noexcept { return field_; }  // "" = not about one field

private:
    Errc code_;
    std::string field_;
};

// Process exit status for an error code (CLI contract, documented in the README).
int exit_status(Errc c) noexcept;

}  // namespace onshi
