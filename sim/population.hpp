// The simulator's synthetic population: every person the OQS simulator answers for, with what OQS
// sends about them and what the ORCA stand-in holds. Fully determined by (seed, size, today).
// All names, numbers and addresses are invented; insurer and recipient numbers carry valid check
// digits (onshi::insurer_number_valid / recipient_number_valid) but belong to nobody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onshi::sim {

enum class Scheme { kokuho, kyokai, kumiai, kouki };  // 国保, 協会けんぽ, 組合健保, 後期高齢

// How the clinic sees the person: 訪問診療等 (answered to OQSmuhvq) or オンライン診療等 (OQSmuonq).
enum class Treatment { homecare, online };
const char* treatment_name(Treatment t);  // "homecare" / "online"

// A change OQS reports when the clinic re-checks a card (OQSmuquc), injected per person.
enum class Change {
    none,
    invalid,            // QualificationValidity 2, card expired yesterday
    new_qualification,  // QualificationValidity 3 (a newer qualification exists)
    ratio,              // another InsuredPartialContributionRatio
    enddate,            // another InsuredCardExpirationDate
};
const char* change_name(Change c);        // "", "invalid", "new", "ratio", "enddate"

struct Insurance {
    Scheme scheme = Scheme::kokuho;
    std::string hknnum;          // ORCA 保険番号: "060", "001", "006", "039"
    std::string hknjanum;        // 保険者番号: 6 digits (国保) or 8
    std::string kigo;            // 記号, half width as OQS sends it ("" for 後期)
    std::string num;             // 番号, half width
    std::string edaban;          // 枝番 "00", "01", ... ("" for 後期: OQS sends "", ORCA holds '')
    std::string honkzkkbn;       // 本人家族区分 1 本人 / 2 家族
    std::string ratio;           // InsuredPartialContributionRatio "030" / "020" / "010"
    std::string insurer_name;    // InsurerName
    std::string insured_name;    // InsuredName (世帯主 / 被保険者), ORCA form
    std::string qualification_date;   // 資格取得日
    std::string issuance_date;        // InsuredCertificateIssuanceDate
    std::string valid_date;           // InsuredCardValidDate
    std::string expiration_date;      // InsuredCardExpirationDate ("" when none)
};

struct Welfare {                 // 医療扶助 (A1)
    bool paired = false;         // true: 保険 result + A1 result; false: A1 result only
    std::string ftnjanum;        // 公費負担者番号 "12" + 5 digits + check digit
    std::string jkysnum;         // 受給者番号, 7 digits with check digit
    std::string office_name;     // 福祉事務所 (InsurerName of the A1 result)
    std::string start_date;      // QualificationDate
    std::string issue_number;    // 医療券 IssueNumber
    bool dispensing_ticket = false;  // a second MedicalTicketInfo: 調剤券 (TicketType 02)
};

struct Elderly {                 // ElderlyRecipientCertificateInfo (ages 70-74)
    std::string certificate_date, valid_start, valid_end, ratio;
};

struct Limit {                   // LimitApplicationCertificateRelatedInfo
    std::string classification;  // OQSCD011 01-03
    std::string flag;            // OQSCD012 A01.. / B01..
    std::string certificate_date, valid_start, valid_end;
};

struct Disease {                 // SpecificDiseasesCertificateInfo
    std::string category;        // OQSCD013 1-3
    std::string certificate_date, valid_start, valid_end, self_pay;
};

struct Consent {                 // one OQSCD016 group; time/available only for flag 1 and 2
    int flg = 0;
    std::string time;            // ConsTime YYYYMMDDHHMMSS
    std::string available;       // AvailableTime YYYYMMDDHHMMSS
};

struct Person {
    int index = 0;
    long long ptid = 0;          // ORCA 患者ID (1000 + index; ORCA-only extras from 900000)
    std::string ptnum;           // ORCA 患者番号 ("00010" for index 0)
    std::string family_name, given_name;  // ORCA form (JIS X 0208 only)
    std::string family_kana, given_kana;  // full-width katakana
    std::string name;            // as OQS sends it: may hold 外字 (gaiji) or ● (black_circle)
    std::string orca_name;       // as ORCA holds it: family + U+3000 + given
    std::string kana;            // full-width katakana, family + U+3000 + given (ORCA and OQS)
    std::string sex;             // "1" / "2"
    std::string birthdate;       // YYYYMMDD
    std::string post;            // "NNN-NNNN"
    std::string address_town;    // 都道府県 + 市区町村 + 町域 (ORCA home_adrs)
    std::string address_banti;   // "1-2-3" (ORCA home_banti holds its 全角 form)
    std::string address;         // address_town + address_banti, as OQS sends it
    std::optional<Insurance> insurance;   // absent for 医療扶助-only persons
    std::optional<Welfare> welfare;
    std::optional<Elderly> elderly;
    std::optional<Limit> limit;
    std::vector<Disease> diseases;        // 0-3 特定疾病 certificates
    bool preschool = false;

    // Consent (OQSCD016; gendo OQSCD001) and the 同意 range the result reports.
    Consent ope, shinryo, yakuzai, kenshin, sikkan, gendo;
    std::string consent_date;    // 同意年月日 = ConsentDateFrom
    std::string consent_to;      // 同意有効期限 = ConsentDateTo (consent_date + 3 months)

    Treatment treatment = Treatment::homecare;  // ~30 % online, from a stream of its own
    std::string exam_date;       // online only: 受診年月日, 1st of today's month .. today

    bool ref_registered = false; // ReferenceNumber (= ptnum) in the result
    bool in_orca = true;         // false: exists only at OQS (unmatched)
    bool test_patient = false;   // ORCA tstptnumkbn '1': must never be linked
    bool gaiji = false;          // OQS name holds a character outside JIS X 0208
    bool black_circle = false;   // OQS name holds ● in place of a character
    bool halfwidth_kana = false; // OQS sends NameKana in half-width katakana

    [[nodiscard]] int results() const { return welfare && welfare->paired ? 2 : 1; }
    [[nodiscard]] bool held() const { return gaiji || black_circle; }
    [[nodiscard]] std::string reference_number() const { return ref_registered ? ptnum : std::string(); }
    // The ptid orca-onshi must link this person to (0 = must stay unlinked).
    [[nodiscard]] long long expected_ptid() const { return in_orca && !test_patient ? ptid : 0; }
    // NameKana exactly as OQS sends it (half width for halfwidth_kana persons).
    [[nodiscard]] std::string oqs_kana() const;
};

// The persons known to OQS: index 0..size-1. When size >= 50 every category (each scheme, 70-74,
// ref / no ref, unmatched, test patient, both welfare kinds, gaiji, ●, half-width kana, 限度額,
// 特定疾病) occurs at least once, and at least once among the homecare persons. Throws onshi::Error(usage) for a bad `today` (YYYYMMDD).
std::vector<Person> make_population(std::uint64_t seed, int size, const std::string& today);

// ORCA-only patients (size / 20 of them, ptid 900000 + j) that never appear at OQS.
std::vector<Person> make_orca_only(std::uint64_t seed, int size, const std::string& today);

// The change injected for person `index`: with probability rate_pct % one of the four kinds, all
// drawn from (change_seed, index) alone, so the simulator and `expect-validity` agree.
Change draw_change(std::uint64_t change_seed, int rate_pct, int index);

}  // namespace onshi::sim
