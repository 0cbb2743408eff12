// What ORCA's P031 list shows for a tbl_onshi_kaku row (orca-tables.md §3.2), and its paging. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::bridge {

struct P031Source {  // the columns P031 reads, plus the patient's 患者番号 ('' when not found)
    std::string shokai_kbn, orca_shokai_kbn, onshinryo_kbn, mod_flg, lock_kbn, scr_dltflg;
    std::string ope_douiflg, shinryo_douiflg, yakuzai_douiflg, kenshin_douiflg, gendo_douiflg, sikkan_douiflg;
    std::string gendo_shokbn, sikkan_sipkbn1, sikkan_sipkbn2, sikkan_sipkbn3;
    std::string shori_time;
    std::int64_t ptid = 0;
    std::string ptnum;
    std::string res_name, res_kananame, res_sex1, res_birthday, card_class;
    std::string res_hknjanum, res_kigo, res_num, res_edaban, res_honkzkkbn;
    std::string ftnrate, elder_skkgetymd, elder_ftnrate, sikaku_yuko, tekedymd, res_post, res_adrs, shokai_num;
    // The patient's registered insurance ORCA compares with (ORCSONSHI003 §210-PTHKNINF-HEN): the first
    // tbl_pthkninf of ptid (key2 order) with sakjokbn blank, the same hknjanum, kigo and num, valid on
    // the shown date. `registered` false when there is none (ORCA: CHK-KBN 99, no check).
    bool registered = false;
    std::string reg_honkzkkbn;
};

// Column titles, in P031's order: 番号 区分 手術 診療 薬剤 健診 限度 特疾 処理時間 患者番号 氏名 カナ氏名 性別
// 生年月日 年齢 保険者番号 記号・番号 枝番 本家 負担割 状態 有効終了日 郵便番号 住所 照会番号, and ours: 相違
// (「本家」 where ORCA colours the row #f3bf88 for a 本家 mismatch with the registered insurance).
std::span<const std::string_view> p031_titles();

// The cells of one line; `number` is the running 番号 (wraps at 999), `shown_date` the P031 date.
std::vector<std::string> p031_cells(const P031Source& r, int number, std::string_view shown_date);

// The 区分 mark alone (★ ◎ ◆ ■ 公 訪 オ, then 済 他 ×).
std::string p031_mark(const P031Source& r);

// True where P031 colours the row #f3bf88 because its 本家 differs from the registered insurance
// (P §30023-HKNINF-CHKHEN with ORCSONSHI003 §210-ONSHIKAKU-HEN): sikaku_yuko 1, ptid set, not a 予約照会
// row, shokai_kbn 1/2 or a 訪/オ row, res_honkzkkbn 1/2, a registered insurance found, and its honkzkkbn
// different.
bool p031_honke_differs(const P031Source& r);

// P031 shows 50 rows a page (F6/F7).
inline constexpr std::size_t kP031PageRows = 50;

struct P031Page {
    int page = 1;           // 1-based
    int pages = 1;          // at least 1, also for an empty list
    std::size_t first = 0;  // index of the page's first row
    std::size_t count = 0;  // rows on the page (0 when page > pages)
};
// The slice of `total` rows shown on page `page` (1-based).
P031Page p031_page(std::size_t total, int page);

}  // namespace onshi::bridge
