#include "onshi_batch/card_request.hpp"

#include "core/error.hpp"
#include "core/handle.hpp"
#include "onshi_batch/codec.hpp"

#include <glib.h>

#include <map>

namespace onshi::oqs {

std::string base64(std::span<const std::uint8_t> bytes) {
    const Handle<gchar*, g_free> s(g_base64_encode(bytes.data(), bytes.size()));
    return std::string(s.get());
}

namespace {

std::vector<std::pair<std::string, std::string*>> fields(CardRequest& r) {
    return {{"cert", &r.certificate}, {"chal", &r.challenge},  {"sig", &r.signature}, {"id", &r.identity},
            {"mtf", &r.treatment},    {"ope", &r.ope},          {"shin", &r.shinryo}, {"ken", &r.kenshin},
            {"sik", &r.sikkan},       {"rx", &r.prescription}};
}

}  // namespace

std::string encode_card_params(const CardRequest& in) {
    CardRequest r = in;
    std::string s;
    for (const auto& [k, v] : fields(r)) s += (s.empty() ? "" : ";") + k + "=" + *v;
    return s;
}

CardRequest decode_card_params(std::string_view s) {
    std::map<std::string, std::string, std::less<>> kv;
    while (!s.empty()) {
        const auto semi = s.find(';');
        const std::string_view part = s.substr(0, semi);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) throw Error(Errc::usage, "card request: malformed parameters");
        kv[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
        s = semi == std::string_view::npos ? std::string_view() : s.substr(semi + 1);
    }
    CardRequest r;
    for (const auto& [k, v] : fields(r)) {
        const auto it = kv.find(k);
        if (it != kv.end()) *v = it->second;
    }
    auto flag = [](const std::string& v) { return v == "0" || v == "1"; };
    if (r.certificate.empty() || r.challenge.empty()) throw Error(Errc::usage, "card request: no certificate or challenge");
    if (r.identity != "1" && r.identity != "2") throw Error(Errc::usage, "card request: IdentityConfirmation must be 1 or 2");
    if (r.identity == "1" && r.signature.empty()) throw Error(Errc::usage, "card request: PIN confirmation without a signature");
    if (r.identity == "2" && !r.signature.empty()) throw Error(Errc::usage, "card request: a signature without PIN confirmation");
    if (r.treatment != "1" && r.treatment != "2") throw Error(Errc::usage, "card request: MedicalTreatmentFlag must be 1 or 2");
    if (!flag(r.ope) || !flag(r.shinryo) || !flag(r.kenshin) || !flag(r.sikkan)) throw Error(Errc::usage, "card request: consent flags are 1 or 0");
    if (!r.prescription.empty() && r.prescription != "1" && r.prescription != "2")
        throw Error(Errc::usage, "card request: PrescriptionIssueSelect must be 1 or 2");
    return r;
}

std::string write_card_request(std::string_view institution_code, std::string_view file_identifier, const CardRequest& r) {
    return write_simple_request(
        {{"MedicalInstitutionCode", std::string(institution_code)}, {"ArbitraryFileIdentifier", std::string(file_identifier)}},
        {{"Certificate", r.certificate},
         {"Challenge", r.challenge},
         {"Signature", r.signature},
         {"IdentityConfirmation", r.identity},
         {"MedicalTreatmentFlag", r.treatment},
         {"OperationInfoConsFlg", r.ope},
         {"DiagnosisInfoConsFlg", r.shinryo},
         {"PharmacistsInfoConsFlg", r.shinryo},  // 診療・薬剤: one consent on the screen
         {"SpecificHealthCheckupsInfoConsFlg", r.kenshin},
         {"SpecificDiseasesCertificateRelatedConsFlg", r.sikkan},
         {"PrescriptionIssueSelect", r.prescription}});
}

}  // namespace onshi::oqs
