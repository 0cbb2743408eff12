// When a result file in the RES folder may be read: the one rule (pure: the caller looks at the file
// and the clock). The 連携アプリ, or a CIFS client, may write a result under its final name in pieces,
// and a CIFS share gives no inotify for a remote writer, so what we see is all we have:
// - it must have the same size and mtime at two looks, and not be empty;
// - a file that ends as its format ends (an XML file with its root's end tag, a zip with its end of
//   central directory, a PDF with %%EOF) is read once its mtime is kCompleteSettleMs old: a half-written
//   file never ends so (nor does a preallocated one whose tail is still zeros);
// - any other file only once its mtime is settle_ms old (result_settle_ms): the writer has stopped,
//   so it is read and refused as malformed rather than waited for until the deadline.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace onshi::settle {

constexpr long kCompleteSettleMs = 100;
constexpr long kMinLookGapMs = 50;
constexpr std::size_t kEdgeBytes = 1024;  // how much of the head and tail looks_complete needs

struct Look {
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    bool complete = false;  // looks_complete on what was read at this look
};

struct Verdict {
    bool ready = false;
    long recheck_ms = 0;  // not ready: when a look is next worth making
};

// `before`: the previous look at the same path, if any; `now_ns`: the wall clock (as mtime is).
Verdict decide(const std::optional<Look>& before, const Look& now, std::int64_t now_ns, long settle_ms);

// Whether a file of this extension (".xml", ".zip", ".pdf"), whose first and last kEdgeBytes (or all
// of it, if smaller: then head == tail) are given, ends as a whole file of its format ends.
bool looks_complete(std::string_view ext, std::string_view head, std::string_view tail);

}  // namespace onshi::settle
