#include "population.hpp"

#include "calendar.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

#include <glib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>

namespace onshi::sim {
namespace {

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: splitmix64, one independent stream per (seed, person, purpose).

std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
    std::uint64_t s = seed;
    s ^= splitmix(s) + a * 0xD1B54A32D192ED03ULL;
    s ^= splitmix(s) + b * 0x8CB92BA72F3D8DD7ULL;
    return splitmix(s);
}

class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() { return splitmix(state_); }
    // Uniform in [0, n); the modulo bias is irrelevant for n far below 2^64.
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }  // inclusive
    bool permille(int p) { return below(1000) < p; }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& a) { return a[static_cast<std::size_t>(below(static_cast<int>(N)))]; }

private:
    std::uint64_t state_;
};

// Stream purposes (the `b` of mix): keep them distinct so streams never overlap.
constexpr std::uint64_t kStreamPerson = 1;   // + 1 + category when a draw is forced
constexpr std::uint64_t kStreamFamily = 101;
constexpr std::uint64_t kStreamCycle = 102;
constexpr std::uint64_t kStreamOrcaOnly = 103;
constexpr std::uint64_t kStreamTreatment = 104;  // drawn apart, so older draws stay as they were
constexpr std::uint64_t kStreamChange = 105;     // mixed with the change seed, not the population's

// ---------------------------------------------------------------------------------------------
// Built-in lists. Common names and public place names only; no real person is described.

struct Name { const char* kanji; const char* kana; };

