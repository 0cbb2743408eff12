// A small JSON writer for the screens' API (responses only; request bodies are form-encoded).
#pragma once

#include <string>
#include <string_view>

namespace onshi::web {

// The JSON string literal of UTF-8 text (quotes included); control characters, '"', '\\', '<', '>'
// and '&' escaped; invalid UTF-8 replaced by U+FFFD.
std::string json_string(std::string_view s);

// Builds one JSON value: objects and arrays with commas placed automatically.
class Json {
public:
    Json& begin_object();
    Json& end_object();
    Json& begin_array();
    Json& end_array();
    Json& key(std::string_view k);
    Json& str(std::string_view v);
    Json& num(long long v);
    Json& boolean(bool v);
    Json& null();
    Json& raw(std::string_view json);  // an already-encoded value
    // key + value shorthands
    Json& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
    Json& kv(std::string_view k, const char* v) { return key(k).str(v); }
    Json& kv(std::string_view k, const std::string& v) { return key(k).str(v); }
    Json& kv(std::string_view k, long long v) { return key(k).num(v); }
    Json& kv(std::string_view k, int v) { return key(k).num(v); }
    Json& kv(std::string_view k, bool v) { return key(k).boolean(v); }
    [[nodiscard]] const std::string& text() const { return out_; }

private:
    void value_prefix();
    std::string out_;
    bool need_comma_ = false;
    bool after_key_ = false;
};

}  // namespace onshi::web
