#include "core/settle.hpp"

#include <algorithm>
#include <string>

namespace onshi::settle {

Verdict decide(const std::optional<Look>& before, const Look& now, std::int64_t now_ns, long settle_ms) {
    const long need = now.complete ? std::min(settle_ms, kCompleteSettleMs) : settle_ms;
    const long age_ms = static_cast<long>((now_ns - now.mtime_ns) / 1000000);
    const bool same = before && before->size == now.size && before->mtime_ns == now.mtime_ns;
    if (same && now.size > 0 && age_ms >= need) return {true, 0};
    // A second look is needed anyway; no sooner than the file can be old enough.
    return {false, std::clamp(need - age_ms, kMinLookGapMs, std::max(need, kMinLookGapMs))};
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// The root element's name: the first tag that is not <?...?>, <!--...-->, <!DOCTYPE ...>.
std::string_view root_name(std::string_view head) {
    std::size_t i = 0;
    if (head.starts_with("\xEF\xBB\xBF")) i = 3;
    while (i < head.size()) {
        while (i < head.size() && is_space(head[i])) ++i;
        if (i >= head.size() || head[i] != '<') return {};
        if (head.compare(i, 2, "<?") == 0) {
            const auto e = head.find("?>", i + 2);
            if (e == std::string_view::npos) return {};
            i = e + 2;
        } else if (head.compare(i, 4, "<!--") == 0) {
            const auto e = head.find("-->", i + 4);
            if (e == std::string_view::npos) return {};
            i = e + 3;
        } else if (head.compare(i, 2, "<!") == 0) {
            const auto e = head.find('>', i + 2);
            if (e == std::string_view::npos) return {};
            i = e + 1;
        } else {
            std::size_t j = i + 1;
            while (j < head.size() && is_name_char(head[j])) ++j;
            if (j == head.size()) return {};  // the name may go on past what was read
            return head.substr(i + 1, j - i - 1);
        }
    }
    return {};
}

}  // namespace

bool looks_complete(std::string_view ext, std::string_view head, std::string_view tail) {
    std::string_view text = tail;
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    if (ext == ".xml") {
        const std::string_view root = root_name(head);
        return !root.empty() && text.ends_with("</" + std::string(root) + ">");
    }
    if (ext == ".zip") {  // the end of central directory record: 22 bytes + a comment (ours have none)
        const auto at = tail.rfind(std::string_view("PK\x05\x06", 4));
        if (at == std::string_view::npos || tail.size() - at < 22) return false;
        const auto comment = static_cast<unsigned char>(tail[at + 20]) | static_cast<unsigned char>(tail[at + 21]) << 8;
        return tail.size() - at == 22u + comment;
    }
    if (ext == ".pdf") return text.ends_with("%%EOF");
    return false;
}

}  // namespace onshi::settle
