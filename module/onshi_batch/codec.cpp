#include "onshi_batch/codec.hpp"

#include "core/callback.hpp"
#include "core/error.hpp"
#include "core/handle.hpp"

#include <glib.h>
#include <libxml/encoding.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <thread>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace onshi::oqs {
namespace {

// ---- Field tables: element name -> the string it fills, per enclosing record. ----
template <class T>
struct Field {
    std::string_view name;
    std::string& (*get)(T&);
};
#define F(T, NAME, MEMBER) Field<T>{NAME, [](T& o) -> std::string& { return o.MEMBER; }}

const Field<ResultHeader> kHeaderFields[] = {
    F(ResultHeader, "ProcessExecutionTime", process_execution_time),
    F(ResultHeader, "QualificationConfirmationDate", qualification_confirmation_date),
    F(ResultHeader, "MedicalInstitutionCode", medical_institution_code),
    F(ResultHeader, "ArbitraryFileIdentifier", arbitrary_file_identifier),
    F(ResultHeader, "ReceptionNumber", reception_number),
    F(ResultHeader, "SegmentOfResult", segment_of_result),
    F(ResultHeader, "ErrorCode", error_code),
    F(ResultHeader, "ErrorMessage", error_message),
    F(ResultHeader, "NumberOfProcessingResult", number_of_processing_result),
    F(ResultHeader, "NumberOfNormalProcessing", number_of_normal_processing),
    F(ResultHeader, "NumberOfError", number_of_error),
    F(ResultHeader, "CharacterCodeIdentifier", character_code_identifier),
};
// 01res body fields (outside any BulkConfirmUnit).
const Field<ResultHeader> kBodyFields[] = {
    F(ResultHeader, "ReceptionNumber", body_reception_number),
    F(ResultHeader, "ReceptionDateTime", reception_date_time),
    F(ResultHeader, "SegmentOfResult", segment_of_result),
    F(ResultHeader, "ErrorCode", error_code),
    F(ResultHeader, "ErrorMessage", error_message),
    F(ResultHeader, "ResultCode", result_code),
    F(ResultHeader, "MessageContents", message_contents),
};
const Field<SearchInfo> kSearchFields[] = {
    F(SearchInfo, "InsurerNumber", insurer_number),
    F(SearchInfo, "InsuredCardSymbol", insured_card_symbol),
    F(SearchInfo, "InsuredIdentificationNumber", insured_identification_number),
    F(SearchInfo, "InsuredBranchNumber", insured_branch_number),
    F(SearchInfo, "Birthdate", birthdate),
    F(SearchInfo, "LimitApplicationCertificateRelatedConsFlg", limit_cons_flg),
    F(SearchInfo, "ArbitraryIdentifier", arbitrary_identifier),
    F(SearchInfo, "ConsentDateFrom", consent_date_from),
    F(SearchInfo, "ConsentDateTo", consent_date_to),
    F(SearchInfo, "MedicalTreatmentFlag", medical_treatment_flag),
};
const Field<BulkConfirmUnit> kUnitFields[] = {
    F(BulkConfirmUnit, "ProcessingResultStatus", processing_result_status),
    F(BulkConfirmUnit, "ProcessingResultCode", processing_result_code),
    F(BulkConfirmUnit, "ProcessingResultMessage", processing_result_message),
    F(BulkConfirmUnit, "QualificationValidity", qualification_validity),
    F(BulkConfirmUnit, "ReferenceNumber", reference_number),
};
const Field<QualificationResult> kResultFields[] = {
    F(QualificationResult, "InsuredCardClassification", insured_card_classification),
    F(QualificationResult, "InsurerNumber", insurer_number),
    F(QualificationResult, "InsuredCardSymbol", insured_card_symbol),
    F(QualificationResult, "InsuredIdentificationNumber", insured_identification_number),
    F(QualificationResult, "InsuredBranchNumber", insured_branch_number),
    F(QualificationResult, "PersonalFamilyClassification", personal_family_classification),
    F(QualificationResult, "InsuredName", insured_name),
    F(QualificationResult, "Name", name),
    F(QualificationResult, "NameOfOther", name_of_other),
    F(QualificationResult, "NameKana", name_kana),
    F(QualificationResult, "NameOfOtherKana", name_of_other_kana),
    F(QualificationResult, "Sex1", sex1),
    F(QualificationResult, "Sex2", sex2),
    F(QualificationResult, "Birthdate", birthdate),
    F(QualificationResult, "Address", address),
    F(QualificationResult, "PostNumber", post_number),
    F(QualificationResult, "QualificationDate", qualification_date),
    F(QualificationResult, "DisqualificationDate", disqualification_date),
    F(QualificationResult, "InsuredCertificateIssuanceDate", insured_certificate_issuance_date),
    F(QualificationResult, "InsuredCardValidDate", insured_card_valid_date),
    F(QualificationResult, "InsuredCardExpirationDate", insured_card_expiration_date),
    F(QualificationResult, "InsuredPartialContributionRatio", insured_partial_contribution_ratio),
    F(QualificationResult, "PreschoolClassification", preschool_classification),
    F(QualificationResult, "ReasonOfLoss", reason_of_loss),
    F(QualificationResult, "InsurerName", insurer_name),
    F(QualificationResult, "ElderlyRecipientCertificateDate", elderly_certificate_date),
    F(QualificationResult, "ElderlyRecipientValidStartDate", elderly_valid_start_date),
    F(QualificationResult, "ElderlyRecipientValidEndDate", elderly_valid_end_date),
    F(QualificationResult, "ElderlyRecipientContributionRatio", elderly_contribution_ratio),
    F(QualificationResult, "LimitApplicationCertificateRelatedConsFlg", limit_cons_flg),
    F(QualificationResult, "LimitApplicationCertificateRelatedConsTime", limit_cons_time),
    F(QualificationResult, "LimitApplicationCertificateRelatedAvailableTime", limit_available_time),
    F(QualificationResult, "LimitApplicationCertificateClassification", limit_classification),
    F(QualificationResult, "LimitApplicationCertificateClassificationFlag", limit_classification_flag),
    F(QualificationResult, "LimitApplicationCertificateDate", limit_certificate_date),
    F(QualificationResult, "LimitApplicationCertificateValidStartDate", limit_valid_start_date),
    F(QualificationResult, "LimitApplicationCertificateValidEndDate", limit_valid_end_date),
    F(QualificationResult, "LimitApplicationCertificateLongTermDate", limit_long_term_date),
    F(QualificationResult, "SpecificDiseasesCertificateRelatedConsFlg", sikkan_cons_flg),
    F(QualificationResult, "SpecificDiseasesCertificateRelatedConsTime", sikkan_cons_time),
    F(QualificationResult, "SpecificDiseasesCertificateRelatedAvailableTime", sikkan_available_time),
    F(QualificationResult, "SpecificHealthCheckupsInfoConsFlg", checkup.flg),
    F(QualificationResult, "SpecificHealthCheckupsInfoConsTime", checkup.time),
    F(QualificationResult, "SpecificHealthCheckupsInfoAvailableTime", checkup.available_time),
    // Both spellings are seen in the field ([?] in the reference).
    F(QualificationResult, "PharmacistsInfoConsFlg", pharmacists.flg),
    F(QualificationResult, "PharmacistsInfoConsTime", pharmacists.time),
    F(QualificationResult, "PharmacistsInfoAvailableTime", pharmacists.available_time),
    F(QualificationResult, "PharmaceuticalInfoConsFlg", pharmacists.flg),
    F(QualificationResult, "PharmaceuticalInfoConsTime", pharmacists.time),
    F(QualificationResult, "PharmaceuticalInfoAvailableTime", pharmacists.available_time),
    F(QualificationResult, "DiagnosisInfoConsFlg", diagnosis.flg),
    F(QualificationResult, "DiagnosisInfoConsTime", diagnosis.time),
    F(QualificationResult, "DiagnosisInfoAvailableTime", diagnosis.available_time),
    F(QualificationResult, "OperationInfoConsFlg", operation.flg),
    F(QualificationResult, "OperationInfoConsTime", operation.time),
    F(QualificationResult, "OperationInfoAvailableTime", operation.available_time),
    F(QualificationResult, "QualificationConsFlg", qualification.flg),
    F(QualificationResult, "QualificationConsTime", qualification.time),
    F(QualificationResult, "QualificationAvailableTime", qualification.available_time),
    F(QualificationResult, "DiagnosisNameInfoConsFlg", diagnosis_name.flg),
    F(QualificationResult, "DiagnosisNameInfoConsTime", diagnosis_name.time),
    F(QualificationResult, "DiagnosisNameInfoAvailableTime", diagnosis_name.available_time),
    F(QualificationResult, "InfectiousDiseaseInfoConsFlg", infectious.flg),
    F(QualificationResult, "InfectiousDiseaseInfoConsTime", infectious.time),
    F(QualificationResult, "InfectiousDiseaseInfoAvailableTime", infectious.available_time),
    F(QualificationResult, "AllergyInfoConsFlg", allergy.flg),
    F(QualificationResult, "AllergyInfoConsTime", allergy.time),
    F(QualificationResult, "AllergyInfoAvailableTime", allergy.available_time),
    F(QualificationResult, "ContraindicationInfoConsFlg", contraindication.flg),
    F(QualificationResult, "ContraindicationInfoConsTime", contraindication.time),
    F(QualificationResult, "ContraindicationInfoAvailableTime", contraindication.available_time),
    F(QualificationResult, "TestInfoConsFlg", test.flg),
    F(QualificationResult, "TestInfoConsTime", test.time),
    F(QualificationResult, "TestInfoAvailableTime", test.available_time),
    F(QualificationResult, "PrescriptionInfoConsFlg", prescription.flg),
    F(QualificationResult, "PrescriptionInfoConsTime", prescription.time),
    F(QualificationResult, "PrescriptionInfoAvailableTime", prescription.available_time),
    F(QualificationResult, "OnsRegistrationTime", ons_registration_time),
    F(QualificationResult, "QualificationConfirmationKey", qualification_confirmation_key),
    F(QualificationResult, "QualificationChangeFlg", qualification_change_flg),
    F(QualificationResult, "ArbitraryIdentifier", arbitrary_identifier),
    F(QualificationResult, "PrescriptionIssueSelect", prescription_issue_select),
    F(QualificationResult, "ConsentDateFrom", consent_date_from),
    F(QualificationResult, "ConsentDateTo", consent_date_to),
};
const Field<SpecificDisease> kDiseaseFields[] = {
    F(SpecificDisease, "SpecificDiseasesDiseaseCategory", disease_category),
    F(SpecificDisease, "SpecificDiseasesCertificateDate", certificate_date),
    F(SpecificDisease, "SpecificDiseasesValidStartDate", valid_start_date),
    F(SpecificDisease, "SpecificDiseasesValidEndDate", valid_end_date),
    F(SpecificDisease, "SpecificDiseasesSelfPay", self_pay),
};
const Field<MedicalTicket> kTicketFields[] = {
    F(MedicalTicket, "TicketType", ticket_type),
    F(MedicalTicket, "MedicalTicketValidDate", valid_date),
    F(MedicalTicket, "MedicalTicketExpirationDate", expiration_date),
    F(MedicalTicket, "IssueNumber", issue_number),
    F(MedicalTicket, "MedicalTreatmentMonth", treatment_month),
    F(MedicalTicket, "DesignatedMedicalInstitutionCode", designated_code),
    F(MedicalTicket, "DesignatedMedicalInstitutionFlag", designated_flag),
    F(MedicalTicket, "DesignatedMedicalInstitutionName", designated_name),
    F(MedicalTicket, "InjuryName1", injury_name1),
    F(MedicalTicket, "InjuryName2", injury_name2),
    F(MedicalTicket, "InjuryName3", injury_name3),
    F(MedicalTicket, "MedicalTreatmentType", treatment_type),
    F(MedicalTicket, "SelfPayAmount", self_pay_amount),
    F(MedicalTicket, "Remarks1", remarks1),
    F(MedicalTicket, "Remarks2", remarks2),
    F(MedicalTicket, "Remarks3", remarks3),
};
#undef F

// The table's fields by name, built once per table: the position of a name's field, or -1.
template <class T, std::size_t N>
int field_of(const Field<T> (&table)[N], std::string_view name) {
    static const auto index = [&table] {
        std::unordered_map<std::string_view, int> m;
        for (std::size_t i = 0; i < N; ++i) m.emplace(table[i].name, static_cast<int>(i));  // the first of a repeated name wins, as a scan would
        return m;
    }();
    const auto it = index.find(name);
    return it == index.end() ? -1 : it->second;
}

// Which record the reader is inside.
enum class Ctx { none, header, body, unit, search, result, disease, ticket };
constexpr std::size_t kCtxCount = 8;

// An element name as the parse loop knows it: its text, and the field it fills in each record
// context (a position in that context's table; -1: none; kUnknown: not looked up yet).
struct Name {
    static constexpr int kUnknown = -2;
    std::string_view text;
    std::array<int, kCtxCount> field;

