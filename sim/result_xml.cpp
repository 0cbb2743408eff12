#include "result_xml.hpp"

#include "calendar.hpp"
#include "core/error.hpp"

#include <glib.h>
#include <libxml/xmlwriter.h>

#include <algorithm>

namespace onshi::sim {
namespace {

// xmlTextWriter over a memory buffer. Every call is checked; a failure throws onshi::Error (no
// libxml2 callback is involved, so nothing is thrown through C frames).
class Writer {
public:
    explicit Writer(Encoding enc) : buf_(xmlBufferCreate()) {
        if (!buf_) throw Error(Errc::internal, "xmlBufferCreate failed");
        w_ = xmlNewTextWriterMemory(buf_, 0);
        if (!w_) {
            xmlBufferFree(buf_);
            throw Error(Errc::internal, "xmlNewTextWriterMemory failed");
        }
        xmlTextWriterSetIndent(w_, 1);
        xmlTextWriterSetIndentString(w_, BAD_CAST "  ");
        check(xmlTextWriterStartDocument(w_, "1.0", enc == Encoding::shift_jis ? "Shift_JIS" : "UTF-8", "no"),
              "declaration");
    }
    ~Writer() {
        if (w_) xmlFreeTextWriter(w_);
        xmlBufferFree(buf_);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void open(const std::string& name) { check(xmlTextWriterStartElement(w_, BAD_CAST name.c_str()), name); }
    void close() { check(xmlTextWriterEndElement(w_), "end element"); }
    // An element with text; empty values are left out (the interface allows omitting them).
    void leaf(const std::string& name, const std::string& value) {
        if (!value.empty()) leaf_always(name, value);
    }
    void leaf_always(const std::string& name, const std::string& value) {
        check(xmlTextWriterWriteElement(w_, BAD_CAST name.c_str(), BAD_CAST value.c_str()), name);
    }
    std::string finish() {
        check(xmlTextWriterEndDocument(w_), "end document");
        check(xmlTextWriterFlush(w_), "flush");
        return {reinterpret_cast<const char*>(xmlBufferContent(buf_)), static_cast<std::size_t>(xmlBufferLength(buf_))};
    }

private:
    static void check(int rc, const std::string& what) {
        if (rc < 0) throw Error(Errc::internal, "xml writer failed at " + what);
    }
    xmlBufferPtr buf_;
    xmlTextWriterPtr w_ = nullptr;
};

std::string character_code(Encoding enc) { return enc == Encoding::shift_jis ? "1" : "0"; }

// <prefix>ConsFlg / ConsTime / AvailableTime (time and available only when the person has them).
void consent(Writer& w, const std::string& prefix, const Consent& c) {
    w.leaf_always(prefix + "ConsFlg", std::to_string(c.flg));
    w.leaf(prefix + "ConsTime", c.time);
    w.leaf(prefix + "AvailableTime", c.available);
}

// What both result kinds carry about the person: identity between InsuredName and QualificationDate.
void identity(Writer& w, const Person& p) {
    w.leaf("Name", p.name);
    w.leaf("NameKana", p.oqs_kana());
    w.leaf("Sex1", p.sex);
    w.leaf("Birthdate", p.birthdate);
    w.leaf("Address", p.address);
    w.leaf("PostNumber", p.post);
}

// The 訪問診療 consents and the 同意 range; both result kinds carry them.
void care_consents(Writer& w, const Person& p, bool pharmaceutical) {
    consent(w, "SpecificHealthCheckupsInfo", p.kenshin);
    consent(w, pharmaceutical ? "PharmaceuticalInfo" : "PharmacistsInfo", p.yakuzai);
    consent(w, "DiagnosisInfo", p.shinryo);
    consent(w, "OperationInfo", p.ope);
    w.leaf("ConsentDateFrom", p.consent_date);
    w.leaf("ConsentDateTo", p.consent_to);
}

// `or_else(a, b)`: a unless it is empty.
const std::string& or_else(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

void insurance_result(Writer& w, const Unit& u, bool pharmaceutical) {
    const Person& p = *u.person;
    const Insurance& in = *p.insurance;
    w.open("ResultOfQualificationConfirmation");
    w.leaf("InsuredCardClassification", "01");
    w.leaf("InsurerNumber", in.hknjanum);
    w.leaf("InsuredCardSymbol", in.kigo);
    w.leaf("InsuredIdentificationNumber", in.num);
    w.leaf_always("InsuredBranchNumber", in.edaban);  // 後期: present and empty
    w.leaf("PersonalFamilyClassification", in.honkzkkbn);
    w.leaf("InsuredName", in.insured_name);
    identity(w, p);
    w.leaf("QualificationDate", in.qualification_date);
    w.leaf("InsuredCertificateIssuanceDate", in.issuance_date);
    w.leaf("InsuredCardValidDate", in.valid_date);
    w.leaf("InsuredCardExpirationDate", or_else(u.expiration_date, in.expiration_date));
    w.leaf("InsuredPartialContributionRatio", or_else(u.ratio, in.ratio));
    if (p.preschool) w.leaf("PreschoolClassification", "1");
    w.leaf("InsurerName", in.insurer_name);
    if (p.elderly) {
        w.open("ElderlyRecipientCertificateInfo");
        w.leaf("ElderlyRecipientCertificateDate", p.elderly->certificate_date);
        w.leaf("ElderlyRecipientValidStartDate", p.elderly->valid_start);
        w.leaf("ElderlyRecipientValidEndDate", p.elderly->valid_end);
        w.leaf("ElderlyRecipientContributionRatio", p.elderly->ratio);
        w.close();
    }
    consent(w, "LimitApplicationCertificateRelated", p.gendo);
    if (p.limit) {
        w.open("LimitApplicationCertificateRelatedInfo");
        w.leaf("LimitApplicationCertificateClassification", p.limit->classification);
        w.leaf("LimitApplicationCertificateClassificationFlag", p.limit->flag);
        w.leaf("LimitApplicationCertificateDate", p.limit->certificate_date);
        w.leaf("LimitApplicationCertificateValidStartDate", p.limit->valid_start);
        w.leaf("LimitApplicationCertificateValidEndDate", p.limit->valid_end);
        w.close();
    }
    consent(w, "SpecificDiseasesCertificateRelated", p.sikkan);
    if (!p.diseases.empty()) {
        w.open("SpecificDiseasesCertificateList");
        for (const Disease& d : p.diseases) {
            w.open("SpecificDiseasesCertificateInfo");
            w.leaf("SpecificDiseasesDiseaseCategory", d.category);
            w.leaf("SpecificDiseasesCertificateDate", d.certificate_date);
            w.leaf("SpecificDiseasesValidStartDate", d.valid_start);
            w.leaf("SpecificDiseasesValidEndDate", d.valid_end);
            w.leaf("SpecificDiseasesSelfPay", d.self_pay);
            w.close();
        }
        w.close();
    }
    care_consents(w, p, pharmaceutical);
    w.leaf("PrescriptionIssueSelect", u.prescription_issue);
    w.close();
}

// One MedicalTicketInfo for the month `yyyymm` (医療券 01 / 入院外 02, or 調剤券 02 / 調剤 04).
void medical_ticket(Writer& w, const Welfare& wf, const std::string& yyyymm, const std::string& institution,
                    bool dispensing) {
    Ymd month;
    parse_ymd(yyyymm + "01", month);  // validated by the caller
    const Ymd first{month.y, month.m, 1};
    const Ymd last{month.y, month.m, days_in_month(month.y, month.m)};
    w.open("MedicalTicketInfo");
    w.leaf("TicketType", dispensing ? "02" : "01");
    w.leaf("MedicalTicketValidDate", fmt_ymd(first));
    w.leaf("MedicalTicketExpirationDate", fmt_ymd(last));
    w.leaf("IssueNumber", wf.issue_number + (dispensing ? "2" : "1"));
    w.leaf("MedicalTreatmentMonth", fmt_ymd(first).substr(0, 6));
    w.leaf("DesignatedMedicalInstitutionCode", institution);
    w.leaf("DesignatedMedicalInstitutionFlag", "1");
    w.leaf("InjuryName1", dispensing ? "" : "高血圧症");
    w.leaf("MedicalTreatmentType", dispensing ? "04" : "02");
    w.leaf("SelfPayAmount", "0");
    w.close();
}

void welfare_result(Writer& w, const Unit& u, const Header02& h, bool pharmaceutical) {
    const Person& p = *u.person;
    const Welfare& wf = *p.welfare;
    w.open("ResultOfQualificationConfirmation");
    w.leaf("InsuredCardClassification", "A1");
    w.leaf("InsurerNumber", wf.ftnjanum);
    w.leaf("InsuredIdentificationNumber", wf.jkysnum);
    identity(w, p);
    w.leaf("QualificationDate", wf.start_date);
    w.leaf("DisqualificationDate", "99991231");  // open-ended 保護
    w.leaf("InsurerName", wf.office_name);
    care_consents(w, p, pharmaceutical);
    if (u.medical_tickets) {
        const std::string month = or_else(u.ticket_month, h.confirmation_date.substr(0, 6));
        w.open("PublicExpenseResultList");
        medical_ticket(w, wf, month, h.institution_code, false);
        if (wf.dispensing_ticket) medical_ticket(w, wf, month, h.institution_code, true);
        w.close();
    }
    w.close();
}

void search_echo(Writer& w, const SearchEcho& s) {
    w.open("QualificationConfirmSearchInfo");
    w.leaf("InsurerNumber", s.insurer_number);
    w.leaf("InsuredCardSymbol", s.card_symbol);
    w.leaf("InsuredIdentificationNumber", s.identification_number);
    if (s.branch_number) w.leaf_always("InsuredBranchNumber", *s.branch_number);
    w.leaf("Birthdate", s.birthdate);
    w.leaf("LimitApplicationCertificateRelatedConsFlg", s.limit_cons_flg);
    w.leaf("ReferenceNumber", s.reference_number);
    w.leaf("ArbitraryIdentifier", s.arbitrary_identifier);
    w.close();
}

// `pos` is the unit's position in the document: the mixed styles alternate on it.
void unit(Writer& w, const Unit& u, std::size_t pos, const ResultStyle& st, const Header02& h) {
    const bool wrap = st.wrapper == Wrapper::resultlist || (st.wrapper == Wrapper::mixed && pos % 2 == 0);
    const bool pharmaceutical =
        st.pharma == PharmaSpelling::pharmaceutical || (st.pharma == PharmaSpelling::mixed && pos % 2 == 1);
    w.open("BulkConfirmUnit");
    search_echo(w, u.search);
    w.leaf("ProcessingResultStatus", u.status);
    w.leaf("ProcessingResultCode", u.result_code);
    w.leaf("ProcessingResultMessage", u.result_message);
    w.leaf("QualificationValidity", u.validity);
    if (u.results() > 0) {
        if (wrap) w.open("ResultList");
        if (u.insurance && u.person->insurance) insurance_result(w, u, pharmaceutical);
        if (u.welfare && u.person->welfare) welfare_result(w, u, h, pharmaceutical);
        if (wrap) w.close();
    }
    w.leaf("ReferenceNumber", u.reference_number);
    w.close();
}

}  // namespace

std::string write_01res(const ResultStyle& style, const Header01& h) {
    Writer w(style.encoding);
    w.open("XmlMsg");
    w.open("MessageHeader");
    w.leaf("ProcessExecutionTime", h.process_execution_time);
    w.leaf("MedicalInstitutionCode", h.institution_code);
    w.leaf_always("ArbitraryFileIdentifier", h.file_id);
    w.leaf("SegmentOfResult", "1");
    w.leaf("CharacterCodeIdentifier", character_code(style.encoding));
    w.close();
    w.open("MessageBody");
    w.leaf("ReceptionNumber", h.reception_number);
    w.leaf("ReceptionDateTime", h.reception_date_time);
    w.close();
    w.close();
    return w.finish();
}

std::string write_02res(const ResultStyle& style, const Header02& h, const std::vector<Unit>& units) {
    const bool with_units = h.segment == "1";
    const auto count_status = [&](const char* status) {
        return std::to_string(with_units ? std::count_if(units.begin(), units.end(),
                                                         [&](const Unit& u) { return u.status == status; })
                                         : 0);
    };
    Writer w(style.encoding);
    w.open("XmlMsg");
    w.open("MessageHeader");
    w.leaf("ProcessExecutionTime", h.process_execution_time);
    w.leaf("QualificationConfirmationDate", h.confirmation_date);
    w.leaf("MedicalInstitutionCode", h.institution_code);
    w.leaf_always("ArbitraryFileIdentifier", h.file_id);
    w.leaf("ReceptionNumber", h.reception_number);
    w.leaf("SegmentOfResult", h.segment);
    w.leaf_always("ErrorCode", h.error_code);
    w.leaf_always("ErrorMessage", h.error_message);
    w.leaf("NumberOfProcessingResult", std::to_string(with_units ? units.size() : 0));
    w.leaf("NumberOfNormalProcessing", count_status("1"));
    w.leaf("NumberOfError", count_status("2"));
    w.leaf("CharacterCodeIdentifier", character_code(style.encoding));
    w.close();
    w.open("MessageBody");
    if (with_units)
        for (std::size_t i = 0; i < units.size(); ++i) unit(w, units[i], i, style, h);
    w.close();
    w.close();
    return w.finish();
}

std::string write_document_error(const ResultStyle& style, const std::string& file_id, const std::string& result_code,
                                 const std::string& message) {
    Writer w(style.encoding);
    w.open("XmlMsg");
    w.open("MessageHeader");
    w.leaf_always("ArbitraryFileIdentifier", file_id);
    w.close();
    w.open("MessageBody");
    w.leaf("ResultCode", result_code);
    w.leaf("MessageContents", message);
    w.close();
    w.close();
    return w.finish();
}

std::string truncate_in_unit(const std::string& xml) {
    static const std::string open_tag = "<BulkConfirmUnit>", close_tag = "</BulkConfirmUnit>";
    std::vector<std::size_t> starts;
    for (auto pos = xml.find(open_tag); pos != std::string::npos; pos = xml.find(open_tag, pos + 1))
        starts.push_back(pos);
    std::size_t from = 0, to = xml.size();
    if (!starts.empty()) {
        from = starts[starts.size() / 2];
        to = std::min(xml.find(close_tag, from), xml.size());
    }
    // Cut just before a tag in the middle ('<' is never a Shift_JIS trail byte).
    const std::size_t cut = xml.find('<', from + (to - from) / 2);
    return xml.substr(0, cut == std::string::npos ? from + (to - from) / 2 : cut);
}

std::string encode_text(const std::string& utf8, Encoding encoding) {
    if (encoding == Encoding::utf8) return utf8;
    gsize written = 0;
    GError* err = nullptr;
    gchar* out = g_convert_with_fallback(utf8.c_str(), static_cast<gssize>(utf8.size()), "SHIFT_JIS", "UTF-8", "?",
                                         nullptr, &written, &err);
    if (!out) {
        const std::string msg = err ? err->message : "g_convert failed";
        g_clear_error(&err);
        throw Error(Errc::internal, "Shift_JIS conversion: " + msg);
    }
    std::string s(out, written);
    g_free(out);
    return s;
}

}  // namespace onshi::sim
