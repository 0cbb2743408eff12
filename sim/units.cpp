#include "units.hpp"

#include "calendar.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace onshi::sim {
namespace {

// Indexed by Fault; the option spells them with '-'.
constexpr std::array<std::string_view, 11> kFaultNames{
    "err01", "err02", "seg9", "malformed", "processing-forever", "slow-write", "duplicate",
    "unit-errors", "validity-mix", "not-found", "symlink",
};
static_assert(kFaultNames.size() == static_cast<std::size_t>(Fault::symlink) + 1, "a name for every Fault");

SearchEcho echo_of(const Person& p) {
    SearchEcho s;
    s.birthdate = p.birthdate;
    if (p.insurance) {
        s.insurer_number = p.insurance->hknjanum;
        s.card_symbol = p.insurance->kigo;
        s.identification_number = p.insurance->num;
        s.branch_number = p.insurance->edaban;
        s.limit_cons_flg = std::to_string(p.gendo.flg);
    } else {
        s.insurer_number = p.welfare->ftnjanum;
        s.identification_number = p.welfare->jkysnum;
    }
    return s;
}

SearchEcho welfare_echo(const Person& p) {
    SearchEcho s;
    s.insurer_number = p.welfare->ftnjanum;
    s.identification_number = p.welfare->jkysnum;
    s.birthdate = p.birthdate;
    return s;
}

Ymd parse_or_throw(const std::string& yyyymmdd) {
    Ymd d;
    if (!parse_ymd(yyyymmdd, d)) throw Error(Errc::internal, "not a date: " + yyyymmdd);
    return d;
}

Ymd month_end(const Ymd& d) { return Ymd{d.y, d.m, days_in_month(d.y, d.m)}; }

std::string other_ratio(const std::string& ratio) { return ratio == "020" ? "030" : "020"; }  // 030/010 -> 020

// A card end date other than `normal`: the end of the month after next (or the one after that).
std::string other_end_date(const std::string& normal, const Ymd& today) {
    std::string d = fmt_ymd(month_end(add_months(Ymd{today.y, today.m, 1}, 2)));
    if (d == normal) d = fmt_ymd(month_end(add_months(Ymd{today.y, today.m, 1}, 3)));
    return d;
}

// Full-width ASCII to half width, trimmed.
std::string norm(const std::string& s) { return text::trim(text::to_hankaku_ascii(s)); }

std::string norm_insurer(const std::string& s) {
    std::string n = norm(s);
    if (n.size() == 8 && n.compare(0, 2, "00") == 0) n.erase(0, 2);  // a zero-padded 6-digit 国保 number
    return n;
}

std::string card_key(const std::string& insurer, const std::string& symbol, const std::string& number) {
    return norm_insurer(insurer) + '\t' + norm(symbol) + '\t' + norm(number);
}

}  // namespace

Faults Faults::parse(const std::string& list) {
    Faults f;
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        const std::string name = text::trim(list.substr(start, comma - start));
        start = comma + 1;
        if (name.empty() || name == "none") continue;
        std::size_t i = 0;
        while (i < kFaultNames.size() && kFaultNames[i] != name) ++i;
        if (i == kFaultNames.size()) throw Error(Errc::usage, "--fault: unknown value " + name);
        f.bits_ |= 1U << i;
    }
    return f;
}

const char* Faults::names() {
    return "none, err01, err02, seg9, malformed, processing-forever, slow-write, duplicate, unit-errors, "
           "validity-mix, not-found, symlink";
}

Unit consented_unit(const Person& p) {
    Unit u;
    u.person = &p;
    u.search = echo_of(p);
    u.insurance = u.welfare = true;
    u.reference_number = p.reference_number();
    return u;
}

Unit ticket_unit(const Person& p, const std::string& month, bool pending) {
    Unit u;
    u.person = &p;
    u.search = welfare_echo(p);
    u.welfare = true;
    u.ticket_month = month;
    if (pending) {  // 未委託・未登録: the welfare office has not uploaded this month's 医療券 yet
        u.validity = "6";
        u.medical_tickets = false;
    }
    u.reference_number = p.reference_number();
    return u;
}

Unit validity_unit(const SearchEcho& asked, const Person* found, Change change, const std::string& today) {
    Unit u;
    u.search = asked;
    if (!found || !found->insurance) {
        u.validity = "4";  // 該当資格なし
        return u;
    }
    u.person = found;
    u.insurance = true;
    u.reference_number = found->reference_number();
    const Ymd t = parse_or_throw(today);
    switch (change) {
    case Change::none: break;
    case Change::invalid:
        u.validity = "2";
        u.expiration_date = fmt_ymd(add_days(t, -1));
        break;
    case Change::new_qualification: u.validity = "3"; break;
    case Change::ratio: u.ratio = other_ratio(found->insurance->ratio); break;
    case Change::enddate: u.expiration_date = other_end_date(found->insurance->expiration_date, t); break;
    }
    return u;
}

Unit registration_unit(const SearchEcho& asked, const Person* found) {
    Unit u;
    u.search = asked;
    u.validity.clear();
    u.reference_number = asked.reference_number;
    if (!found) {
        u.status = "2";
        u.result_code = "EIMM0001";
        u.result_message = "該当する資格情報が存在しないため、照会番号を登録できませんでした。";
    } else if (asked.reference_number.empty()) {
        u.status = "2";
        u.result_code = "EIMM0002";
        u.result_message = "照会番号が指定されていません。";
    }
    return u;
}

void apply_unit_faults(Unit& u, const Faults& faults) {
    if (!u.person) return;
    const int i = u.person->index;
    if (faults.has(Fault::unit_errors) && i % 10 == 3) {
        u.status = "2";
        u.result_code = "EUNIT001";
        u.result_message = "資格情報の取得中にエラーが発生しました。（模擬障害）";
        u.validity.clear();
        u.insurance = u.welfare = false;
    } else if (faults.has(Fault::not_found) && i % 9 == 4) {
        u.validity = "4";
        u.insurance = u.welfare = false;
    } else if (faults.has(Fault::validity_mix) && i % 7 >= 1 && i % 7 <= 5) {
        u.validity = std::to_string(i % 7 + 1);
    }
}

CardIndex::CardIndex(const std::vector<Person>& people) {
    for (const Person& p : people)
        if (p.insurance) by_card_[card_key(p.insurance->hknjanum, p.insurance->kigo, p.insurance->num)].push_back(&p);
}

const Person* CardIndex::find(const CardKey& key) const {
    const auto it = by_card_.find(card_key(key.insurer_number, key.symbol, key.number));
    if (it == by_card_.end()) return nullptr;
    const std::string branch = norm(key.branch);
    const bool any_branch = branch.empty() && norm_insurer(key.insurer_number).compare(0, 2, "39") == 0;
    for (const Person* p : it->second)
        if (any_branch || norm(p->insurance->edaban) == branch) return p;
    return nullptr;
}

}  // namespace onshi::sim