    template <class T, std::size_t N>
    void assign(Ctx c, const Field<T> (&table)[N], T& obj, std::string&& value) {
        int& at = field[static_cast<std::size_t>(c)];
        if (at == kUnknown) at = field_of(table, text);
        if (at >= 0) table[at].get(obj) = std::move(value);
    }
};

// The names of one reader. libxml2 interns element names in the reader's dictionary, so a name is one
// pointer for the reader's life: an element costs a pointer hash, not a strlen and a string hash. A
// name the dictionary does not own (no reader makes one, but a pointer to freed memory could come
// back for another name) is kept by its text instead.
class Names {
public:
    Name& of(xmlTextReaderPtr r) {
        const xmlChar* n = xmlTextReaderConstLocalName(r);
        if (!n) n = BAD_CAST "";
        if (const auto it = interned_.find(n); it != interned_.end()) return it->second;
        const std::string_view text(reinterpret_cast<const char*>(n));
        if (xmlTextReaderConstString(r, n) == n) return fresh(interned_[n], text);
        auto [it, added] = owned_.try_emplace(std::string(text));
        return added ? fresh(it->second, it->first) : it->second;
    }

private:
    static Name& fresh(Name& name, std::string_view text) {
        name.text = text;
        name.field.fill(Name::kUnknown);
        return name;
    }
    std::unordered_map<const xmlChar*, Name> interned_;
    std::unordered_map<std::string, Name> owned_;
};

using Reader = Handle<xmlTextReaderPtr, xmlFreeTextReader>;

class Cp932Feed;

// State shared with libxml2's C callbacks: nothing may be thrown through them.
struct IoContext {
    const ByteSource* source;
    std::string head;          // the bytes sniff_encoding looked at, handed to the parser first
    std::size_t head_off = 0;
    bool eof = false;          // the source said so while the window was read: not asked again
    std::size_t total = 0;
    std::exception_ptr error;
    std::string parse_error;
    bool not_utf8 = false;     // the first error is libxml2's "Input is not proper UTF-8"
    Cp932Feed* feed = nullptr; // a Shift_JIS document: libxml2 reads the UTF-8 the converter makes
};

// One read from the caller's source, counted against kMaxResultBytes.
int read_source(IoContext& io, char* buf, int len) {
    const int n = (*io.source)(buf, len);
    if (n > 0) {
        io.total += static_cast<std::size_t>(n);
        if (io.total > kMaxResultBytes)
            throw Error(Errc::malformed, "result is larger than " + std::to_string(kMaxResultBytes >> 20) + " MiB");
    }
    return n;
}

// A Shift_JIS document converted to UTF-8 ahead of the parser, on a thread of its own (the parse
// thread is the ingest's longest stage; iconv was a fifth of it). The converter reads the sniffed
// window, then the source, through a Cp932Decoder, and queues the UTF-8 in pieces (at most kQueued
// waiting, so memory does not grow with the file); the parser's read callback takes from the queue.
// Bytes CP932 does not take (or a character cut by the end of the file) end the text there with
// `bad`, the error the parse then ends with. The source's own errors (read error, too large) reach
// the parse the same way, in order after the text before them.
class Cp932Feed {
public:
    static constexpr std::size_t kPiece = 64 * 1024;  // source bytes converted at a time
    static constexpr std::size_t kQueued = 4;
    Cp932Feed(IoContext& io, Error bad) : io_(io), bad_(std::move(bad)), th_([this] { run(); }) {}
    Cp932Feed(const Cp932Feed&) = delete;
    Cp932Feed& operator=(const Cp932Feed&) = delete;
    ~Cp932Feed() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        th_.join();
    }

