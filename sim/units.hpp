// What OQS answers about each person, one BulkConfirmUnit at a time: the normal answer of every
// request kind, the changes a 資格確認 may report, and the faults injected into units. Shared by
// `serve`, `make-result` and `expect`, so what the simulator writes and what it says it writes
// cannot drift apart.
#pragma once

#include "population.hpp"
#include "result_xml.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace onshi::sim {

// ----- faults --------------------------------------------------------------------------------

enum class Fault {
    err01,               // every 01req answered with .err
    err02,               // every 02req answered with .err
    seg9,                // the final 02res is SegmentOfResult 9
    malformed,           // the final 02res is cut off inside a unit
    processing_forever,  // every 02res is SegmentOfResult 2
    slow_write,          // the final 02res written under its final name, in 10 chunks over ~3 s
    duplicate,           // the final 02res written again once the client has taken it
    unit_errors,         // index % 10 == 3: ProcessingResultStatus 2, no results
    validity_mix,        // index % 7 == 1..5: QualificationValidity 2..6, results kept
    not_found,           // index % 9 == 4: QualificationValidity 4, no results
    symlink,             // the final 02res written outside res_dir (<res_dir>.outside/), a symlink to it under its name
};

// A set of faults, from the --fault option: a comma-separated list of the names above with '-'
// for '_' ("unit-errors"), or "none".
class Faults {
public:
    // Throws Error(usage) naming the unknown entry.
    static Faults parse(const std::string& list);
    static const char* names();  // for --help: "none, err01, ..."
    [[nodiscard]] bool has(Fault f) const { return (bits_ >> static_cast<unsigned>(f)) & 1U; }

private:
    unsigned bits_ = 0;
};

// ----- units of each request kind ------------------------------------------------------------

// 訪問診療 / オンライン診療 (and make-result): every result the person has, echoing its keys.
Unit consented_unit(const Person& p);

// 医療扶助 (OQSmutic): the A1 result alone, its 医療券 for `month` (YYYYMM). `pending`: the 医療券
// is not uploaded yet (QualificationValidity 6, no MedicalTicketInfo).
Unit ticket_unit(const Person& p, const std::string& month, bool pending);

// 資格確認 (OQSmuquc) for one search entry: `found` (may be nullptr) and its injected change,
// relative to `today` (YYYYMMDD). The echo is the request's own.
Unit validity_unit(const SearchEcho& asked, const Person* found, Change change, const std::string& today);

// 照会番号登録 (OQSmuimm) for one entry: accepted when the person is found and a ReferenceNumber
// is given; never any results.
Unit registration_unit(const SearchEcho& asked, const Person* found);

// The unit faults (unit-errors, not-found, validity-mix) for the unit's person, by its index;
// units without a person are left alone. The first that applies wins, in that order.
void apply_unit_faults(Unit& u, const Faults& faults);

// ----- finding a person by card --------------------------------------------------------------

struct CardKey {  // as a request gives them
    std::string insurer_number, symbol, number, branch;
};

// The insured persons by (保険者番号, 記号, 番号, 枝番), compared the tolerant way: full-width ASCII
// to half width, trimmed; an 8-character 保険者番号 "00nnnnnn" is the 6-digit "nnnnnn"; an empty
// 枝番 asked for a 後期高齢 (39…) insurer matches any 枝番.
class CardIndex {
public:
    explicit CardIndex(const std::vector<Person>& people);
    [[nodiscard]] const Person* find(const CardKey& key) const;  // nullptr if nobody

private:
    std::unordered_map<std::string, std::vector<const Person*>> by_card_;  // without the 枝番
};

}  // namespace onshi::sim
