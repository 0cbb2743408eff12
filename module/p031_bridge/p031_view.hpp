// What ORCA's P031 【全体】 list shows for a tbl_onshi_kaku row (orca-tables.md §3.2). Pure.
#pragma once

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
};

// Column titles, in P031's order: 番号 区分 手術 診療 薬剤 健診 限度 特疾 処理時間 患者番号 氏名 カナ氏名 性別
// 生年月日 年齢 保険者番号 記号・番号 枝番 本家 負担割 状態 有効終了日 郵便番号 住所 照会番号.
std::span<const std::string_view> p031_titles();

// The cells of one line; `number` is the running 番号 (wraps at 999), `shown_date` the P031 date.
std::vector<std::string> p031_cells(const P031Source& r, int number, std::string_view shown_date);

// The 区分 mark alone (★ ◎ ◆ ■ 公 訪 オ, then 済 他 ×).
std::string p031_mark(const P031Source& r);

}  // namespace onshi::bridge