    // The parser's read: up to len bytes of UTF-8, 0 at the end; throws the converter's error once
    // the text before it is read.
    int read(char* buf, int len) {
        while (off_ == cur_.size()) {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return !q_.empty() || end_; });
            if (q_.empty()) {
                if (err_) std::rethrow_exception(err_);
                return 0;
            }
            cur_ = std::move(q_.front());
            q_.pop_front();
            off_ = 0;
            cv_.notify_all();
        }
        const std::size_t n = std::min(static_cast<std::size_t>(len), cur_.size() - off_);
        std::memcpy(buf, cur_.data() + off_, n);
        off_ += n;
        return static_cast<int>(n);
    }

private:
    // False once the parser is gone (the feed is being destroyed).
    bool put(std::string&& piece) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return q_.size() < kQueued || stop_; });
        if (stop_) return false;
        if (!piece.empty()) q_.push_back(std::move(piece));
        cv_.notify_all();
        return true;
    }
    void end(std::exception_ptr err) {
        std::lock_guard lock(mu_);
        err_ = std::move(err);
        end_ = true;
        cv_.notify_all();
    }
    void run() noexcept {
        std::exception_ptr err;
        try {
            Cp932Decoder dec;
            std::string head = std::move(io_.head);
            io_.head_off = 0;
            std::string in(kPiece, '\0');
            bool last = io_.eof;
            bool ok = true;
            {
                std::string out;
                ok = dec.feed(head, last, out);
                std::string().swap(head);
                if (!put(std::move(out))) return;
            }
            while (ok && !last) {
                const int n = read_source(io_, in.data(), static_cast<int>(in.size()));
                if (n < 0) throw Error(Errc::io, "read error");
                last = n == 0;
                std::string out;
                out.reserve(static_cast<std::size_t>(n) * 3 / 2 + 16);
                ok = dec.feed(std::string_view(in.data(), static_cast<std::size_t>(n)), last, out);
                if (!put(std::move(out))) return;
            }
            if (!ok) err = std::make_exception_ptr(bad_);
        } catch (...) {
            err = std::current_exception();
        }
        end(std::move(err));
    }

    IoContext& io_;  // the converter's alone (source, total, head) while it runs
    const Error bad_;
    std::string cur_;  // the parser's piece being read
    std::size_t off_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> q_;
    bool end_ = false, stop_ = false;
    std::exception_ptr err_;
    std::thread th_;  // last: started once everything above is ready
};

