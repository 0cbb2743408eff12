// The OQS result documents the simulator writes (01res, 02res), as oqs-interface.md §4 describes
// them. Written with libxml2's xmlTextWriter; the bytes returned are already in the document's
// encoding (Shift_JIS output carries characters Shift_JIS cannot hold as numeric references).
#pragma once

#include "population.hpp"

#include <string>
#include <vector>

namespace onshi::sim {

enum class Encoding { utf8, shift_jis };
enum class Wrapper { none, resultlist, mixed };               // ResultList around the results?
enum class PharmaSpelling { pharmacists, pharmaceutical, mixed };

struct ResultStyle {
    Encoding encoding = Encoding::utf8;
    Wrapper wrapper = Wrapper::mixed;                          // mixed: even unit positions wrapped
    PharmaSpelling pharma = PharmaSpelling::mixed;             // mixed: odd positions Pharmaceutical
};

struct Header01 {
    std::string process_execution_time;    // YYYYMMDDHHMMSS
    std::string institution_code;
    std::string file_id;                   // ArbitraryFileIdentifier
    std::string reception_number;
    std::string reception_date_time;       // YYYYMMDDHHMMSS
};

struct Header02 {
    std::string process_execution_time;    // YYYYMMDDHHMMSS
    std::string confirmation_date;         // QualificationConfirmationDate YYYYMMDD (also 医療券 month)
    std::string institution_code;
    std::string file_id;
    std::string reception_number;
    std::string segment = "1";             // SegmentOfResult: units are written only for "1"
    std::string error_code, error_message;
};

std::string write_01res(const ResultStyle& style, const Header01& header);
std::string write_02res(const ResultStyle& style, const Header02& header, const std::vector<const Person*>& units);

// Fault injection: the document cut off inside its middle BulkConfirmUnit (no longer well-formed).
std::string truncate_in_unit(const std::string& xml);

// Plain text (the .err files) in the given encoding.
std::string encode_text(const std::string& utf8, Encoding encoding);

}  // namespace onshi::sim
