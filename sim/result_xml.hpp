// The OQS result documents the simulator writes (01res, 02res), as oqs-interface.md §4 describes
// them. Written with libxml2's xmlTextWriter; the bytes returned are already in the document's
// encoding (Shift_JIS output carries characters Shift_JIS cannot hold as numeric references).
#pragma once

#include "population.hpp"

#include <optional>
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

// QualificationConfirmSearchInfo as a unit echoes it. Empty values are left out, except the
// branch when `branch_number` holds a value (後期: present and empty).
struct SearchEcho {
    std::string insurer_number, card_symbol, identification_number;
    std::optional<std::string> branch_number;
    std::string birthdate;
    std::string limit_cons_flg;            // LimitApplicationCertificateRelatedConsFlg
    std::string reference_number;          // OQSmuimm: the ReferenceNumber asked for
    std::string arbitrary_identifier;
};

// What one BulkConfirmUnit says. The results are written from `person`, as the flags select.
struct Unit {
    const Person* person = nullptr;        // nullptr: no results whatever the flags say
    SearchEcho search;
    std::string status = "1";              // ProcessingResultStatus (OQSCD004)
    std::string result_code, result_message;  // ProcessingResultCode / -Message
    std::string validity = "1";            // QualificationValidity (OQSCD006), "" = left out
    bool insurance = false;                // the 保険 result
    bool welfare = false;                  // the 医療扶助 (A1) result
    bool medical_tickets = true;           // A1 with its MedicalTicketInfo (false: not yet uploaded)
    std::string ticket_month;              // YYYYMM of the 医療券; "" = QualificationConfirmationDate's
    std::string ratio, expiration_date;    // replace the 保険 result's values when not ""
    std::string reference_number;          // ReferenceNumber, "" = left out
    std::string prescription_issue;        // PrescriptionIssueSelect of the 保険 result, "" = left out

    // ResultOfQualificationConfirmation elements written.
    [[nodiscard]] int results() const {
        return person ? (insurance && person->insurance ? 1 : 0) + (welfare && person->welfare ? 1 : 0) : 0;
    }
};

std::string write_01res(const ResultStyle& style, const Header01& header);
std::string write_02res(const ResultStyle& style, const Header02& header, const std::vector<Unit>& units);

// The error answer to a 薬剤情報 / 特定健診 request (no PDF): XmlMsg/MessageHeader/
// ArbitraryFileIdentifier, XmlMsg/MessageBody/{ResultCode, MessageContents}.
std::string write_document_error(const ResultStyle& style, const std::string& file_id, const std::string& result_code,
                                 const std::string& message);

// Fault injection: the document cut off inside its middle BulkConfirmUnit (no longer well-formed).
std::string truncate_in_unit(const std::string& xml);

// Plain text (the .err files) in the given encoding.
std::string encode_text(const std::string& utf8, Encoding encoding);

}  // namespace onshi::sim