// libxml2 callbacks (core/callback.hpp): nothing is thrown through them.
int io_read(void* ctx, char* buf, int len) noexcept {
    auto* io = static_cast<IoContext*>(ctx);
    return guarded_into(io->error, -1, [&] {
        if (io->feed) return io->feed->read(buf, len);
        if (io->head_off < io->head.size()) {
            const std::size_t n = std::min(static_cast<std::size_t>(len), io->head.size() - io->head_off);
            std::memcpy(buf, io->head.data() + io->head_off, n);
            io->head_off += n;
            if (io->head_off == io->head.size()) std::string().swap(io->head);  // the window's memory goes back
            return static_cast<int>(n);
        }
        return io->eof ? 0 : read_source(*io, buf, len);
    });
}

int io_close(void*) noexcept { return 0; }

void on_parse_error(void* ctx, const xmlError* err) noexcept {
    auto* io = static_cast<IoContext*>(ctx);
    guarded("XML parse error handler", [&] {
    if (io->parse_error.empty() && err && err->message) {
        io->parse_error = err->message;
        while (!io->parse_error.empty() && io->parse_error.back() == '\n') io->parse_error.pop_back();
        std::replace(io->parse_error.begin(), io->parse_error.end(), '\n', ' ');
        io->not_utf8 = err->domain == XML_FROM_PARSER && err->code == XML_ERR_INVALID_CHAR &&
                       io->parse_error.find("not proper UTF-8") != std::string::npos;
        io->parse_error += " (line " + std::to_string(err->line) + ")";
    }
    });
}

// The element's name; libxml2 keeps the string until the reader is freed, so the view stays valid
// while the element is open (and after).
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// An XML declaration at the very start (after a UTF-8 BOM) with an encoding= pseudo-attribute.
bool declares_encoding(std::string_view head) {
    if (head.starts_with(kUtf8Bom)) head.remove_prefix(kUtf8Bom.size());
    if (!head.starts_with("<?xml") || head.size() < 6 || !is_space(head[5])) return false;
    const std::size_t end = head.find("?>");
    std::string_view decl = head.substr(0, end == std::string_view::npos ? std::min<std::size_t>(head.size(), 512) : end);
    for (std::size_t at = decl.find("encoding"); at != std::string_view::npos; at = decl.find("encoding", at + 8)) {
        std::size_t i = at + 8;
        while (i < decl.size() && is_space(decl[i])) ++i;
        if (i < decl.size() && decl[i] == '=' && at > 0 && is_space(decl[at - 1])) return true;
    }
    return false;
}

