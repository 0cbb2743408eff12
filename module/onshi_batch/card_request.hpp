// The card request: a qualification check (and consent registration) from a My Number card read at
// the clinic PC. What OQS really receives for a card-based check is not public
// (../shared/reference/mynumber-card.md §5): this file is the one place that knows our own message,
// kept behind the folder transport so that it can be replaced when the official spec is known.
//
// OQScrdq [?] (our placeholder prefix, not an official OQS name), single phase:
//   OQScrdq01req_<suffix>.xml  XmlMsg/MessageHeader/{MedicalInstitutionCode, ArbitraryFileIdentifier}
//                              XmlMsg/MessageBody/{Certificate, Challenge, Signature, IdentityConfirmation,
//                                MedicalTreatmentFlag, OperationInfoConsFlg, DiagnosisInfoConsFlg,
//                                PharmacistsInfoConsFlg, SpecificHealthCheckupsInfoConsFlg,
//                                SpecificDiseasesCertificateRelatedConsFlg, PrescriptionIssueSelect}
//   OQScrdq01res_<suffix>.xml  shaped like a 02res with one BulkConfirmUnit (SegmentOfResult 1, or 9
//                              with ErrorCode / ErrorMessage), ingested as ★ rows.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::oqs {

inline constexpr std::string_view kCardPrefix = "OQScrdq";  // [?] placeholder

struct CardRequest {
    std::string certificate;   // base64 of the 利用者証明用電子証明書 (DER)
    std::string challenge;     // base64 of the random challenge
    std::string signature;     // base64 of the signature over the challenge; '' unless identity is "1"
    std::string identity;      // IdentityConfirmation: 1 PIN, 2 目視確認
    std::string treatment;     // MedicalTreatmentFlag: 2 訪問診療, 1 外来診療等
    std::string ope = "0", shinryo = "0", kenshin = "0", sikkan = "0";  // consent flags 1/0
    std::string prescription;  // PrescriptionIssueSelect: 1 電子処方箋, 2 紙
};

std::string base64(std::span<const std::uint8_t> bytes);

// The request as the job keeps it (params 'card'): "key=value;..." of the fields above.
std::string encode_card_params(const CardRequest& r);
CardRequest decode_card_params(std::string_view s);  // Error(usage) when a field is missing or wrong

std::string write_card_request(std::string_view institution_code, std::string_view file_identifier, const CardRequest& r);

}  // namespace onshi::oqs
