#include "onshi_batch/validate.hpp"

#include "core/codes.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

#include <string>

namespace onshi::oqs {
namespace {

class Checker {
public:
    explicit Checker(std::string where) : where_(std::move(where)) {}

    void code(const codes::Table& t, const std::string& v, const char* element) const {
        if (!v.empty() && !t.contains(v))
            fail(element, "'" + v + "' is not a code of " + std::string(t.id));
    }
    void date(const std::string& v, const char* element) const {
        if (!v.empty() && !dates::valid_ymd(v)) fail(element, "'" + v + "' is not a date (YYYYMMDD)");
    }
    void month(const std::string& v, const char* element) const {
        if (!v.empty() && !dates::valid_ym(v)) fail(element, "'" + v + "' is not a month (YYYYMM)");
    }
    void timestamp(const std::string& v, const char* element) const {
        if (!v.empty() && !dates::valid_timestamp(v) && !dates::valid_ymd(v))
            fail(element, "'" + v + "' is not a time (YYYYMMDDHHmmss)");
    }
    void digits(const std::string& v, const char* element) const {
        if (!v.empty() && !text::all_digits(v)) fail(element, "'" + v + "' is not a number");
    }
    void utf8(const std::string& v, const char* element) const {
        if (!text::is_valid_utf8(v)) fail(element, "text is not valid in its declared encoding");
    }
    [[noreturn]] void fail(const char* element, const std::string& why) const {
        throw Error(Errc::malformed, where_ + " <" + element + ">: " + why);
    }

private:
    std::string where_;
};

void check_consent(const Checker& c, const Consent& k, const char* flg, const char* time, const char* avail) {
    c.code(codes::consent, k.flg, flg);
    c.timestamp(k.time, time);
    c.timestamp(k.available_time, avail);
}

}  // namespace

void validate_header(const ResultHeader& h) {
    const Checker c("MessageHeader");
    c.code(codes::segment_of_result, h.segment_of_result, "SegmentOfResult");
    c.timestamp(h.process_execution_time, "ProcessExecutionTime");
    c.date(h.qualification_confirmation_date, "QualificationConfirmationDate");
    c.digits(h.medical_institution_code, "MedicalInstitutionCode");
    c.digits(h.number_of_processing_result, "NumberOfProcessingResult");
    c.digits(h.number_of_normal_processing, "NumberOfNormalProcessing");
    c.digits(h.number_of_error, "NumberOfError");
    c.code(codes::character_code, h.character_code_identifier, "CharacterCodeIdentifier");
    c.utf8(h.error_message, "ErrorMessage");
}

void validate_unit(const BulkConfirmUnit& u, std::size_t index) {
    const Checker c("BulkConfirmUnit " + std::to_string(index));
    c.code(codes::processing_result_status, u.processing_result_status, "ProcessingResultStatus");
    c.code(codes::qualification_validity, u.qualification_validity, "QualificationValidity");
    c.date(u.search.birthdate, "QualificationConfirmSearchInfo/Birthdate");
    c.code(codes::limit_consent, u.search.limit_cons_flg, "QualificationConfirmSearchInfo/LimitApplicationCertificateRelatedConsFlg");
    c.date(u.search.consent_date_from, "ConsentDateFrom");
    c.date(u.search.consent_date_to, "ConsentDateTo");
    c.code(codes::medical_treatment_flag, u.search.medical_treatment_flag, "MedicalTreatmentFlag");
    for (const auto& r : u.results) {
        c.code(codes::insured_card_class, r.insured_card_classification, "InsuredCardClassification");
        c.code(codes::personal_family, r.personal_family_classification, "PersonalFamilyClassification");
        c.code(codes::sex, r.sex1, "Sex1");
        c.code(codes::sex, r.sex2, "Sex2");
        c.code(codes::preschool, r.preschool_classification, "PreschoolClassification");
        c.code(codes::reason_of_loss, r.reason_of_loss, "ReasonOfLoss");
        c.code(codes::prescription_issue, r.prescription_issue_select, "PrescriptionIssueSelect");
        c.code(codes::limit_consent, r.limit_cons_flg, "LimitApplicationCertificateRelatedConsFlg");
        c.code(codes::limit_classification, r.limit_classification, "LimitApplicationCertificateClassification");
        c.code(codes::limit_classification_flag, r.limit_classification_flag, "LimitApplicationCertificateClassificationFlag");
        c.code(codes::consent, r.sikkan_cons_flg, "SpecificDiseasesCertificateRelatedConsFlg");
        for (const auto* d : {&r.birthdate, &r.qualification_date, &r.disqualification_date, &r.insured_certificate_issuance_date,
                              &r.insured_card_valid_date, &r.insured_card_expiration_date, &r.elderly_certificate_date,
                              &r.elderly_valid_start_date, &r.elderly_valid_end_date, &r.limit_certificate_date,
                              &r.limit_valid_start_date, &r.limit_valid_end_date, &r.limit_long_term_date,
                              &r.consent_date_from, &r.consent_date_to})
            c.date(*d, "date");
        for (const auto* t : {&r.limit_cons_time, &r.sikkan_cons_time, &r.ons_registration_time})
            c.timestamp(*t, "time");
        c.digits(r.insured_partial_contribution_ratio, "InsuredPartialContributionRatio");
        c.digits(r.elderly_contribution_ratio, "ElderlyRecipientContributionRatio");
        check_consent(c, r.checkup, "SpecificHealthCheckupsInfoConsFlg", "SpecificHealthCheckupsInfoConsTime", "SpecificHealthCheckupsInfoAvailableTime");
        check_consent(c, r.pharmacists, "PharmacistsInfoConsFlg", "PharmacistsInfoConsTime", "PharmacistsInfoAvailableTime");
        check_consent(c, r.diagnosis, "DiagnosisInfoConsFlg", "DiagnosisInfoConsTime", "DiagnosisInfoAvailableTime");
        check_consent(c, r.operation, "OperationInfoConsFlg", "OperationInfoConsTime", "OperationInfoAvailableTime");
        check_consent(c, r.qualification, "QualificationConsFlg", "QualificationConsTime", "QualificationAvailableTime");
        if (r.specific_diseases.size() > 3) c.fail("SpecificDiseasesCertificateInfo", "more than 3 certificates");
        for (const auto& d : r.specific_diseases) {
            c.code(codes::disease_category, d.disease_category, "SpecificDiseasesDiseaseCategory");
            c.date(d.certificate_date, "SpecificDiseasesCertificateDate");
            c.date(d.valid_start_date, "SpecificDiseasesValidStartDate");
            c.date(d.valid_end_date, "SpecificDiseasesValidEndDate");
            c.digits(d.self_pay, "SpecificDiseasesSelfPay");
        }
        for (const auto& t : r.medical_tickets) {
            c.code(codes::ticket_type, t.ticket_type, "TicketType");
            c.code(codes::medical_treatment_type, t.treatment_type, "MedicalTreatmentType");
            c.date(t.valid_date, "MedicalTicketValidDate");
            c.date(t.expiration_date, "MedicalTicketExpirationDate");
            c.month(t.treatment_month, "MedicalTreatmentMonth");
        }
    }
}

}  // namespace onshi::oqs