// The encoding= value of the XML declaration at the very start ("" if none, or after a BOM).
std::string declared_encoding(std::string_view head) {
    if (!head.starts_with("<?xml") || head.size() < 6 || !is_space(head[5])) return "";
    const std::size_t end = head.find("?>");
    const std::string_view decl = head.substr(0, end == std::string_view::npos ? std::min<std::size_t>(head.size(), 512) : end);
    for (std::size_t at = decl.find("encoding"); at != std::string_view::npos; at = decl.find("encoding", at + 8)) {
        std::size_t i = at + 8;
        while (i < decl.size() && is_space(decl[i])) ++i;
        if (i >= decl.size() || decl[i] != '=' || at == 0 || !is_space(decl[at - 1])) continue;
        ++i;
        while (i < decl.size() && is_space(decl[i])) ++i;
        if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return "";
        const std::size_t close = decl.find(decl[i], i + 1);
        return close == std::string_view::npos ? "" : std::string(decl.substr(i + 1, close - i - 1));
    }
    return "";
}

// The names libxml2 reads as CP932 (init_codec's aliases), as it compares them: case-insensitively.
bool is_cp932_name(std::string_view name) {
    for (const char* n : {"CP932", "SHIFT_JIS", "SHIFT-JIS", "SJIS", "MS_KANJI", "CSSHIFTJIS"})
        if (g_ascii_strcasecmp(std::string(name).c_str(), n) == 0) return true;
    return false;
}

// The value of the first <CharacterCodeIdentifier> in `head` ("" if none): ASCII in every encoding we
// take, and '<' is never the second byte of a Shift_JIS character.
std::string character_code_identifier(std::string_view head) {
    constexpr std::string_view tag = "<CharacterCodeIdentifier>";
    const std::size_t at = head.find(tag);
    if (at == std::string_view::npos) return "";
    std::size_t i = at + tag.size();
    while (i < head.size() && is_space(head[i])) ++i;
    std::string v;
    while (i < head.size() && head[i] >= '0' && head[i] <= '9' && v.size() < 4) v += head[i++];
    return v;
}

std::string byte_at(std::string_view s, std::size_t off) {
    char b[48];
    std::snprintf(b, sizeof b, "byte 0x%02X at offset %zu", static_cast<unsigned>(static_cast<unsigned char>(s[off])), off);
    return b;
}

// The offset of the first byte that is not UTF-8, or npos. A character cut by the end of a window
// (`whole` false) is not an error.
std::size_t utf8_error(std::string_view s, bool whole) {
    const char* end = nullptr;
    if (g_utf8_validate_len(s.data(), s.size(), &end)) return std::string_view::npos;
    const std::size_t off = static_cast<std::size_t>(end - s.data());
    if (whole || s.size() - off >= 4) return off;
    const auto lead = static_cast<unsigned char>(s[off]);
    const std::size_t need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xC2 && lead <= 0xDF ? 2 : 0;
    if (need <= s.size() - off) return off;
    for (std::size_t i = off + 1; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return off;
    return std::string_view::npos;
}

// The offset of the first byte CP932 (as iconv, and so libxml2, reads it) does not take, or npos.
std::size_t cp932_error(std::string_view s, bool whole) {
    GIConv raw = g_iconv_open("UTF-8", "CP932");
    if (raw == reinterpret_cast<GIConv>(-1)) throw Error(Errc::internal, "iconv has no CP932 converter");
    const Handle<GIConv, g_iconv_close> cd(raw);
    gchar* in = const_cast<gchar*>(s.data());
    gsize in_left = s.size();
    char out[4096];
    while (in_left > 0) {
        gchar* o = out;
        gsize out_left = sizeof out;
        if (g_iconv(cd.get(), &in, &in_left, &o, &out_left) != static_cast<gsize>(-1)) continue;
        if (errno == E2BIG) continue;
        if (errno == EINVAL && !whole) return std::string_view::npos;  // a character cut by the window
        return static_cast<std::size_t>(in - s.data());
    }
    return std::string_view::npos;
}

}  // namespace

struct Cp932Decoder::State {
    Handle<GIConv, g_iconv_close> cd;
    std::string kept;  // the first bytes of a character the last piece cut
};

Cp932Decoder::Cp932Decoder() : s_(std::make_unique<State>()) {
    GIConv raw = g_iconv_open("UTF-8", "CP932");
    if (raw == reinterpret_cast<GIConv>(-1)) throw Error(Errc::internal, "iconv has no CP932 converter");
    s_->cd.reset(raw);
}

Cp932Decoder::~Cp932Decoder() = default;

std::size_t Cp932Decoder::kept() const { return s_->kept.size(); }

bool Cp932Decoder::feed(std::string_view in, bool last, std::string& out) {
    // Converts [*p, *p + *left) onto out; false at a byte CP932 does not take, or a cut character
    // when `cut_ok` is false; on a cut character *left is what remains of it.
    auto convert = [&](const char** p, std::size_t* left, bool cut_ok) {
        while (*left > 0) {
            const std::size_t at = out.size();
            out.resize(at + *left * 3 + 16);  // a CP932 byte is at most 3 bytes of UTF-8 (半角カナ)
            gchar* src = const_cast<gchar*>(*p);
            gsize src_left = *left;
            gchar* dst = out.data() + at;
            gsize dst_left = out.size() - at;
            const gsize rc = g_iconv(s_->cd.get(), &src, &src_left, &dst, &dst_left);
            const int e = errno;
            out.resize(out.size() - dst_left);
            *p = src;
            *left = src_left;
            if (rc != static_cast<gsize>(-1)) continue;
            if (e == E2BIG) continue;
            if (e == EINVAL && cut_ok) return true;
            return false;
        }
        return true;
    };
    // First the character the last piece cut, completed from this one (CP932: at most 2 bytes).
    while (!s_->kept.empty()) {
        if (in.empty()) {
            if (!last) return true;
            return false;  // the file ends inside a character
        }
        s_->kept += in.front();
        in.remove_prefix(1);
        const char* p = s_->kept.data();
        std::size_t left = s_->kept.size();
        if (!convert(&p, &left, true)) return false;
        if (left == 0) s_->kept.clear();
        else if (left != s_->kept.size()) s_->kept.erase(0, s_->kept.size() - left);
        if (s_->kept.size() > 8) return false;  // no CP932 character is that long: not a cut one
    }
    const char* p = in.data();
    std::size_t left = in.size();
    if (!convert(&p, &left, !last)) return false;
    s_->kept.assign(p, left);
    return true;
}

