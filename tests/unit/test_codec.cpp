#include "core/error.hpp"
#include "onshi_batch/card_request.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/validate.hpp"
#include "unit.hpp"

#include <glib.h>

#include <cstring>
#include <string>
#include <vector>

using namespace onshi;

namespace {

struct Collect final : oqs::ResultSink {
    ResultHeader header;
    std::vector<BulkConfirmUnit> units;
    int headers = 0;
    void on_header(const ResultHeader& h) override { header = h; ++headers; }
    void on_unit(BulkConfirmUnit&& u) override { units.push_back(std::move(u)); }
};

// Parses `doc` fed in small chunks (so element boundaries fall across reads).
std::size_t parse(const std::string& doc, Collect& c) {
    std::size_t off = 0;
    const oqs::ByteSource src = [&](char* buf, int len) {
        const std::size_t n = std::min<std::size_t>({static_cast<std::size_t>(len), 7, doc.size() - off});
        std::memcpy(buf, doc.data() + off, n);
        off += n;
        return static_cast<int>(n);
    };
    return oqs::parse_result(src, "test.xml", c);
}

std::string errc_of(const std::string& doc) {
    Collect c;
    try {
        parse(doc, c);
    } catch (const Error& e) {
        return std::string(errc_name(e.code())) + ": " + e.what();
    }
    return "ok";
}

// Every element of oqs-interface.md §4 with a value of its own, "v" + a number.
struct Doc {
    std::string xml;
    int n = 0;
    std::string v() { return "v" + std::to_string(++n); }
    void leaf(const char* name, const std::string& value) { xml += std::string("<") + name + ">" + value + "</" + name + ">"; }
};

}  // namespace

