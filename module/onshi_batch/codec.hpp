// OQS bulk messages: the streaming reader for 01res/02res and the writers for 01req/02req.
// No file or network I/O here: bytes come from a ByteSource the caller supplies.
#pragma once

#include "core/model.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onshi::oqs {

// Upper bounds for what a result file may hold; beyond them the file is malformed.
inline constexpr std::size_t kMaxFieldBytes = 8 * 1024;     // one element's text
inline constexpr int kMaxDepth = 24;                        // element nesting
inline constexpr std::size_t kMaxResultBytes = 512u << 20;  // a whole (decompressed) result

// Reads up to `len` bytes into `buf`; returns the count, 0 at the end, -1 on error (it may throw
// onshi::Error: the codec catches it inside libxml2's callback and rethrows after the parser stops).
using ByteSource = std::function<int(char* buf, int len)>;

class ResultSink {
public:
    virtual ~ResultSink() = default;
    virtual void on_header(const ResultHeader& header) = 0;
    virtual void on_unit(BulkConfirmUnit&& unit) = 0;
};

// Once per process: Shift_JIS is decoded as Windows-31J (CP932), the superset Windows writers use.
void init_codec();

// How a result's bytes are read. A document that declares its encoding (XML declaration with
// encoding=, or a UTF-16 BOM) is read as it says. Without a declaration (oqs-interface.md §8):
// bytes that are valid UTF-8 (with or without a BOM) are UTF-8; otherwise CharacterCodeIdentifier 1
// or bytes that are valid Shift_JIS are read as CP932 (Windows-31J: the JIS and Windows forms of
// 〜 − ‖ — ¢ £ ¬ are the same bytes and arrive as ～ － ∥ ― ￠ ￡ ￢, NEC/IBM extensions such as 髙 﨑 ①
// are kept); anything else is an error.
enum class TextEncoding { declared, utf8, cp932, invalid };
struct EncodingGuess {
    TextEncoding encoding;
    std::string why;  // how it was decided, or (invalid) what is wrong; for messages
};
// Pure: decides from the first bytes of a document. `whole`: `head` is the entire document (then a
// character cut at its end is an error, not the edge of the window).
EncodingGuess sniff_encoding(std::string_view head, bool whole);
// parse_result looks at no more than this before it decides: up to kSniffMaxBytes while the text is
// plain ASCII, kSniffMinBytes once a non-ASCII byte is seen; the window is then fed to the parser,
// so nothing is read twice.
inline constexpr std::size_t kSniffMinBytes = 64 * 1024;
inline constexpr std::size_t kSniffMaxBytes = 1024 * 1024;

// CP932 (Windows-31J) to UTF-8 in pieces, as glibc's iconv (and so libxml2) converts it: a character
// cut by the end of one piece is kept and finished with the next. parse_result runs one on a thread of
// its own for a Shift_JIS document, so that libxml2 reads UTF-8 and the parse thread does no iconv.
class Cp932Decoder {
public:
    Cp932Decoder();  // Error(Errc::internal) if iconv has no CP932
    ~Cp932Decoder();
    Cp932Decoder(const Cp932Decoder&) = delete;
    Cp932Decoder& operator=(const Cp932Decoder&) = delete;
    // Appends the UTF-8 of `in` (after the kept bytes of a cut character) to `out`. `last`: nothing
    // follows, so a character cut at the end is an error. Returns false at the first byte CP932 does
    // not take (`out` then holds the text before it); the decoder is not to be fed again.
    bool feed(std::string_view in, bool last, std::string& out);
    std::size_t kept() const;  // bytes of a cut character held for the next piece

private:
    struct State;
    std::unique_ptr<State> s_;
};

// Streams a 01res/02res document. The header first (with the body fields of a 01res), once, when the
// first BulkConfirmUnit opens or the document ends; then each BulkConfirmUnit as it ends, so memory does not grow with the number of units. Throws
// Error(Errc::malformed) naming `what` on bad XML, a DTD or entity, wrong root, too deep or too long,
// or text that is not valid in its declared or sniffed encoding (sniff_encoding).
// Returns the number of units delivered.
std::size_t parse_result(const ByteSource& source, std::string_view what, ResultSink& sink);

// Request writers (UTF-8 documents).
struct PhaseOneRequest {
    std::string medical_institution_code;
    std::string arbitrary_file_identifier;
    std::string consent_date_from, consent_date_to;   // 訪問診療 / オンライン診療
    std::string examination_date_from, examination_date_to;
    std::string medical_treatment_flag;               // OQSCD028
    std::string medical_treatment_month;              // 医療扶助 YYYYMM
};
std::string write_phase1_request(const PhaseOneRequest& r);

// 01req of the list kinds: 資格確認一括照会 (OQSmuquc) and 照会番号一括登録 (OQSmuimm).
struct SearchItem {
    std::string insurer_number, insured_card_symbol, insured_identification_number, insured_branch_number, birthdate;
    std::string reference_number;      // OQSmuimm only
    std::string arbitrary_identifier;  // ours: "<ptid>-<hknid>", echoed in the answer
};
std::string write_list_request(std::string_view medical_institution_code, std::string_view file_identifier,
                               const std::vector<SearchItem>& items);

// 薬剤情報 (YZKsiquc) / 特定健診 (TKKsiquc) for one patient; note the element names differ.
struct DocumentRequest {
    std::string medical_institution_code, insurer_number, insurance_card_symbol, insured_person_identification_number;
    std::string branch_number, arbitrary_file_identifier;
    std::string start_month, end_month;  // YYYYMM, 薬剤 only
    std::string medical_treatment_flag;
};
std::string write_document_request(const DocumentRequest& r);
std::string write_phase2_request(std::string_view medical_institution_code, std::string_view reception_number);

// A request of flat MessageHeader / MessageBody leaves in this order (empty values left out); the
// element names are the caller's (the card request: card_request.cpp).
std::string write_simple_request(const std::vector<std::pair<std::string, std::string>>& header,
                                 const std::vector<std::pair<std::string, std::string>>& body);

}  // namespace onshi::oqs