EncodingGuess sniff_encoding(std::string_view head, bool whole) {
    if (head.starts_with("\xFE\xFF") || head.starts_with("\xFF\xFE")) return {TextEncoding::declared, "a UTF-16 byte order mark"};
    if (declares_encoding(head)) return {TextEncoding::declared, "its XML declaration"};
    const bool bom = head.starts_with(kUtf8Bom);
    const bool ascii = std::all_of(head.begin(), head.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    const std::string cci = character_code_identifier(head);
    if (ascii && !bom)
        return cci == "1" ? EncodingGuess{TextEncoding::cp932, "no XML declaration; CharacterCodeIdentifier 1"}
                          : EncodingGuess{TextEncoding::utf8, "no XML declaration; ASCII so far"};
    const std::size_t bad_utf8 = utf8_error(head, whole);
    if (bad_utf8 == std::string_view::npos)
        return {TextEncoding::utf8, bom ? "no XML declaration; a UTF-8 byte order mark" : "no XML declaration; valid UTF-8"};
    if (bom) return {TextEncoding::invalid, "a UTF-8 byte order mark, but not UTF-8 (" + byte_at(head, bad_utf8) + ")"};
    const std::size_t bad_sjis = cp932_error(head, whole);
    if (bad_sjis == std::string_view::npos)
        return {TextEncoding::cp932, cci == "1" ? "no XML declaration; CharacterCodeIdentifier 1" : "no XML declaration; valid Shift_JIS"};
    return {TextEncoding::invalid, "no XML declaration, and the text is neither UTF-8 (" + byte_at(head, bad_utf8) +
                                       ") nor Shift_JIS (" + byte_at(head, bad_sjis) + ")"};
}

void init_codec() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        for (const char* alias : {"SHIFT_JIS", "SHIFT-JIS", "SJIS", "MS_KANJI", "CSSHIFTJIS"})
            xmlAddEncodingAlias("CP932", alias);
    });
}