START_TEST(every_field) {
    Doc d;
    std::vector<std::string> hv, sv, uv, rv, dv, tv;
    d.xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><XmlMsg><MessageHeader>";
    const char* header[] = {"ProcessExecutionTime", "QualificationConfirmationDate", "MedicalInstitutionCode", "ArbitraryFileIdentifier",
                            "ReceptionNumber", "SegmentOfResult", "ErrorCode", "ErrorMessage", "NumberOfProcessingResult",
                            "NumberOfNormalProcessing", "NumberOfError", "CharacterCodeIdentifier"};
    for (const char* e : header) { hv.push_back(d.v()); d.leaf(e, hv.back()); }
    d.xml += "</MessageHeader><MessageBody><BulkConfirmUnit><QualificationConfirmSearchInfo>";
    const char* search[] = {"InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber", "InsuredBranchNumber", "Birthdate",
                            "LimitApplicationCertificateRelatedConsFlg", "ArbitraryIdentifier"};
    for (const char* e : search) { sv.push_back(d.v()); d.leaf(e, sv.back()); }
    d.xml += "</QualificationConfirmSearchInfo>";
    const char* unit[] = {"ProcessingResultStatus", "ProcessingResultCode", "ProcessingResultMessage", "QualificationValidity"};
    for (const char* e : unit) { uv.push_back(d.v()); d.leaf(e, uv.back()); }
    d.xml += "<ResultList><ResultOfQualificationConfirmation>";
    const char* result[] = {
        "InsuredCardClassification", "InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber", "InsuredBranchNumber",
        "PersonalFamilyClassification", "InsuredName", "Name", "NameOfOther", "NameKana", "NameOfOtherKana", "Sex1", "Sex2",
        "Birthdate", "Address", "PostNumber", "QualificationDate", "DisqualificationDate", "InsuredCertificateIssuanceDate",
        "InsuredCardValidDate", "InsuredCardExpirationDate", "InsuredPartialContributionRatio", "PreschoolClassification",
        "ReasonOfLoss", "InsurerName", "LimitApplicationCertificateRelatedConsFlg", "LimitApplicationCertificateRelatedConsTime",
        "SpecificDiseasesCertificateRelatedConsFlg", "SpecificDiseasesCertificateRelatedConsTime",
        "SpecificHealthCheckupsInfoConsFlg", "SpecificHealthCheckupsInfoConsTime", "SpecificHealthCheckupsInfoAvailableTime",
        "PharmacistsInfoConsFlg", "PharmacistsInfoConsTime", "PharmacistsInfoAvailableTime",
        "DiagnosisInfoConsFlg", "DiagnosisInfoConsTime", "DiagnosisInfoAvailableTime",
        "OperationInfoConsFlg", "OperationInfoConsTime", "OperationInfoAvailableTime",
        "QualificationConsFlg", "QualificationConsTime", "QualificationAvailableTime", "OnsRegistrationTime"};
    for (const char* e : result) { rv.push_back(d.v()); d.leaf(e, rv.back()); }
    d.xml += "<ElderlyRecipientCertificateInfo>";
    const char* elderly[] = {"ElderlyRecipientCertificateDate", "ElderlyRecipientValidStartDate", "ElderlyRecipientValidEndDate",
                             "ElderlyRecipientContributionRatio"};
    for (const char* e : elderly) { rv.push_back(d.v()); d.leaf(e, rv.back()); }
    d.xml += "</ElderlyRecipientCertificateInfo><LimitApplicationCertificateRelatedInfo>";
    const char* limit[] = {"LimitApplicationCertificateClassification", "LimitApplicationCertificateClassificationFlag",
                           "LimitApplicationCertificateDate", "LimitApplicationCertificateValidStartDate",
                           "LimitApplicationCertificateValidEndDate", "LimitApplicationCertificateLongTermDate"};
    for (const char* e : limit) { rv.push_back(d.v()); d.leaf(e, rv.back()); }
    d.xml += "</LimitApplicationCertificateRelatedInfo><SpecificDiseasesCertificateList>";
    const char* disease[] = {"SpecificDiseasesDiseaseCategory", "SpecificDiseasesCertificateDate", "SpecificDiseasesValidStartDate",
                             "SpecificDiseasesValidEndDate", "SpecificDiseasesSelfPay"};
    for (int k = 0; k < 2; ++k) {
        d.xml += "<SpecificDiseasesCertificateInfo>";
        for (const char* e : disease) { dv.push_back(d.v()); d.leaf(e, dv.back()); }
        d.xml += "</SpecificDiseasesCertificateInfo>";
    }
    d.xml += "</SpecificDiseasesCertificateList><PublicExpenseResultList><MedicalTicketInfo>";
    const char* ticket[] = {"TicketType", "MedicalTicketValidDate", "MedicalTicketExpirationDate", "IssueNumber", "MedicalTreatmentMonth",
                            "DesignatedMedicalInstitutionCode", "DesignatedMedicalInstitutionFlag", "DesignatedMedicalInstitutionName",
                            "InjuryName1", "InjuryName2", "InjuryName3", "MedicalTreatmentType", "SelfPayAmount", "Remarks1",
                            "Remarks2", "Remarks3"};
    for (const char* e : ticket) { tv.push_back(d.v()); d.leaf(e, tv.back()); }
    d.xml += "</MedicalTicketInfo></PublicExpenseResultList><UnknownFutureElement>x</UnknownFutureElement>";
    d.xml += "</ResultOfQualificationConfirmation></ResultList>";
    const std::string ref = d.v();
    d.leaf("ReferenceNumber", ref);
    d.xml += "</BulkConfirmUnit></MessageBody></XmlMsg>";

    Collect c;
    ck_assert_uint_eq(parse(d.xml, c), 1);
    ck_assert_int_eq(c.headers, 1);
    const auto& h = c.header;
    const std::string* hs[] = {&h.process_execution_time, &h.qualification_confirmation_date, &h.medical_institution_code,
                               &h.arbitrary_file_identifier, &h.reception_number, &h.segment_of_result, &h.error_code,
                               &h.error_message, &h.number_of_processing_result, &h.number_of_normal_processing,
                               &h.number_of_error, &h.character_code_identifier};
    for (std::size_t i = 0; i < hv.size(); ++i) ck_assert_msg(*hs[i] == hv[i], "header %s", header[i]);
    const auto& u = c.units.at(0);
    const std::string* ss[] = {&u.search.insurer_number, &u.search.insured_card_symbol, &u.search.insured_identification_number,
                               &u.search.insured_branch_number, &u.search.birthdate, &u.search.limit_cons_flg,
                               &u.search.arbitrary_identifier};
    for (std::size_t i = 0; i < sv.size(); ++i) ck_assert_msg(*ss[i] == sv[i], "search %s", search[i]);
    const std::string* us[] = {&u.processing_result_status, &u.processing_result_code, &u.processing_result_message, &u.qualification_validity};
    for (std::size_t i = 0; i < uv.size(); ++i) ck_assert_msg(*us[i] == uv[i], "unit %s", unit[i]);
    ASSERT_STR(u.reference_number, ref);
    ck_assert_uint_eq(u.results.size(), 1);
    const auto& r = u.results[0];
    const std::string* rs[] = {
        &r.insured_card_classification, &r.insurer_number, &r.insured_card_symbol, &r.insured_identification_number,
        &r.insured_branch_number, &r.personal_family_classification, &r.insured_name, &r.name, &r.name_of_other, &r.name_kana,
        &r.name_of_other_kana, &r.sex1, &r.sex2, &r.birthdate, &r.address, &r.post_number, &r.qualification_date,
        &r.disqualification_date, &r.insured_certificate_issuance_date, &r.insured_card_valid_date, &r.insured_card_expiration_date,
        &r.insured_partial_contribution_ratio, &r.preschool_classification, &r.reason_of_loss, &r.insurer_name, &r.limit_cons_flg,
        &r.limit_cons_time, &r.sikkan_cons_flg, &r.sikkan_cons_time, &r.checkup.flg, &r.checkup.time, &r.checkup.available_time,
        &r.pharmacists.flg, &r.pharmacists.time, &r.pharmacists.available_time, &r.diagnosis.flg, &r.diagnosis.time,
        &r.diagnosis.available_time, &r.operation.flg, &r.operation.time, &r.operation.available_time, &r.qualification.flg,
        &r.qualification.time, &r.qualification.available_time, &r.ons_registration_time,
        &r.elderly_certificate_date, &r.elderly_valid_start_date, &r.elderly_valid_end_date, &r.elderly_contribution_ratio,
        &r.limit_classification, &r.limit_classification_flag, &r.limit_certificate_date, &r.limit_valid_start_date,
        &r.limit_valid_end_date, &r.limit_long_term_date};
    ck_assert_uint_eq(std::size(rs), rv.size());
    for (std::size_t i = 0; i < rv.size(); ++i) ck_assert_msg(*rs[i] == rv[i], "result field %zu (%s)", i, rv[i].c_str());
    ck_assert_uint_eq(r.specific_diseases.size(), 2);
    for (std::size_t k = 0; k < 2; ++k) {
        const auto& x = r.specific_diseases[k];
        const std::string* ds[] = {&x.disease_category, &x.certificate_date, &x.valid_start_date, &x.valid_end_date, &x.self_pay};
        for (std::size_t i = 0; i < 5; ++i) ck_assert_msg(*ds[i] == dv[k * 5 + i], "disease %zu %s", k, disease[i]);
    }
    ck_assert_uint_eq(r.medical_tickets.size(), 1);
    const auto& t = r.medical_tickets[0];
    const std::string* ts[] = {&t.ticket_type, &t.valid_date, &t.expiration_date, &t.issue_number, &t.treatment_month,
                               &t.designated_code, &t.designated_flag, &t.designated_name, &t.injury_name1, &t.injury_name2,
                               &t.injury_name3, &t.treatment_type, &t.self_pay_amount, &t.remarks1, &t.remarks2, &t.remarks3};
    for (std::size_t i = 0; i < tv.size(); ++i) ck_assert_msg(*ts[i] == tv[i], "ticket %s", ticket[i]);
}
END_TEST

