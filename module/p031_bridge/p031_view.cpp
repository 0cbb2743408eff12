#include "p031_bridge/p031_view.hpp"

#include "core/dates.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <array>

namespace onshi::bridge {
namespace {

constexpr std::array<std::string_view, 26> kTitles{
    "番号", "区分", "手術", "診療", "薬剤", "健診", "限度", "特疾", "処理時間", "患者番号", "氏名", "カナ氏名", "性別",
    "生年月日", "年齢", "保険者番号", "記号・番号", "枝番", "本家", "負担割", "状態", "有効終了日", "郵便番号", "住所", "照会番号",
    "相違"};

std::string umu(std::string_view flg) {
    if (flg == "1") return "有";
    if (flg == "0") return "無";
    return "";
}

std::string cut_at_space(std::string_view s) { return std::string(s.substr(0, s.find(' '))); }

std::string ratio(std::string_view v) {
    if (!text::all_digits(v)) return "";
    const int n = std::stoi(std::string(v));
    return n == 0 ? "" : std::to_string(n);
}

std::string state(std::string_view y) {
    if (y == "1") return "有効";
    if (y == "2") return "無効";
    if (y == "3") return "無効（新）";
    if (y == "4") return "該当無";
    if (y == "5") return "複数該当";
    if (y == "6") return "有効（未）";
    return "";
}

}  // namespace

std::span<const std::string_view> p031_titles() { return kTitles; }

std::string p031_mark(const P031Source& r) {
    std::string m;
    if (r.shokai_kbn == "1") m = "★";
    else if (r.shokai_kbn == "2") m = r.orca_shokai_kbn == "2" || r.orca_shokai_kbn == "3" ? "◆" : r.orca_shokai_kbn == "1" ? "■" : "◎";
    else if (r.shokai_kbn == "9" || r.shokai_kbn == "8") m = "公";
    else if (r.shokai_kbn.empty() && r.onshinryo_kbn == "2") m = "訪";
    else if (r.shokai_kbn.empty() && r.onshinryo_kbn == "3") m = "オ";
    if (!r.lock_kbn.empty()) m += "他";
    else if (!r.mod_flg.empty()) m += "済";
    else if (r.scr_dltflg == "1") m += "×";
    return m;
}

bool p031_honke_differs(const P031Source& r) {
    const bool kind = r.shokai_kbn == "1" || r.shokai_kbn == "2" ||
                      (r.shokai_kbn.empty() && (r.onshinryo_kbn == "2" || r.onshinryo_kbn == "3"));
    if (r.sikaku_yuko != "1" || r.ptid == 0 || r.orca_shokai_kbn == "1" || !kind || !r.registered) return false;
    if (r.res_honkzkkbn != "1" && r.res_honkzkkbn != "2") return false;
    return r.res_honkzkkbn != r.reg_honkzkkbn;
}

P031Page p031_page(std::size_t total, int page) {
    P031Page p;
    p.pages = total == 0 ? 1 : static_cast<int>((total + kP031PageRows - 1) / kP031PageRows);
    p.page = page < 1 ? 1 : page;
    p.first = static_cast<std::size_t>(p.page - 1) * kP031PageRows;
    p.count = p.first < total ? std::min(kP031PageRows, total - p.first) : 0;
    return p;
}

std::vector<std::string> p031_cells(const P031Source& r, int number, std::string_view shown_date) {
    std::vector<std::string> c;
    c.reserve(kTitles.size());
    c.push_back(std::to_string((number - 1) % 999 + 1));
    c.push_back(p031_mark(r));
    c.push_back(umu(r.ope_douiflg));
    c.push_back(umu(r.shinryo_douiflg));
    c.push_back(umu(r.yakuzai_douiflg));
    c.push_back(umu(r.kenshin_douiflg));
    const bool registered = r.shokai_kbn == "2" && r.orca_shokai_kbn.empty();
    if (registered) {
        const bool gendo = r.gendo_shokbn.find_first_not_of(" 0") != std::string::npos;
        const bool sikkan = !(r.sikkan_sipkbn1.empty() && r.sikkan_sipkbn2.empty() && r.sikkan_sipkbn3.empty());
        c.push_back(r.gendo_douiflg == "1" ? (gendo ? "有" : "無") : umu(r.gendo_douiflg));
        c.push_back(r.sikkan_douiflg == "1" ? (sikkan ? "有" : "無") : umu(r.sikkan_douiflg));
    } else {
        c.push_back(umu(r.gendo_douiflg));
        c.push_back(umu(r.sikkan_douiflg));
    }
    c.push_back(r.shori_time.size() >= 12 ? r.shori_time.substr(8, 2) + ":" + r.shori_time.substr(10, 2) : "");
    c.push_back(r.ptnum.empty() ? "******" : text::trim(r.ptnum));
    c.push_back(r.res_name);
    c.push_back(r.res_kananame);
    c.push_back(r.res_sex1 == "1" ? "男" : r.res_sex1 == "2" ? "女" : r.res_sex1 == "3" ? "\xE3\x80\x80" : "");
    c.push_back(r.card_class == "A1" && r.res_birthday == "19000101" ? "*" : dates::wareki(r.res_birthday));
    c.push_back(dates::age_label(r.res_birthday, shown_date));
    c.push_back(r.res_hknjanum);
    if (r.shokai_kbn == "9" || r.shokai_kbn == "8") c.push_back(r.res_num);
    else if (r.res_kigo.empty() && r.res_num.empty()) c.push_back("");
    else c.push_back(cut_at_space(r.res_kigo) + "・" + cut_at_space(r.res_num));
    c.push_back(r.res_edaban);
    c.push_back(r.res_honkzkkbn == "1" ? "本" : r.res_honkzkkbn == "2" ? "家" : "");
    c.push_back(ratio(r.elder_skkgetymd.empty() ? r.ftnrate : r.elder_ftnrate));
    c.push_back(state(r.sikaku_yuko));
    c.push_back(dates::wareki(r.tekedymd));
    c.push_back(r.res_post);
    c.push_back(r.res_adrs);
    c.push_back(r.shokai_num);
    // 負担割 is not compared: ORCA takes the registered ratio from the 補助区分 (ORAPI012SUB1), which the stand-in lacks.
    c.push_back(p031_honke_differs(r) ? "本家" : "");
    return c;
}

}  // namespace onshi::bridge