std::size_t parse_result(const ByteSource& source, std::string_view what, ResultSink& sink) {
    init_codec();
    IoContext io{&source};
    auto fail = [&](const std::string& why) -> Error {
        return Error(Errc::malformed, std::string(what) + ": " + why);
    };

    // The sniffing window: read before the parser starts (outside libxml2's callbacks), then fed to it.
    bool whole = false, non_ascii = false;
    while (io.head.size() < kSniffMaxBytes) {
        const std::size_t at = io.head.size();
        io.head.resize(at + 16384);
        const int n = read_source(io, io.head.data() + at, 16384);
        if (n < 0) throw Error(Errc::io, std::string(what) + ": read error");
        io.head.resize(at + static_cast<std::size_t>(n));
        if (n == 0) { whole = io.eof = true; break; }
        non_ascii = non_ascii || std::any_of(io.head.begin() + static_cast<std::ptrdiff_t>(at), io.head.end(),
                                             [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        if (io.head.size() >= 1024 && declares_encoding(io.head)) break;
        if (non_ascii && io.head.size() >= kSniffMinBytes) break;
    }
    const EncodingGuess guess = sniff_encoding(io.head, whole);
    if (guess.encoding == TextEncoding::invalid) throw fail(guess.why);
    // Shift_JIS (sniffed, or declared by a name libxml2 reads as CP932) is converted to UTF-8 on a
    // thread of its own ahead of the parser, which then reads UTF-8 and ignores the declaration.
    const std::string declared = guess.encoding == TextEncoding::declared ? declared_encoding(io.head) : std::string();
    const bool convert = guess.encoding == TextEncoding::cp932 || is_cp932_name(declared);
    std::optional<Cp932Feed> feed;
    if (convert) {
        feed.emplace(io, fail(guess.encoding == TextEncoding::cp932
                                  ? "the text is not valid Shift_JIS (CP932), read as such: " + guess.why
                                  : "the text is not valid in its declared encoding (" + declared + ")"));
        io.feed = &*feed;
    }
    const char* forced = convert ? "UTF-8" : nullptr;
    const int ignore_enc = convert ? XML_PARSE_IGNORE_ENC : 0;

    xmlResetLastError();
    // No XML_PARSE_NOENT (entities are not substituted), no DTD loading, no network. COMPACT: short
    // text kept inside its node (as xmllint reads); NOBLANKS: the indentation between elements is not
    // made into nodes (whitespace that is an element's whole content still is: <X> </X> reads " ").
    const Reader reader(
        xmlReaderForIO(io_read, io_close, &io, nullptr, forced, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_NOBLANKS | ignore_enc));
    if (!reader) throw Error(Errc::internal, "cannot create the XML reader");
    xmlTextReaderSetStructuredErrorHandler(reader.get(), reinterpret_cast<xmlStructuredErrorFunc>(on_parse_error), &io);

    Names names;
    std::vector<Name*> stack;  // open elements' names
    std::vector<Ctx> ctx{Ctx::none};   // record context per open element
    std::string text;
    ResultHeader header;
    BulkConfirmUnit unit;
    // A unit's results (and a result's diseases and tickets) are filled where they will stay: the
    // record is added to its vector when it opens, not moved there when it closes.
    bool header_sent = false;
    bool saw_root = false;
    std::size_t units = 0;

    auto send_header = [&] {
        if (!header_sent) { sink.on_header(header); header_sent = true; }
    };
    auto leaf = [&](Name& name, std::string&& value) {
        switch (const Ctx c = ctx.back()) {
        case Ctx::header: name.assign(c, kHeaderFields, header, std::move(value)); break;
        case Ctx::body: name.assign(c, kBodyFields, header, std::move(value)); break;
        case Ctx::unit: name.assign(c, kUnitFields, unit, std::move(value)); break;
        case Ctx::search: name.assign(c, kSearchFields, unit.search, std::move(value)); break;
        case Ctx::result: name.assign(c, kResultFields, unit.results.back(), std::move(value)); break;
        case Ctx::disease: name.assign(c, kDiseaseFields, unit.results.back().specific_diseases.back(), std::move(value)); break;
        case Ctx::ticket: name.assign(c, kTicketFields, unit.results.back().medical_tickets.back(), std::move(value)); break;
        case Ctx::none: break;
        }
    };
    // The context an element opens, given the context it is in; none = a leaf or a plain wrapper.
    auto opens = [&](std::string_view name, Ctx in) -> Ctx {
        if (in == Ctx::none && stack.size() == 1) {
            if (name == "MessageHeader") return Ctx::header;
            if (name == "MessageBody") return Ctx::body;
        }
        if (in == Ctx::body && name == "BulkConfirmUnit") {
            send_header();
            unit = BulkConfirmUnit{};
            return Ctx::unit;
        }
        if (in == Ctx::unit && name == "QualificationConfirmSearchInfo") return Ctx::search;
        if (in == Ctx::unit && name == "ResultOfQualificationConfirmation") { unit.results.emplace_back(); return Ctx::result; }
        if (in == Ctx::result && name == "SpecificDiseasesCertificateInfo") { unit.results.back().specific_diseases.emplace_back(); return Ctx::disease; }
        if (in == Ctx::result && name == "MedicalTicketInfo") { unit.results.back().medical_tickets.emplace_back(); return Ctx::ticket; }
        return Ctx::none;
    };
    auto close_record = [&](Ctx c) {
        switch (c) {
        case Ctx::unit:
            sink.on_unit(std::move(unit));
            ++units;
            break;
        default: break;
        }
    };
    // Wrappers (ResultList, ElderlyRecipientCertificateInfo, …) keep the context of their parent.
    auto open_element = [&](Name& element) {
        const std::string_view name = element.text;
        if (static_cast<int>(stack.size()) >= kMaxDepth) throw fail("elements nested deeper than " + std::to_string(kMaxDepth));
        if (stack.empty()) {
            if (name != "XmlMsg") throw fail("root element is <" + std::string(name) + ">, not <XmlMsg>");
            saw_root = true;
        }
        const Ctx in = ctx.back();
        const Ctx c = opens(name, in);  // before the push: MessageHeader/Body sit right under the root
        stack.push_back(&element);
        ctx.push_back(c == Ctx::none ? in : c);
        text.clear();
        return c;
    };
    auto close_element = [&](bool opened_record) {
        Name& name = *stack.back();
        const Ctx c = ctx.back();
        stack.pop_back();
        ctx.pop_back();
        if (opened_record) close_record(c);
        else leaf(name, std::move(text));
        text.clear();
    };
    std::vector<bool> is_record;  // parallel to stack

    int rc;
    while ((rc = xmlTextReaderRead(reader.get())) == 1) {
        switch (xmlTextReaderNodeType(reader.get())) {
        case XML_READER_TYPE_DOCUMENT_TYPE: throw fail("a DTD is not allowed in an OQS message");
        case XML_READER_TYPE_ENTITY_REFERENCE:
        case XML_READER_TYPE_ENTITY: throw fail("entity references are not allowed in an OQS message");
        case XML_READER_TYPE_ELEMENT: {
            Name& name = names.of(reader.get());
            const bool empty = xmlTextReaderIsEmptyElement(reader.get()) == 1;
            const Ctx c = open_element(name);
            is_record.push_back(c != Ctx::none);
            if (empty) { close_element(is_record.back()); is_record.pop_back(); }
            break;
        }
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
            const xmlChar* v = xmlTextReaderConstValue(reader.get());
            if (v) text += reinterpret_cast<const char*>(v);
            if (text.size() > kMaxFieldBytes) throw fail("element <" + std::string(stack.back()->text) + "> holds more than " + std::to_string(kMaxFieldBytes) + " bytes");
            break;
        }
        case XML_READER_TYPE_END_ELEMENT:
            close_element(is_record.back());
            is_record.pop_back();
            break;
        default: break;
        }
    }
    if (io.error) std::rethrow_exception(io.error);
    if (rc != 0) {
        // A conversion error (bytes that are not Shift_JIS/UTF-8 as declared) reaches libxml2's
        // global last error, not the reader's handler.
        const xmlError* last = xmlGetLastError();
        if (io.parse_error.empty() && last &&
            (last->domain == XML_FROM_I18N || (last->domain == XML_FROM_IO && last->code == XML_IO_ENCODER))) {
            if (guess.encoding == TextEncoding::cp932) throw fail("the text is not valid Shift_JIS (CP932), read as such: " + guess.why);
            if (guess.encoding == TextEncoding::utf8) throw fail("the text is not valid UTF-8, read as such: " + guess.why);
            const xmlChar* enc = xmlTextReaderConstEncoding(reader.get());
            throw fail(std::string("the text is not valid in its declared encoding") +
                       (enc ? std::string(" (") + reinterpret_cast<const char*>(enc) + ")" : std::string()));
        }
        if (io.not_utf8 && guess.encoding == TextEncoding::utf8)
            throw fail("the text is not valid UTF-8, read as such: " + guess.why + " (" + io.parse_error + ")");
        throw fail(io.parse_error.empty() ? "not well-formed XML" : io.parse_error);
    }
    if (!saw_root) throw fail("empty document");
    send_header();
    return units;
}

// ---- Writers ----
namespace {


class Doc {
public:
    Doc() : buf_(xmlBufferCreate()), w_(xmlNewTextWriterMemory(buf_.get(), 0)) {
        if (!w_) throw Error(Errc::internal, "cannot create the XML writer");
        xmlTextWriterSetIndent(w_.get(), 1);
        check(xmlTextWriterStartDocument(w_.get(), "1.0", "UTF-8", "no"));
        start("XmlMsg");
    }
    void start(const char* n) { check(xmlTextWriterStartElement(w_.get(), BAD_CAST n)); }
    void end() { check(xmlTextWriterEndElement(w_.get())); }
    void leaf(const char* n, std::string_view v) {
        if (v.empty()) return;
        const std::string s(v);
        check(xmlTextWriterWriteElement(w_.get(), BAD_CAST n, BAD_CAST s.c_str()));
    }
    std::string finish() {
        check(xmlTextWriterEndDocument(w_.get()));
        w_.reset();
        return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf_.get())),
                           static_cast<std::size_t>(xmlBufferLength(buf_.get())));
    }