constexpr std::array<Name, 60> kFamilyNames{{
    {"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"}, {"渡辺", "ワタナベ"},
    {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"}, {"加藤", "カトウ"}, {"吉田", "ヨシダ"},
    {"山田", "ヤマダ"}, {"佐々木", "ササキ"}, {"山口", "ヤマグチ"}, {"松本", "マツモト"}, {"井上", "イノウエ"},
    {"木村", "キムラ"}, {"林", "ハヤシ"}, {"斎藤", "サイトウ"}, {"清水", "シミズ"}, {"森", "モリ"},
    {"池田", "イケダ"}, {"橋本", "ハシモト"}, {"阿部", "アベ"}, {"石川", "イシカワ"}, {"山下", "ヤマシタ"},
    {"中島", "ナカジマ"}, {"石井", "イシイ"}, {"小川", "オガワ"}, {"前田", "マエダ"}, {"岡田", "オカダ"},
    {"長谷川", "ハセガワ"}, {"藤田", "フジタ"}, {"後藤", "ゴトウ"}, {"近藤", "コンドウ"}, {"村上", "ムラカミ"},
    {"遠藤", "エンドウ"}, {"青木", "アオキ"}, {"坂本", "サカモト"}, {"福田", "フクダ"}, {"西村", "ニシムラ"},
    {"太田", "オオタ"}, {"三浦", "ミウラ"}, {"藤井", "フジイ"}, {"松田", "マツダ"}, {"中野", "ナカノ"},
    {"原田", "ハラダ"}, {"小野", "オノ"}, {"竹内", "タケウチ"}, {"金子", "カネコ"}, {"和田", "ワダ"},
    {"中山", "ナカヤマ"}, {"石田", "イシダ"}, {"上田", "ウエダ"}, {"森田", "モリタ"}, {"柴田", "シバタ"},
    {"酒井", "サカイ"}, {"工藤", "クドウ"}, {"横山", "ヨコヤマ"}, {"宮本", "ミヤモト"}, {"菅原", "スガワラ"},
}};

// Family names with a JIS X 0208 character that OQS may carry as its 外字 variant.
struct GaijiName {
    const char* kanji;      // ORCA form
    const char* kana;
    const char* plain;      // the 0208 character inside `kanji`
    const char* variant;    // its variant outside JIS X 0208
};
constexpr std::array<GaijiName, 8> kGaijiNames{{
    {"高橋", "タカハシ", "高", "\u9AD9"}, {"高木", "タカギ", "高", "\u9AD9"},  // 髙 (ハシゴ高)
    {"高田", "タカダ", "高", "\u9AD9"},   {"山崎", "ヤマザキ", "崎", "\uFA11"}, // 﨑 (タツザキ)
    {"宮崎", "ミヤザキ", "崎", "\uFA11"}, {"岡崎", "オカザキ", "崎", "\uFA11"},
    {"徳田", "トクダ", "徳", "\u5FB7"},   {"徳永", "トクナガ", "徳", "\u5FB7"}, // 德
}};

constexpr std::array<Name, 30> kMaleNames{{
    {"太郎", "タロウ"}, {"一郎", "イチロウ"}, {"健太", "ケンタ"}, {"翔太", "ショウタ"}, {"大輔", "ダイスケ"},
    {"誠", "マコト"}, {"浩", "ヒロシ"}, {"茂", "シゲル"}, {"蓮", "レン"}, {"大翔", "ヒロト"},
    {"拓也", "タクヤ"}, {"和夫", "カズオ"}, {"清", "キヨシ"}, {"勇", "イサム"}, {"悠真", "ユウマ"},
    {"陽翔", "ハルト"}, {"隆", "タカシ"}, {"修", "オサム"}, {"進", "ススム"}, {"純一", "ジュンイチ"},
    {"亮", "リョウ"}, {"直樹", "ナオキ"}, {"秀樹", "ヒデキ"}, {"正男", "マサオ"}, {"湊", "ミナト"},
    {"俊介", "シュンスケ"}, {"学", "マナブ"}, {"実", "ミノル"}, {"徹", "トオル"}, {"健", "ケン"},
}};

constexpr std::array<Name, 30> kFemaleNames{{
    {"花子", "ハナコ"}, {"陽子", "ヨウコ"}, {"恵子", "ケイコ"}, {"美咲", "ミサキ"}, {"由美", "ユミ"},
    {"幸子", "サチコ"}, {"和子", "カズコ"}, {"愛", "アイ"}, {"陽菜", "ヒナ"}, {"結衣", "ユイ"},
    {"さくら", "サクラ"}, {"真由美", "マユミ"}, {"久美子", "クミコ"}, {"明美", "アケミ"}, {"芽依", "メイ"},
    {"美穂", "ミホ"}, {"直子", "ナオコ"}, {"智子", "トモコ"}, {"節子", "セツコ"}, {"葵", "アオイ"},
    {"京子", "キョウコ"}, {"千尋", "チヒロ"}, {"順子", "ジュンコ"}, {"優子", "ユウコ"}, {"紬", "ツムギ"},
    {"芳江", "ヨシエ"}, {"静香", "シズカ"}, {"文子", "フミコ"}, {"美由紀", "ミユキ"}, {"舞", "マイ"},
}};

struct Place {
    const char* pref_code;  // 都道府県番号
    const char* pref;
    const char* pref_short; // as in 協会けんぽ branch names
    const char* city;
    const char* town;
    const char* post;
    const char* city_code;  // 3 digits: 国保 insurer and 福祉事務所 numbers
};
constexpr std::array<Place, 14> kPlaces{{
    {"13", "東京都", "東京", "千代田区", "丸の内", "100-0005", "101"},
    {"13", "東京都", "東京", "世田谷区", "三軒茶屋", "154-0024", "112"},
    {"13", "東京都", "東京", "八王子市", "旭町", "192-0083", "201"},
    {"14", "神奈川県", "神奈川", "横浜市中区", "山下町", "231-0023", "104"},
    {"14", "神奈川県", "神奈川", "川崎市川崎区", "駅前本町", "210-0007", "131"},
    {"27", "大阪府", "大阪", "大阪市北区", "梅田", "530-0001", "127"},
    {"27", "大阪府", "大阪", "堺市堺区", "南瓦町", "590-0078", "141"},
    {"23", "愛知県", "愛知", "名古屋市中区", "栄", "460-0008", "106"},
    {"01", "北海道", "北海道", "札幌市中央区", "大通西", "060-0042", "101"},
    {"40", "福岡県", "福岡", "福岡市博多区", "博多駅前", "812-0011", "132"},
    {"11", "埼玉県", "埼玉", "さいたま市浦和区", "高砂", "330-0063", "107"},
    {"12", "千葉県", "千葉", "千葉市中央区", "中央", "260-0013", "101"},
    {"04", "宮城県", "宮城", "仙台市青葉区", "一番町", "980-0811", "101"},
    {"28", "兵庫県", "兵庫", "神戸市中央区", "三宮町", "650-0021", "110"},
}};

struct Union { const char* pref_code; const char* code; const char* name; };  // invented 健保組合
constexpr std::array<Union, 5> kUnions{{
    {"13", "101", "さくら商事健康保険組合"}, {"13", "205", "みなと電機健康保険組合"},
    {"27", "118", "ひかり製薬健康保険組合"}, {"14", "130", "あおば運輸健康保険組合"},
    {"23", "142", "つばさ情報システム健康保険組合"},
}};

constexpr const char* kIdeoSpace = "\u3000";

// ---------------------------------------------------------------------------------------------
// Small helpers.

std::string pad(long long v, int width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*lld", width, v);
    return buf;
}

std::string replace_first(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

Ymd random_date(Rng& r, const Ymd& lo, const Ymd& hi) {
    const long a = to_days(lo), b = to_days(hi);
    return b <= a ? lo : from_days(a + static_cast<long>(r.next() % static_cast<std::uint64_t>(b - a + 1)));
}

// A birth date that makes the person [lo, hi] years old on `today`, kept within 1930-2020 when the
// range allows it.
Ymd birth_for_age(Rng& r, const Ymd& today, int lo, int hi) {
    Ymd earliest = add_days(add_months(today, -12 * (hi + 1)), 1);
    Ymd latest = add_months(today, -12 * lo);
    const Ymd floor{1930, 1, 1}, ceiling{2020, 12, 31};
    if (to_days(earliest) < to_days(floor) && to_days(floor) <= to_days(latest)) earliest = floor;
    if (to_days(latest) > to_days(ceiling) && to_days(ceiling) >= to_days(earliest)) latest = ceiling;
    return random_date(r, earliest, latest);
}

// The last 1 August on or before `d` (国保 / 後期 cards and 高齢受給者証 renew then).
Ymd last_august(const Ymd& d) { return d.m >= 8 ? Ymd{d.y, 8, 1} : Ymd{d.y - 1, 8, 1}; }
// The first 31 July on or after `d`.
Ymd next_july_end(const Ymd& d) { return d.m <= 7 ? Ymd{d.y, 7, 31} : Ymd{d.y + 1, 7, 31}; }

std::string hhmmss(Rng& r) { return pad(r.between(8, 18), 2) + pad(r.below(60), 2) + pad(r.below(60), 2); }

// Full-width katakana (and U+3000) to half-width katakana (and ASCII space). The table is built from
// NFKC of every half-width kana, alone and with (han)dakuten, so it is the exact inverse of the
// half-to-full conversion that onshi::text::to_zenkaku applies.
std::string to_halfwidth_kana(std::string_view full) {
    static const std::unordered_map<gunichar, std::string> table = [] {
        std::unordered_map<gunichar, std::string> t;
        auto add = [&t](const std::string& half) {
            gchar* n = g_utf8_normalize(half.c_str(), -1, G_NORMALIZE_NFKC);
            if (n && g_utf8_strlen(n, -1) == 1) t.emplace(g_utf8_get_char(n), half);
            g_free(n);
        };
        for (gunichar c = 0xFF66; c <= 0xFF9D; ++c) {
            char buf[8];
            const std::string half(buf, static_cast<std::size_t>(g_unichar_to_utf8(c, buf)));
            add(half);
            add(half + "\uFF9E");  // ﾞ
            add(half + "\uFF9F");  // ﾟ
        }
        t[0x3000] = " ";
        return t;
    }();
    std::string out;
    const char* p = full.data();
    const char* end = full.data() + full.size();
    while (p < end) {
        const char* next = g_utf8_next_char(p);
        const auto it = table.find(g_utf8_get_char(p));
        if (it != table.end()) out += it->second;
        else out.append(p, next);
        p = next;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Categories that must all occur when size >= 50, and how a draw is forced into one.

enum class Cat {
    kokuho, kyokai, kumiai, kouki, elderly, ref, no_ref, unmatched, test, welfare_paired,
    welfare_only, gaiji, black_circle, halfwidth_kana, limit, sikkan,
    count_,
    insured_only = count_,  // not a category: ORCA-only extras (insured, plain, in ORCA)
};
constexpr int kCatCount = static_cast<int>(Cat::count_);

bool has(const Person& p, Cat c) {
    const auto scheme_is = [&](Scheme s) { return p.insurance && p.insurance->scheme == s; };
    switch (c) {
    case Cat::kokuho: return scheme_is(Scheme::kokuho);
    case Cat::kyokai: return scheme_is(Scheme::kyokai);
    case Cat::kumiai: return scheme_is(Scheme::kumiai);
    case Cat::kouki: return scheme_is(Scheme::kouki);
    case Cat::elderly: return p.elderly.has_value();
    case Cat::ref: return p.ref_registered;
    case Cat::no_ref: return !p.ref_registered;
    case Cat::unmatched: return !p.in_orca;
    case Cat::test: return p.test_patient;
    case Cat::welfare_paired: return p.welfare && p.welfare->paired;
    case Cat::welfare_only: return p.welfare && !p.welfare->paired;
    case Cat::gaiji: return p.gaiji;
    case Cat::black_circle: return p.black_circle;
    case Cat::halfwidth_kana: return p.halfwidth_kana;
    case Cat::limit: return p.limit.has_value();
    case Cat::sikkan: return !p.diseases.empty();
    case Cat::count_: break;
    }
    return false;
}

// The coarse choices of one person, drawn first so a forced category can override them before
// the details are derived.
struct Traits {
    enum class Welfare { none, paired, only } welfare = Welfare::none;
    Scheme scheme = Scheme::kokuho;   // for persons under 75 without 医療扶助-only
    bool ref = false, in_orca = true, test = false;
    bool gaiji = false, black_circle = false, halfwidth_kana = false;
    bool limit = false, sikkan = false;
    int age_lo = -1, age_hi = -1;     // forced age range, -1 = keep the drawn birth date
};

Traits draw_traits(Rng& r) {
    Traits t;
    if (r.permille(80)) t.welfare = r.below(2) ? Traits::Welfare::paired : Traits::Welfare::only;
    const int s = r.below(100);
    t.scheme = s < 35 ? Scheme::kokuho : s < 70 ? Scheme::kyokai : Scheme::kumiai;
    t.ref = r.permille(600);
    t.in_orca = r.permille(950);
    t.test = t.in_orca && r.permille(30);
    const int special = r.below(1000);
    t.gaiji = special < 20;
    t.black_circle = special >= 20 && special < 30;
    t.halfwidth_kana = r.permille(50);
    t.limit = r.permille(200);
    t.sikkan = r.permille(50);
    return t;
}

void force(Traits& t, Cat c) {
    using W = Traits::Welfare;
    const auto under_75 = [&] { if (t.age_lo < 0) { t.age_lo = 0; t.age_hi = 74; } };
    switch (c) {
    case Cat::kokuho: t.scheme = Scheme::kokuho; t.welfare = W::none; under_75(); break;
    case Cat::kyokai: t.scheme = Scheme::kyokai; if (t.welfare == W::only) t.welfare = W::none; under_75(); break;
    case Cat::kumiai: t.scheme = Scheme::kumiai; if (t.welfare == W::only) t.welfare = W::none; under_75(); break;
    case Cat::kouki: t.welfare = W::none; t.age_lo = 75; t.age_hi = 94; break;
    case Cat::elderly: if (t.welfare == W::only) t.welfare = W::none; t.age_lo = 70; t.age_hi = 74; break;
    case Cat::ref: t.ref = true; t.test = false; break;
    case Cat::no_ref: t.ref = false; break;
    case Cat::unmatched: t.in_orca = false; t.test = false; break;
    case Cat::test: t.in_orca = true; t.test = true; t.ref = false; break;
    case Cat::welfare_paired: t.welfare = W::paired; t.age_lo = 20; t.age_hi = 69; break;
    case Cat::welfare_only: t.welfare = W::only; break;
    case Cat::gaiji: t.gaiji = true; t.black_circle = false; break;
    case Cat::black_circle: t.black_circle = true; t.gaiji = false; break;
    case Cat::halfwidth_kana: t.halfwidth_kana = true; break;
    case Cat::limit: t.limit = true; if (t.welfare == W::only) t.welfare = W::none; break;
    case Cat::sikkan: t.sikkan = true; if (t.welfare == W::only) t.welfare = W::none; break;
    case Cat::insured_only:
        t.welfare = W::none; t.ref = false; t.in_orca = true; t.test = false;
        t.gaiji = t.black_circle = false;
        break;
    }
}

// ---------------------------------------------------------------------------------------------
// Details.

void fill_names(Person& p, Rng& r, bool gaiji_capable) {
    if (gaiji_capable) {
        const GaijiName& g = r.pick(kGaijiNames);
        p.family_name = g.kanji;
        p.family_kana = g.kana;
    } else {
        // The 0208 forms of the gaiji-capable names are common names too.
        const int k = r.below(static_cast<int>(kFamilyNames.size() + kGaijiNames.size()));
        if (k < static_cast<int>(kFamilyNames.size())) {
            p.family_name = kFamilyNames[static_cast<std::size_t>(k)].kanji;
            p.family_kana = kFamilyNames[static_cast<std::size_t>(k)].kana;
        } else {
            const GaijiName& g = kGaijiNames[static_cast<std::size_t>(k) - kFamilyNames.size()];
            p.family_name = g.kanji;
            p.family_kana = g.kana;
        }
    }
    const Name& given = p.sex == "1" ? r.pick(kMaleNames) : r.pick(kFemaleNames);
    p.given_name = given.kanji;
    p.given_kana = given.kana;
}

// name / orca_name / kana from the parts and the gaiji / ● flags.
void compose_names(Person& p) {
    p.orca_name = p.family_name + kIdeoSpace + p.given_name;
    p.kana = p.family_kana + kIdeoSpace + p.given_kana;
    p.name = p.orca_name;
    if (!p.gaiji && !p.black_circle) return;
    for (const GaijiName& g : kGaijiNames) {
        if (p.family_name != g.kanji) continue;
        p.name = replace_first(p.orca_name, g.plain, p.gaiji ? g.variant : std::string(text::kBlackCircle));
        return;
    }
}

Insurance make_insurance(Rng& r, const Person& p, Scheme scheme, const Place& place, const Ymd& birth,
                         const Ymd& today) {
    Insurance in;
    in.scheme = scheme;
    in.edaban = "00";
    in.honkzkkbn = "1";
    in.insured_name = p.orca_name;
    const std::string unique = pad(p.index, 5);  // keeps every (保険者, 記号, 番号) key distinct
    switch (scheme) {
    case Scheme::kokuho: {
        in.hknnum = "060";
        in.hknjanum = with_check_digit(std::string(place.pref_code) + place.city_code);
        in.insurer_name = std::string(place.city) + "国民健康保険";
        in.kigo = std::to_string(r.between(1, 99));
        if (r.permille(100)) in.kigo += "-" + std::to_string(r.between(1, 9));
        in.num = std::to_string(r.between(1, 9)) + unique;
        break;
    }
    case Scheme::kyokai:
        in.hknnum = "001";
        in.hknjanum = with_check_digit(std::string("01") + place.pref_code + "001");
        in.insurer_name = std::string("全国健康保険協会") + place.pref_short + "支部";
        in.kigo = std::to_string(r.between(10000000, 99999999));
        in.num = std::to_string(r.between(1, 9)) + unique;
        break;
    case Scheme::kumiai: {
        const Union& u = r.pick(kUnions);
        in.hknnum = "006";
        in.hknjanum = with_check_digit(std::string("06") + u.pref_code + u.code);
        in.insurer_name = u.name;
        in.kigo = std::to_string(r.between(1, 9999));
        in.num = std::to_string(r.between(1, 9)) + unique;
        break;
    }
    case Scheme::kouki:
        in.hknnum = "039";
        in.hknjanum = with_check_digit(std::string("39") + place.pref_code + "001");
        in.insurer_name = std::string(place.pref) + "後期高齢者医療広域連合";
        in.num = pad(r.between(100, 999), 3) + unique;
        in.edaban.clear();
        break;
    }

    // 資格取得日: the 75th birthday for 後期, else some day since 2005 (or birth) up to a month ago.
    const Ymd month_ago = add_days(today, -30);
    Ymd qual;
    if (scheme == Scheme::kouki) {
        qual = add_months(birth, 75 * 12);
    } else {
        const Ymd lo = to_days(birth) > to_days(Ymd{2005, 4, 1}) ? birth : Ymd{2005, 4, 1};
        qual = random_date(r, lo, month_ago);
    }
    in.qualification_date = fmt_ymd(qual);
    if (scheme == Scheme::kokuho || scheme == Scheme::kouki) {
        // Cards renewed every August: the current card runs from the last 1 August to next 31 July.
        const Ymd aug = last_august(today);
        const Ymd issued = to_days(qual) > to_days(aug) ? qual : aug;
        in.issuance_date = in.valid_date = fmt_ymd(issued);
        in.expiration_date = fmt_ymd(next_july_end(issued));
    } else {
        in.issuance_date = fmt_ymd(random_date(r, qual, add_days(qual, 14)));
        in.valid_date = in.qualification_date;
    }
    return in;
}

std::string ratio_for(Rng& r, const Person& p, int age) {
    if (p.insurance->scheme == Scheme::kouki) {
        const int k = r.below(10);
        return k == 0 ? "030" : k == 1 ? "020" : "010";
    }
    return p.preschool || (age >= 70 && age <= 74) ? "020" : "030";
}

bool is_preschool(const Ymd& birth, const Ymd& today) {
    // 未就学: until 31 March before the first school year; born 2 April..1 April share a year.
    const bool early = birth.m < 4 || (birth.m == 4 && birth.d == 1);
    const Ymd school{birth.y + (early ? 6 : 7), 4, 1};
    return to_days(today) < to_days(school);
}

Elderly make_elderly(const Ymd& birth, const Ymd& today) {
    // Valid from the month after the 70th birthday (that month if born on the 1st), renewed each
    // August, ending the day before the 75th birthday at the latest.
    const Ymd b70 = add_months(birth, 70 * 12);
    const Ymd from70 = b70.d == 1 ? b70 : add_months(Ymd{b70.y, b70.m, 1}, 1);
    const Ymd aug = last_august(today);
    const Ymd start = to_days(from70) > to_days(aug) ? from70 : aug;
    const Ymd end75 = add_days(add_months(birth, 75 * 12), -1);
    const Ymd july = next_july_end(start);
    Elderly e;
    e.valid_start = fmt_ymd(start);
    e.valid_end = fmt_ymd(to_days(july) < to_days(end75) ? july : end75);
    e.certificate_date = fmt_ymd(add_days(start, -14));
    e.ratio = "020";
    return e;
}

Limit make_limit(Rng& r, int age, const Ymd& today) {
    Limit l;
    l.classification = pad(r.between(1, 3), 2);
    l.flag = age >= 70 ? "B" + pad(r.between(1, 10), 2) : "A" + pad(r.between(1, 6), 2);
    const Ymd cert = add_days(today, -r.between(30, 300));
    l.certificate_date = fmt_ymd(cert);
    l.valid_start = fmt_ymd(Ymd{cert.y, cert.m, 1});
    l.valid_end = fmt_ymd(next_july_end(today));
    return l;
}

std::vector<Disease> make_diseases(Rng& r, const Ymd& today) {
    std::array<int, 3> cats{1, 2, 3};  // shuffled, so the certificates' categories are distinct
    for (int k = 2; k > 0; --k) std::swap(cats[static_cast<std::size_t>(k)], cats[static_cast<std::size_t>(r.below(k + 1))]);
    const int n = r.between(1, 3);
    std::vector<Disease> out;
    for (int k = 0; k < n; ++k) {
        Disease d;
        d.category = std::to_string(cats[static_cast<std::size_t>(k)]);
        const Ymd cert = add_days(today, -r.between(30, 1000));
        d.certificate_date = d.valid_start = fmt_ymd(cert);
        d.valid_end = fmt_ymd(next_july_end(today));
        d.self_pay = d.category == "1" && r.below(3) == 0 ? "20000" : "10000";
        out.push_back(std::move(d));
    }
    return out;
}

Welfare make_welfare(Rng& r, const Person& p, const Place& place, bool paired, const Ymd& today) {
    Welfare w;
    w.paired = paired;
    w.ftnjanum = with_check_digit(std::string("12") + place.pref_code + place.city_code);
    w.jkysnum = with_check_digit(std::to_string(r.between(1, 9)) + pad(p.index % 100000, 5));
    w.office_name = std::string(place.city) + "福祉事務所";
    w.start_date = fmt_ymd(random_date(r, add_months(today, -60), add_days(today, -30)));
    w.issue_number = pad(today.y % 100, 2) + pad(today.m, 2) + pad(p.index, 7);
    w.dispensing_ticket = r.permille(300);
    return w;
}

// The per-index consent flag of group `g` (0-5): every value cycles through consecutive persons,
// the phase of each group taken from the seed.
int cycled_flag(std::uint64_t seed, int index, int g, int values) {
    const int phase = static_cast<int>(mix(seed, kStreamCycle, static_cast<std::uint64_t>(g)) % 4);
    return (index + phase) % values;
}

void fill_consents(Person& p, Rng& r, std::uint64_t seed, const Ymd& today) {
    const Ymd cdate = add_days(today, -r.between(1, 25));
    const Ymd cto = add_months(cdate, 3);
    p.consent_date = fmt_ymd(cdate);
    p.consent_to = fmt_ymd(cto);
    const std::string time = p.consent_date + hhmmss(r);
    // A flag-2 (期限切れ) consent is an older one: given a year earlier, valid for 3 months.
    const Ymd old = add_months(cdate, -12);
    const std::string old_time = fmt_ymd(old) + hhmmss(r);
    const auto set = [&](Consent& c, int flg, bool with_available) {
        c.flg = flg;
        if (flg == 1) {
            c.time = time;
            if (with_available) c.available = p.consent_to + "235959";
        } else if (flg == 2) {
            c.time = old_time;
            if (with_available) c.available = fmt_ymd(add_months(old, 3)) + "235959";
        }
    };
    set(p.ope, cycled_flag(seed, p.index, 0, 4), true);
    set(p.shinryo, cycled_flag(seed, p.index, 1, 4), true);
    set(p.yakuzai, cycled_flag(seed, p.index, 2, 4), true);
    set(p.kenshin, cycled_flag(seed, p.index, 3, 4), true);
    // Certificates are only handed over with consent.
    set(p.gendo, p.limit ? 1 : cycled_flag(seed, p.index, 4, 2), false);
    set(p.sikkan, p.diseases.empty() ? cycled_flag(seed, p.index, 5, 4) : 1, false);
}

// 訪問診療 (~70 %) or オンライン診療 (~30 %, with a 受診年月日 this month up to today). Keyed by
// the index only, so a forced redraw of the person keeps its treatment.
void fill_treatment(Person& p, std::uint64_t seed, const Ymd& today) {
    Rng r(mix(seed, static_cast<std::uint64_t>(p.index), kStreamTreatment));
    p.treatment = r.permille(300) ? Treatment::online : Treatment::homecare;
    p.exam_date.clear();
    if (p.treatment == Treatment::online) p.exam_date = fmt_ymd(random_date(r, Ymd{today.y, today.m, 1}, today));
}

// Fails loudly if a generated person breaks the rules the tests rely on.
void validate(const Person& p) {
    const auto fail = [&](const char* what) {
        throw Error(Errc::internal, "population: person " + std::to_string(p.index) + ": " + what);
    };
    if (p.insurance && !insurer_number_valid(p.insurance->hknjanum)) fail("保険者番号 check digit");
    if (p.welfare && (!insurer_number_valid(p.welfare->ftnjanum) || !recipient_number_valid(p.welfare->jkysnum)))
        fail("公費 numbers");
    if (!text::fits_jisx0208(p.orca_name) || !text::fits_jisx0208(p.kana)) fail("ORCA name outside JIS X 0208");
    if (p.gaiji == text::fits_jisx0208(p.name)) fail("gaiji flag and name disagree");
    if (p.black_circle != text::has_black_circle(p.name)) fail("● flag and name disagree");
    if (text::to_zenkaku(p.oqs_kana()) != p.kana) fail("half-width kana does not convert back");
}

Person draw_person(std::uint64_t seed, int index, const Ymd& today, std::optional<Cat> forced) {
    Rng r(mix(seed, static_cast<std::uint64_t>(index),
              kStreamPerson + (forced ? 1 + static_cast<std::uint64_t>(*forced) : 0)));
    Person p;
    p.index = index;
    p.ptid = 1000 + index;
    p.ptnum = pad(10 + index, 5);
    p.sex = r.below(2) ? "2" : "1";

    Traits t = draw_traits(r);
    if (forced) force(t, *forced);

    Ymd birth = random_date(r, Ymd{1930, 1, 1}, Ymd{2020, 12, 31});
    if (t.age_lo >= 0) {
        const int age = age_on(birth, today);
        if (age < t.age_lo || age > t.age_hi) birth = birth_for_age(r, today, t.age_lo, t.age_hi);
    }
    const int age = age_on(birth, today);
    p.birthdate = fmt_ymd(birth);
    p.preschool = is_preschool(birth, today);
    // 医療扶助 replaces 国保 and 後期 entirely: a paired person is employee-insured and under 75.
    if (t.welfare == Traits::Welfare::paired && age >= 75) t.welfare = Traits::Welfare::only;
    if (t.welfare == Traits::Welfare::paired && t.scheme == Scheme::kokuho) t.scheme = Scheme::kyokai;

    p.ref_registered = t.ref && !t.test;
    p.in_orca = t.in_orca;
    p.test_patient = t.test;
    p.gaiji = t.gaiji;
    p.black_circle = t.black_circle;
    p.halfwidth_kana = t.halfwidth_kana;

    fill_names(p, r, p.gaiji || p.black_circle);
    compose_names(p);

    const Place& place = r.pick(kPlaces);
    p.post = place.post;
    p.address_town = std::string(place.pref) + place.city + place.town;
    p.address_banti = std::to_string(r.between(1, 9)) + "-" + std::to_string(r.between(1, 30)) + "-" +
                      std::to_string(r.between(1, 20));
    p.address = p.address_town + p.address_banti;

    if (t.welfare != Traits::Welfare::only) {
        const Scheme scheme = age >= 75 ? Scheme::kouki : t.scheme;
        p.insurance = make_insurance(r, p, scheme, place, birth, today);
        p.insurance->ratio = ratio_for(r, p, age);
        if (age >= 70 && age <= 74) p.elderly = make_elderly(birth, today);
        if (t.limit) p.limit = make_limit(r, age, today);
        if (t.sikkan) p.diseases = make_diseases(r, today);
    }
    if (t.welfare != Traits::Welfare::none)
        p.welfare = make_welfare(r, p, place, t.welfare == Traits::Welfare::paired, today);
    fill_consents(p, r, seed, today);
    fill_treatment(p, seed, today);
    return p;
}

// Roughly 1 in 10 insured persons under 75 is a family member of the person before them: same
// 保険者番号, 記号 and 番号, the next 枝番, that person's name as InsuredName and their family name.
// Returns which persons ended up in a family (head or member).
std::vector<bool> link_families(std::vector<Person>& people, std::uint64_t seed) {
    std::vector<bool> linked(people.size(), false);
    const auto eligible = [](const Person& p) {
        return p.insurance && p.insurance->scheme != Scheme::kouki && !p.welfare;
    };
    for (std::size_t i = 1; i < people.size(); ++i) {
        Person& p = people[i];
        const Person& head = people[i - 1];
        Rng r(mix(seed, i, kStreamFamily));
        if (!r.permille(100) || !eligible(p) || !eligible(head) || p.gaiji || p.black_circle) continue;
        Insurance& in = *p.insurance;
        const Insurance& hi = *head.insurance;
        in.scheme = hi.scheme;
        in.hknnum = hi.hknnum;
        in.hknjanum = hi.hknjanum;
        in.kigo = hi.kigo;
        in.num = hi.num;
        in.insurer_name = hi.insurer_name;
        in.insured_name = hi.insured_name;
        in.edaban = pad(std::stoi(hi.edaban) + 1, 2);
        in.honkzkkbn = hi.scheme == Scheme::kokuho ? "1" : "2";  // 国保 has no 本人/家族 distinction
        p.family_name = head.family_name;
        p.family_kana = head.family_kana;
        compose_names(p);
        linked[i] = linked[i - 1] = true;
    }
    return linked;
}

// Redraws persons, one at a time, until every category occurs. A person is only redrawn if it is
// in no family and is not the sole member of any category it has.
void ensure_categories(std::vector<Person>& people, std::uint64_t seed, const Ymd& today,
                       const std::vector<bool>& linked) {
    const int n = static_cast<int>(people.size());
    std::vector<bool> forced(people.size(), false);
    for (int round = 0; round <= kCatCount; ++round) {
        std::array<int, kCatCount> count{};
        for (const Person& p : people)
            for (int c = 0; c < kCatCount; ++c) count[static_cast<std::size_t>(c)] += has(p, static_cast<Cat>(c));
        const auto missing = std::find(count.begin(), count.end(), 0);
        if (missing == count.end()) return;
        const Cat cat = static_cast<Cat>(missing - count.begin());
        const auto replaceable = [&](int j) {
            if (linked[static_cast<std::size_t>(j)] || forced[static_cast<std::size_t>(j)]) return false;
            for (int c = 0; c < kCatCount; ++c)
                if (has(people[static_cast<std::size_t>(j)], static_cast<Cat>(c)) && count[static_cast<std::size_t>(c)] < 2)
                    return false;
            return true;
        };
        const int start = static_cast<int>(mix(seed, static_cast<std::uint64_t>(cat), kStreamCycle) % static_cast<std::uint64_t>(n));
        for (int k = 0; k < n; ++k) {
            const int j = (start + k) % n;
            if (!replaceable(j)) continue;
            people[static_cast<std::size_t>(j)] = draw_person(seed, j, today, cat);
            forced[static_cast<std::size_t>(j)] = true;
            break;
        }
    }
    throw Error(Errc::internal, "population: could not place every category");
}

// A 訪問診療 fetch must meet every category too: for each category no homecare person has, its
// first member becomes homecare.
void ensure_homecare_categories(std::vector<Person>& people) {
    for (int c = 0; c < kCatCount; ++c) {
        const auto in_cat = [c](const Person& p) { return has(p, static_cast<Cat>(c)); };
        if (std::any_of(people.begin(), people.end(),
                        [&](const Person& p) { return p.treatment == Treatment::homecare && in_cat(p); }))
            continue;
        const auto first = std::find_if(people.begin(), people.end(), in_cat);
        if (first == people.end()) continue;
        first->treatment = Treatment::homecare;
        first->exam_date.clear();
    }
}

Ymd parse_today(const std::string& today) {
    Ymd t;
    if (!parse_ymd(today, t)) throw Error(Errc::usage, "today must be a date YYYYMMDD: " + today);
    return t;
}

}  // namespace

const char* treatment_name(Treatment t) { return t == Treatment::online ? "online" : "homecare"; }

const char* change_name(Change c) {
    switch (c) {
    case Change::none: break;
    case Change::invalid: return "invalid";
    case Change::new_qualification: return "new";
    case Change::ratio: return "ratio";
    case Change::enddate: return "enddate";
    }
    return "";
}

Change draw_change(std::uint64_t change_seed, int rate_pct, int index) {
    if (rate_pct <= 0) return Change::none;
    Rng r(mix(change_seed, static_cast<std::uint64_t>(index), kStreamChange));
    if (r.below(100) >= rate_pct) return Change::none;
    constexpr std::array<Change, 4> kinds{Change::invalid, Change::new_qualification, Change::ratio, Change::enddate};
    return r.pick(kinds);
}

std::string Person::oqs_kana() const { return halfwidth_kana ? to_halfwidth_kana(kana) : kana; }

std::vector<Person> make_population(std::uint64_t seed, int size, const std::string& today) {
    const Ymd t = parse_today(today);
    std::vector<Person> people;
    people.reserve(static_cast<std::size_t>(std::max(size, 0)));
    for (int i = 0; i < size; ++i) people.push_back(draw_person(seed, i, t, std::nullopt));
    const std::vector<bool> linked = link_families(people, seed);
    if (size >= 50) {
        ensure_categories(people, seed, t, linked);
        ensure_homecare_categories(people);
    }
    for (const Person& p : people) validate(p);
    return people;
}

std::vector<Person> make_orca_only(std::uint64_t seed, int size, const std::string& today) {
    const Ymd t = parse_today(today);
    std::vector<Person> extras;
    // ptids from 900000 (tests rely on it), or past a population that large (the benchmark's 1,000,000)
    const int base = size < 900000 ? 900000 : (size / 100000 + 2) * 100000;
    for (int j = 0; j < size / 20; ++j) {
        // Drawn at indices after the population so their insurance keys never collide with it.
        Person p = draw_person(mix(seed, kStreamOrcaOnly), size + j, t, Cat::insured_only);
        p.ptid = base + j;
        p.ptnum = std::to_string(base + j);
        validate(p);
        extras.push_back(std::move(p));
    }
    return extras;
}

}  // namespace onshi::sim