const char* kTwoUnits =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
    "<MessageBody>"
    "<BulkConfirmUnit><ResultOfQualificationConfirmation><PharmaceuticalInfoConsFlg>1</PharmaceuticalInfoConsFlg>"
    "<Name>資格　太郎</Name></ResultOfQualificationConfirmation>"
    "<ResultOfQualificationConfirmation><InsuredCardClassification>A1</InsuredCardClassification></ResultOfQualificationConfirmation>"
    "</BulkConfirmUnit>"
    "<BulkConfirmUnit><ResultList><ResultOfQualificationConfirmation><PharmacistsInfoConsFlg>0</PharmacistsInfoConsFlg>"
    "</ResultOfQualificationConfirmation></ResultList></BulkConfirmUnit>"
    "</MessageBody></XmlMsg>";

START_TEST(both_spellings_and_wrappers) {
    Collect c;
    ck_assert_uint_eq(parse(kTwoUnits, c), 2);
    ASSERT_STR(c.units[0].results[0].pharmacists.flg, "1");   // PharmaceuticalInfo… (one writer's spelling)
    ASSERT_STR(c.units[0].results[0].name, "資格　太郎");
    ck_assert(c.units[0].results[1].is_welfare());
    ck_assert_uint_eq(c.units[1].results.size(), 1);          // inside <ResultList>
    ASSERT_STR(c.units[1].results[0].pharmacists.flg, "0");
}
END_TEST