private:
    static void check(int rc) {
        if (rc < 0) throw Error(Errc::internal, "XML writer failed");
    }
    Handle<xmlBufferPtr, xmlBufferFree> buf_;
    Handle<xmlTextWriterPtr, xmlFreeTextWriter> w_;
};

}  // namespace

std::string write_phase1_request(const PhaseOneRequest& r) {
    Doc d;
    d.start("MessageHeader");
    d.leaf("MedicalInstitutionCode", r.medical_institution_code);
    d.leaf("ArbitraryFileIdentifier", r.arbitrary_file_identifier);
    d.end();
    d.start("MessageBody");
    d.start("QualificationConfirmSearchInfo");
    d.leaf("ConsentDateFrom", r.consent_date_from);
    d.leaf("ConsentDateTo", r.consent_date_to);
    d.leaf("ExaminationDateFrom", r.examination_date_from);
    d.leaf("ExaminationDateTo", r.examination_date_to);
    d.leaf("MedicalTreatmentMonth", r.medical_treatment_month);
    d.leaf("MedicalTreatmentFlag", r.medical_treatment_flag);
    d.end();
    d.end();
    return d.finish();
}

std::string write_list_request(std::string_view code, std::string_view file_identifier, const std::vector<SearchItem>& items) {
    Doc d;
    d.start("MessageHeader");
    d.leaf("MedicalInstitutionCode", code);
    d.leaf("ArbitraryFileIdentifier", file_identifier);
    d.end();
    d.start("MessageBody");
    for (const auto& i : items) {
        d.start("QualificationConfirmSearchInfo");
        d.leaf("InsurerNumber", i.insurer_number);
        d.leaf("InsuredCardSymbol", i.insured_card_symbol);
        d.leaf("InsuredIdentificationNumber", i.insured_identification_number);
        d.leaf("InsuredBranchNumber", i.insured_branch_number);
        d.leaf("Birthdate", i.birthdate);
        d.leaf("ReferenceNumber", i.reference_number);
        d.leaf("ArbitraryIdentifier", i.arbitrary_identifier);
        d.end();
    }
    d.end();
    return d.finish();
}

std::string write_document_request(const DocumentRequest& r) {
    Doc d;
    d.start("MessageHeader");
    d.leaf("MedicalInstitutionCode", r.medical_institution_code);
    d.leaf("InsurerNumber", r.insurer_number);
    d.leaf("InsuranceCardSymbol", r.insurance_card_symbol);
    d.leaf("InsuredPersonIdentificationNumber", r.insured_person_identification_number);
    d.leaf("BranchNumber", r.branch_number);
    d.leaf("ArbitraryFileIdentifier", r.arbitrary_file_identifier);
    d.end();
    d.start("MessageBody");
    d.leaf("StartDate", r.start_month);
    d.leaf("EndDate", r.end_month);
    d.leaf("FileCategory", "1");
    d.leaf("PrDiInfClassification", "1");
    d.leaf("MedicalTreatmentFlag", r.medical_treatment_flag);
    d.end();
    return d.finish();
}

std::string write_phase2_request(std::string_view code, std::string_view reception_number) {
    Doc d;
    d.start("MessageHeader");
    d.leaf("MedicalInstitutionCode", code);
    d.end();
    d.start("MessageBody");
    d.leaf("ReceptionNumber", reception_number);
    d.end();
    return d.finish();
}

std::string write_simple_request(const std::vector<std::pair<std::string, std::string>>& header,
                                 const std::vector<std::pair<std::string, std::string>>& body) {
    Doc d;
    d.start("MessageHeader");
    for (const auto& [n, v] : header) d.leaf(n.c_str(), v);
    d.end();
    d.start("MessageBody");
    for (const auto& [n, v] : body) d.leaf(n.c_str(), v);
    d.end();
    return d.finish();
}

}  // namespace onshi::oqs
