#include "web/json.hpp"

#include <glib.h>

#include <cstdio>

namespace onshi::web {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    const char* p = s.data();
    const char* end = s.data() + s.size();
    while (p < end) {
        const char* bad = nullptr;
        const bool valid = g_utf8_validate(p, end - p, &bad);
        const char* stop = valid ? end : bad;
        for (const char* q = p; q < stop; ++q) {
            const auto c = static_cast<unsigned char>(*q);
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '<': out += "\\u003c"; break;
                case '>': out += "\\u003e"; break;
                case '&': out += "\\u0026"; break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        char buf[8];
                        std::snprintf(buf, sizeof buf, "\\u%04x", c);
                        out += buf;
                    } else {
                        out += static_cast<char>(c);
                    }
            }
        }
        if (valid) break;
        out += "\\ufffd";
        p = bad + 1;
    }
    out += '"';
    return out;
}

void Json::value_prefix() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (need_comma_) out_ += ',';
}

Json& Json::begin_object() {
    value_prefix();
    out_ += '{';
    need_comma_ = false;
    return *this;
}
Json& Json::end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
}
Json& Json::begin_array() {
    value_prefix();
    out_ += '[';
    need_comma_ = false;
    return *this;
}
Json& Json::end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
}
Json& Json::key(std::string_view k) {
    if (need_comma_) out_ += ',';
    out_ += json_string(k);
    out_ += ':';
    after_key_ = true;
    need_comma_ = false;
    return *this;
}
Json& Json::str(std::string_view v) {
    value_prefix();
    out_ += json_string(v);
    need_comma_ = true;
    return *this;
}
Json& Json::num(long long v) {
    value_prefix();
    out_ += std::to_string(v);
    need_comma_ = true;
    return *this;
}
Json& Json::boolean(bool v) {
    value_prefix();
    out_ += v ? "true" : "false";
    need_comma_ = true;
    return *this;
}
Json& Json::null() {
    value_prefix();
    out_ += "null";
    need_comma_ = true;
    return *this;
}
Json& Json::raw(std::string_view json) {
    value_prefix();
    out_ += json;
    need_comma_ = true;
    return *this;
}

}  // namespace onshi::web