// An indented document (the reader drops the indentation between elements, XML_PARSE_NOBLANKS): values
// are what their elements hold, whitespace included, and an element holding only whitespace keeps it.
START_TEST(whitespace_in_indented_documents) {
    const std::string doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg>\n  <MessageHeader>\n    <SegmentOfResult>1</SegmentOfResult>\n"
        "  </MessageHeader>\n  <MessageBody>\n    <BulkConfirmUnit>\n      <ResultOfQualificationConfirmation>\n"
        "        <Name> 資格 太郎 </Name>\n        <NameKana>  </NameKana>\n        <Address>\n</Address>\n"
        "        <InsuredCardClassification>01</InsuredCardClassification>\n"
        "      </ResultOfQualificationConfirmation>\n    </BulkConfirmUnit>\n  </MessageBody>\n</XmlMsg>\n";
    Collect c;
    ck_assert_uint_eq(parse(doc, c), 1);
    ASSERT_STR(c.header.segment_of_result, "1");
    ck_assert_uint_eq(c.units[0].results.size(), 1);
    const auto& r = c.units[0].results[0];
    ASSERT_STR(r.name, " 資格 太郎 ");
    ASSERT_STR(r.name_kana, "  ");
    ASSERT_STR(r.address, "\n");
    ASSERT_STR(r.insured_card_classification, "01");
}
END_TEST

START_TEST(shift_jis_declared) {
    // "資格" in Shift_JIS (CP932): 8E 91 8A 69; and ① (CP932 only: 87 40).
    const std::string doc = std::string("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg><MessageBody><BulkConfirmUnit>"
                                        "<ResultOfQualificationConfirmation><Name>") +
                            "\x8E\x91\x8A\x69\x87\x40" + "</Name></ResultOfQualificationConfirmation></BulkConfirmUnit></MessageBody></XmlMsg>";
    Collect c;
    ck_assert_uint_eq(parse(doc, c), 1);
    ASSERT_STR(c.units[0].results[0].name, "資格①");
}
END_TEST

// The Shift_JIS converter ahead of the parser: however the bytes are cut into pieces, the UTF-8 is the
// whole text's, and a character cut by a piece's end is finished by the next, never split or lost.
START_TEST(cp932_decoder_pieces) {
    // ASCII, 資格 (2 bytes each), ﾀ (1 byte, 3 in UTF-8), ① (87 40) and 髙 (FB FC: CP932 only), ～ (81 60).
    const std::string sjis = "<N>\x8E\x91\x8A\x69 \xC0\x87\x40\xFB\xFC\x81\x60x</N>";
    const std::string utf8 = "<N>資格 ﾀ①髙～x</N>";
    for (std::size_t cut = 0; cut <= sjis.size(); ++cut) {
        oqs::Cp932Decoder d;
        std::string out;
        ck_assert(d.feed(std::string_view(sjis).substr(0, cut), false, out));
        // Cut inside 資, 格, ①, 髙 or ～: the lead byte waits for the next piece.
        const bool inside = cut == 4 || cut == 6 || cut == 10 || cut == 12 || cut == 14;
        ck_assert_msg(d.kept() == (inside ? 1u : 0u), "cut at %zu keeps %zu", cut, d.kept());
        ck_assert_msg(g_utf8_validate(out.data(), static_cast<gssize>(out.size()), nullptr), "cut at %zu: piece not whole UTF-8", cut);
        ck_assert(d.feed(std::string_view(sjis).substr(cut), true, out));
        ck_assert_msg(out == utf8, "cut at %zu: %s", cut, out.c_str());
    }
    // One byte at a time.
    oqs::Cp932Decoder d;
    std::string out;
    for (std::size_t i = 0; i < sjis.size(); ++i) ck_assert(d.feed(std::string_view(sjis).substr(i, 1), i + 1 == sjis.size(), out));
    ASSERT_STR(out, utf8);
    // A byte CP932 does not take: false, with the text before it.
    oqs::Cp932Decoder bad;
    out.clear();
    ck_assert(!bad.feed("ab\x85\x40" "cd", false, out));
    ASSERT_STR(out, "ab");
    // The file ends inside a character: an error, whether the last piece is empty or not.
    oqs::Cp932Decoder cut1, cut2;
    out.clear();
    ck_assert(cut1.feed("a\x8E", false, out));
    ck_assert(!cut1.feed("", true, out));
    ck_assert(!cut2.feed("a\x8E", true, out));
}
END_TEST

// A Shift_JIS document longer than the sniffing window and the converter's pieces, declared and
// undeclared, read through the converter thread: every unit, every name, nothing converted twice.
START_TEST(shift_jis_long_through_converter) {
    const std::string name = "\x8E\x91\x8A\x69\xC0\x87\x40\xFB\xFC";  // 資格ﾀ①髙
    std::string body;
    const int n = 3000;  // ≈ 200 KiB: several 64 KiB pieces, pieces cut anywhere by the 7-byte reads
    for (int i = 0; i < n; ++i)
        body += "<BulkConfirmUnit><ResultOfQualificationConfirmation><Name>" + name + std::to_string(i) +
                "</Name></ResultOfQualificationConfirmation></BulkConfirmUnit>";
    for (const std::string& head : {std::string("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>"), std::string("<?xml version='1.0' encoding='sjis'?>"),
                                    std::string("")}) {
        Collect c;
        ck_assert_uint_eq(parse(head + "<XmlMsg><MessageBody>" + body + "</MessageBody></XmlMsg>", c), static_cast<std::size_t>(n));
        ASSERT_STR(c.units[0].results[0].name, "資格ﾀ①髙0");
        ASSERT_STR(c.units[n - 1].results[0].name, "資格ﾀ①髙" + std::to_string(n - 1));
    }
    // Bytes CP932 does not take far past the window: the declared encoding's error, nothing else.
    const std::string doc = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg><MessageBody>" + body +
                            "<BulkConfirmUnit><ResultOfQualificationConfirmation><Name>\x85\x40</Name></ResultOfQualificationConfirmation>"
                            "</BulkConfirmUnit></MessageBody></XmlMsg>";
    const std::string e = errc_of(doc);
    ck_assert_msg(e.find("not valid in its declared encoding (Shift_JIS)") != std::string::npos, "%s", e.c_str());
}
END_TEST

// sniff_encoding: the decision alone (oqs-interface.md §8: the declared encoding cannot be trusted to be there).
START_TEST(sniff_decision) {
    using oqs::TextEncoding;
    auto enc = [](std::string_view head, bool whole = true) { return oqs::sniff_encoding(head, whole).encoding; };
    const std::string sjis = "<XmlMsg><Name>\x8E\x91\x8A\x69\x81\x60\xFB\xFC\xC0</Name></XmlMsg>";  // 資格～髙ﾀ
    const std::string utf8 = "<XmlMsg><Name>資格〜髙</Name></XmlMsg>";
    // Declared: libxml2 reads it as it says (even when the bytes say otherwise: that stays an error later).
    ck_assert(enc("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>" + sjis) == TextEncoding::declared);
    ck_assert(enc("\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8'?>" + utf8) == TextEncoding::declared);
    ck_assert(enc("<?xml version=\"1.0\"\n  encoding = \"UTF-8\"?>" + sjis) == TextEncoding::declared);
    ck_assert(enc("\xFF\xFE<\0X\0" + std::string(1, '\0')) == TextEncoding::declared);  // UTF-16 BOM
    // A declaration without encoding= declares nothing.
    ck_assert(enc("<?xml version=\"1.0\"?>" + sjis) == TextEncoding::cp932);
    ck_assert(enc("<?xml version=\"1.0\" standalone=\"no\"?>" + utf8) == TextEncoding::utf8);
    // Plain ASCII: CharacterCodeIdentifier 1 says Shift_JIS; otherwise UTF-8.
    ck_assert(enc("<XmlMsg><MessageHeader><CharacterCodeIdentifier>1</CharacterCodeIdentifier>", false) == TextEncoding::cp932);
    ck_assert(enc("<XmlMsg><MessageHeader><CharacterCodeIdentifier> 1 </CharacterCodeIdentifier>", false) == TextEncoding::cp932);
    ck_assert(enc("<XmlMsg><MessageHeader><CharacterCodeIdentifier>0</CharacterCodeIdentifier>", false) == TextEncoding::utf8);
    ck_assert(enc("<XmlMsg><MessageHeader><CharacterCodeIdentifier>10</CharacterCodeIdentifier>", false) == TextEncoding::utf8);
    ck_assert(enc("<XmlMsg/>") == TextEncoding::utf8);
    // Non-ASCII: valid UTF-8 wins (with or without BOM, whatever CharacterCodeIdentifier says) ...
    ck_assert(enc(utf8) == TextEncoding::utf8);
    ck_assert(enc("\xEF\xBB\xBF" + utf8) == TextEncoding::utf8);
    ck_assert(enc("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>" + utf8) == TextEncoding::utf8);
    ck_assert(oqs::sniff_encoding("\xEF\xBB\xBF" + utf8, true).why.find("byte order mark") != std::string::npos);
    // ... then Shift_JIS, by its identifier or its bytes.
    ck_assert(enc("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>" + sjis) == TextEncoding::cp932);
    ck_assert(enc(sjis) == TextEncoding::cp932);
    ck_assert_msg(oqs::sniff_encoding(sjis, true).why.find("valid Shift_JIS") != std::string::npos, "why");
    ck_assert(enc("<CharacterCodeIdentifier>0</CharacterCodeIdentifier>" + sjis) == TextEncoding::cp932);
    // Neither: an error that names the bytes.
    const auto bad = oqs::sniff_encoding("<XmlMsg><Name>\x8E\x91\xFD\xFE</Name></XmlMsg>", true);
    ck_assert(bad.encoding == TextEncoding::invalid);
    ck_assert_msg(bad.why.find("neither UTF-8 (byte 0x8E at offset 14) nor Shift_JIS (byte 0xFD at offset 16)") != std::string::npos,
                  "%s", bad.why.c_str());
    ck_assert(enc("\xEF\xBB\xBF" + sjis) == TextEncoding::invalid);   // a UTF-8 BOM on Shift_JIS bytes
    ck_assert(enc("<x>\x80</x>") == TextEncoding::invalid);            // 0x80: in neither
    ck_assert(enc("<x>\x85\x40</x>") == TextEncoding::invalid);        // a Shift_JIS row CP932 leaves empty
    // The window's edge: a character cut there is no error; the same cut at the end of the document is.
    ck_assert(enc("<x>資格\xE3\x81", false) == TextEncoding::utf8);
    ck_assert(enc("<x>資\xE3", true) == TextEncoding::invalid);
    ck_assert(enc("<x>\x8E\x91\x8E", false) == TextEncoding::cp932);
    ck_assert(enc("<x>\x8E\x91\x8E", true) == TextEncoding::invalid);
}
END_TEST

// Undeclared documents through the parser: Shift_JIS by its identifier, a UTF-8 BOM, and the limits.
START_TEST(undeclared_documents) {
    const std::string head = "<XmlMsg><MessageHeader><CharacterCodeIdentifier>1</CharacterCodeIdentifier></MessageHeader><MessageBody>";
    auto unit = [](const std::string& name) {
        return "<BulkConfirmUnit><ResultOfQualificationConfirmation><Name>" + name + "</Name></ResultOfQualificationConfirmation></BulkConfirmUnit>";
    };
    const std::string tail = "</MessageBody></XmlMsg>";
    // 81 60, 81 7C, 81 61, 81 91 92 CA, 81 5C: the JIS and the Windows characters are the same bytes; read as CP932.
    // EE E0 and FB FC are both 髙 (NEC-selected and IBM extension rows), FA B1 﨑, 87 40 ①, C0 ﾀ (half-width).
    const std::string names = "\x81\x60\x81\x7C\x81\x61\x81\x91\x81\x92\x81\xCA\x81\x5C\xEE\xE0\xFB\xFC\xFA\xB1\x87\x40\xC0";
    Collect c;
    ck_assert_uint_eq(parse(head + unit(names) + tail, c), 1);
    ASSERT_STR(c.units[0].results[0].name, "～－∥￠￡￢―髙髙﨑①ﾀ");
    ASSERT_STR(c.header.character_code_identifier, "1");
    // The same bytes after more than a whole window of ASCII: CharacterCodeIdentifier decides.
    std::string filler;
    for (int i = 0; filler.size() < oqs::kSniffMaxBytes + 100; ++i) filler += unit("TARO" + std::to_string(i));
    Collect big;
    ck_assert_uint_gt(parse(head + filler + unit(names) + tail, big), 1000);
    ASSERT_STR(big.units.back().results[0].name, "～－∥￠￡￢―髙髙﨑①ﾀ");
    // Without an identifier, Shift_JIS bytes past the window (1 MiB of ASCII) cannot be told: a clear error.
    const std::string no_cci = "<XmlMsg><MessageHeader/><MessageBody>";
    ck_assert_msg(errc_of(no_cci + filler + unit(names) + tail).find("not valid UTF-8, read as such") != std::string::npos,
                  "%s", errc_of(no_cci + filler + unit(names) + tail).c_str());
    // Within the window, the bytes alone decide.
    Collect near;
    ck_assert_uint_eq(parse(no_cci + unit("TARO") + unit(names) + tail, near), 2);
    ASSERT_STR(near.units[1].results[0].name, "～－∥￠￡￢―髙髙﨑①ﾀ");
    // Identifier 1 but bytes CP932 does not take after the window: a clear error that says so.
    ck_assert_msg(errc_of(head + filler + unit("\x85\x40") + tail).find("not valid Shift_JIS (CP932)") != std::string::npos,
                  "%s", errc_of(head + filler + unit("\x85\x40") + tail).c_str());
    // UTF-8 with a BOM and no declaration; UTF-8 wins over an identifier that says 1.
    Collect bom;
    ck_assert_uint_eq(parse("\xEF\xBB\xBF" + head + unit("資格〜太郎") + tail, bom), 1);
    ASSERT_STR(bom.units[0].results[0].name, "資格〜太郎");
    // Neither: refused before a unit is delivered.
    Collect none;
    const std::string bad = head + unit("TARO") + unit("\x8E\x91\xFD\xFE") + tail;
    ck_assert_msg(errc_of(bad).find("neither UTF-8") != std::string::npos, "%s", errc_of(bad).c_str());
    try { parse(bad, none); } catch (const Error&) {}
    ck_assert_uint_eq(none.units.size(), 0);
    // A declared encoding is honoured, even when wrong.
    ck_assert_msg(errc_of("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + head + unit(names) + tail).starts_with("malformed"), "declared");
}
END_TEST

START_TEST(hostile_and_broken) {
    ck_assert_msg(errc_of("<XmlMsg><MessageHeader>").starts_with("malformed"), "truncated");
    ck_assert_msg(errc_of("").starts_with("malformed"), "empty");
    ck_assert_msg(errc_of("<Other/>").find("not <XmlMsg>") != std::string::npos, "wrong root");
    ck_assert_msg(errc_of("<?xml version=\"1.0\"?><!DOCTYPE XmlMsg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><XmlMsg>&x;</XmlMsg>")
                      .starts_with("malformed"), "XXE");
    ck_assert_msg(errc_of("<?xml version=\"1.0\"?><!DOCTYPE XmlMsg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><XmlMsg>&b;</XmlMsg>")
                      .starts_with("malformed"), "entity expansion");
    std::string deep = "<XmlMsg>";
    for (int i = 0; i < 40; ++i) deep += "<a>";
    ck_assert_msg(errc_of(deep).find("nested deeper") != std::string::npos, "depth");
    const std::string big = "<XmlMsg><MessageHeader><ErrorMessage>" + std::string(oqs::kMaxFieldBytes + 10, 'x') + "</ErrorMessage></MessageHeader></XmlMsg>";
    ck_assert_msg(errc_of(big).find("holds more than") != std::string::npos, "long field");
    ck_assert_msg(errc_of("<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><x>\xff\xfe</x></XmlMsg>").starts_with("malformed"), "bad utf-8");
}
END_TEST

START_TEST(header_only_and_processing) {
    Collect c;
    ck_assert_uint_eq(parse("<XmlMsg><MessageHeader><SegmentOfResult>2</SegmentOfResult></MessageHeader></XmlMsg>", c), 0);
    ck_assert_int_eq(c.headers, 1);
    ASSERT_STR(c.header.segment_of_result, "2");
    Collect r1;  // 01res: ReceptionNumber in the body
    parse("<XmlMsg><MessageHeader/><MessageBody><ReceptionNumber>20240829103551503_9598</ReceptionNumber>"
          "<ReceptionDateTime>20240829103551</ReceptionDateTime></MessageBody></XmlMsg>", r1);
    ASSERT_STR(r1.header.body_reception_number, "20240829103551503_9598");
    ASSERT_STR(r1.header.reception_date_time, "20240829103551");
}
END_TEST

START_TEST(writers_round_trip) {
    oqs::PhaseOneRequest req;
    req.medical_institution_code = "1310000017";
    req.arbitrary_file_identifier = "ORCA-ONSHI-1-7";
    req.consent_date_from = "20251021";
    req.consent_date_to = "20251121";
    req.medical_treatment_flag = "2";
    const std::string x = oqs::write_phase1_request(req);
    ck_assert(x.find("<ConsentDateFrom>20251021</ConsentDateFrom>") != std::string::npos);
    ck_assert(x.find("<MedicalTreatmentFlag>2</MedicalTreatmentFlag>") != std::string::npos);
    ck_assert(x.find("ExaminationDateFrom") == std::string::npos);  // empty fields are left out
    Collect c;
    parse(x, c);
    ASSERT_STR(c.header.medical_institution_code, "1310000017");
    ASSERT_STR(c.header.arbitrary_file_identifier, "ORCA-ONSHI-1-7");
    const std::string y = oqs::write_phase2_request("1310000017", "R<&>1");
    Collect d;
    parse(y, d);
    ASSERT_STR(d.header.body_reception_number, "R<&>1");          // escaped and read back
}
END_TEST

START_TEST(validation_names_the_field) {
    BulkConfirmUnit u;
    u.processing_result_status = "1";
    u.qualification_validity = "1";
    u.results.emplace_back();
    u.results[0].insured_card_classification = "01";
    u.results[0].birthdate = "20241332";
    try {
        oqs::validate_unit(u, 3);
        ck_abort_msg("a bad date passed");
    } catch (const Error& e) {
        ck_assert(e.code() == Errc::malformed);
        ck_assert_msg(std::string(e.what()).find("BulkConfirmUnit 3") != std::string::npos, "%s", e.what());
    }
    u.results[0].birthdate = "20240229";
    oqs::validate_unit(u, 3);
    u.results[0].checkup.flg = "4";
    try {
        oqs::validate_unit(u, 1);
        ck_abort_msg("consent 4 passed");
    } catch (const Error& e) {
        ck_assert_msg(std::string(e.what()).find("OQSCD016") != std::string::npos, "%s", e.what());
    }
    ResultHeader h;
    h.segment_of_result = "3";
    try {
        oqs::validate_header(h);
        ck_abort_msg("segment 3 passed");
    } catch (const Error& e) {
        ck_assert(std::string(e.what()).find("OQSCD003") != std::string::npos);
    }
}
END_TEST

START_TEST(card_request_round_trip_and_writer) {
    const auto error_code_of = [](auto f) {
        try {
            f();
        } catch (const Error& e) {
            return static_cast<int>(e.code());
        }
        return -1;
    };
    oqs::CardRequest r;
    const std::uint8_t der[] = {0x30, 0x82, 0x01, 0x00};
    r.certificate = oqs::base64(der);
    r.challenge = "QUJD";
    r.identity = "2";
    r.treatment = "2";
    r.ope = "1";
    r.shinryo = "1";
    r.prescription = "1";
    ck_assert(r.certificate == "MIIBAA==");
    const oqs::CardRequest back = oqs::decode_card_params(oqs::encode_card_params(r));
    ck_assert(back.certificate == r.certificate && back.identity == "2" && back.ope == "1" && back.kenshin == "0" && back.prescription == "1");
    const std::string xml = oqs::write_card_request("1310000001", "ORCA-ONSHI-1-9", back);
    ck_assert(xml.find("<Certificate>MIIBAA==</Certificate>") != std::string::npos);
    ck_assert(xml.find("<IdentityConfirmation>2</IdentityConfirmation>") != std::string::npos);
    ck_assert(xml.find("<PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>") != std::string::npos);
    ck_assert(xml.find("<SpecificHealthCheckupsInfoConsFlg>0</SpecificHealthCheckupsInfoConsFlg>") != std::string::npos);
    ck_assert(xml.find("Signature") == std::string::npos);  // 目視確認: no Signature
    ck_assert(xml.find("<ArbitraryFileIdentifier>ORCA-ONSHI-1-9</ArbitraryFileIdentifier>") != std::string::npos);
    // PIN without a signature, a signature without PIN, bad flags: refused
    oqs::CardRequest bad = r;
    bad.identity = "1";
    ck_assert_int_eq(error_code_of([&] { oqs::decode_card_params(oqs::encode_card_params(bad)); }), static_cast<int>(Errc::usage));
    bad = r;
    bad.signature = "AAAA";
    ck_assert_int_eq(error_code_of([&] { oqs::decode_card_params(oqs::encode_card_params(bad)); }), static_cast<int>(Errc::usage));
    bad = r;
    bad.sikkan = "2";
    ck_assert_int_eq(error_code_of([&] { oqs::decode_card_params(oqs::encode_card_params(bad)); }), static_cast<int>(Errc::usage));
    ck_assert_int_eq(error_code_of([&] { oqs::decode_card_params("cert"); }), static_cast<int>(Errc::usage));
}
END_TEST

Suite* codec_suite() {
    oqs::init_codec();
    Suite* s = suite_create("codec");
    TCase* t = tcase_create("core");
    tcase_add_test(t, every_field);
    tcase_add_test(t, both_spellings_and_wrappers);
    tcase_add_test(t, shift_jis_declared);
    tcase_add_test(t, cp932_decoder_pieces);
    tcase_add_test(t, shift_jis_long_through_converter);
    tcase_add_test(t, whitespace_in_indented_documents);
    tcase_add_test(t, sniff_decision);
    tcase_add_test(t, undeclared_documents);
    tcase_add_test(t, hostile_and_broken);
    tcase_add_test(t, header_only_and_processing);
    tcase_add_test(t, writers_round_trip);
    tcase_add_test(t, validation_names_the_field);
    tcase_add_test(t, card_request_round_trip_and_writer);
    suite_add_tcase(s, t);
    return s;
}

UNIT_SUITE(codec_suite);
