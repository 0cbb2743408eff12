// module/card: BER-TLV, 基本4情報, status words, certificate length, APDU encodings, the PIN buffer,
// and the My Number card flows against a scripted fake card.
#include "unit.hpp"

#include "card/apdu.hpp"
#include "card/mynumber.hpp"
#include "card/pin.hpp"
#include "card/tlv.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>

using namespace onshi;
using namespace onshi::card;

namespace {

Bytes B(std::initializer_list<int> v) {
    Bytes b;
    for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
    return b;
}
void add(Bytes& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
Bytes tlv2(int t1, int t2, const std::string& v) {
    Bytes b{static_cast<std::uint8_t>(t1), static_cast<std::uint8_t>(t2)};
    if (v.size() < 0x80) b.push_back(static_cast<std::uint8_t>(v.size()));
    else { b.push_back(0x81); b.push_back(static_cast<std::uint8_t>(v.size())); }
    add(b, v);
    return b;
}
Bytes basic4_file(const std::string& name, const std::string& address, std::size_t leading = 0) {
    Bytes inner = tlv2(0xDF, 0x21, std::string("\x00\x01\x02", 3));
    for (const auto& p : {tlv2(0xDF, 0x22, name), tlv2(0xDF, 0x23, address), tlv2(0xDF, 0x24, "19800101"), tlv2(0xDF, 0x25, "2")})
        inner.insert(inner.end(), p.begin(), p.end());
    Bytes f(leading, 0x00);
    f.push_back(0xFF);
    f.push_back(0x20);
    if (inner.size() < 0x80) f.push_back(static_cast<std::uint8_t>(inner.size()));
    else if (inner.size() < 0x100) { f.push_back(0x81); f.push_back(static_cast<std::uint8_t>(inner.size())); }
    else { f.push_back(0x82); f.push_back(static_cast<std::uint8_t>(inner.size() >> 8)); f.push_back(static_cast<std::uint8_t>(inner.size())); }
    f.insert(f.end(), inner.begin(), inner.end());
    return f;
}

bool throws_card(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code() == Errc::card;
    }
    return false;
}

Pin pin_of(const char* text) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s\n", text);
    std::FILE* f = fmemopen(buf, std::strlen(buf), "r");
    Pin p = Pin::prompt("", f);
    std::fclose(f);
    return p;
}

// A small scripted card: files per AP, PINs with tries, extended or short only.
struct FakeCard : Transport {
    bool short_only = false;
    bool drop_extended = false;   // the reader fails extended APDUs (NoAnswer, no status word)
    bool drop_everything = false; // the reader fails every command
    int blocked_sw = 0x6983;      // what a blocked PIN answers
    int ap = 0;  // 1 jpki, 2 aux
    int ef = -1;
    int tries[3] = {0, 3, 3};
    bool verified[3] = {};
    std::string pin = "4826";
    Bytes cert, basic4;
    std::vector<Bytes> log;
    Bytes sw(int s, Bytes d = {}) {
        d.push_back(static_cast<std::uint8_t>(s >> 8));
        d.push_back(static_cast<std::uint8_t>(s));
        return d;
    }
    Bytes transmit(std::span<const std::uint8_t> a) override {
        log.emplace_back(a.begin(), a.end());
        if (drop_everything || (drop_extended && is_extended(a))) throw NoAnswer("SCardTransmit: Transaction failed.");
        if (a[1] == 0xA4 && a[2] == 0x04) {
            const Bytes aid(a.begin() + 5, a.end());
            const auto j = card::aid(Ap::jpki), x = card::aid(Ap::aux_input);
            ap = std::equal(aid.begin(), aid.end(), j.begin(), j.end()) ? 1 : std::equal(aid.begin(), aid.end(), x.begin(), x.end()) ? 2 : 0;
            return sw(ap ? 0x9000 : 0x6A82);
        }
        if (a[1] == 0xA4) { ef = a[5] << 8 | a[6]; return sw(0x9000); }
        if (a[1] == 0x20) {
            const int which = ef == 0x0018 ? 1 : 2;
            if (tries[which] == 0) return sw(blocked_sw);
            if (a.size() == 4) return sw(0x63C0 | tries[which]);
            if (std::string(a.begin() + 5, a.end()) == pin) { tries[which] = 3; verified[which] = true; return sw(0x9000); }
            --tries[which];
            return sw(0x63C0 | tries[which]);
        }
        if (a[1] == 0xB0) {
            const bool ext = a.size() == 7;
            if (ext && short_only) return sw(0x6700);
            std::size_t le = ext ? (a[5] << 8 | a[6]) : a[4];
            if (le == 0) le = ext ? 65536 : 256;
            const std::size_t off = a[2] << 8 | a[3];
            const Bytes* f = nullptr;
            static const Bytes token = [] { Bytes t; add(t, "JPKIAPICCTOKEN2"); t.resize(32, ' '); return t; }();
            if (ap == 1 && ef == 0x000A) f = &cert;
            if (ap == 1 && ef == 0x0006) f = &token;
            if (ap == 2 && ef == 0x0002) { if (!verified[2]) return sw(0x6982); f = &basic4; }
            if (!f) return sw(0x6986);
            if (off > f->size()) return sw(0x6B00);
            const std::size_t n = std::min(le, f->size() - off);
            return sw(0x9000, Bytes(f->begin() + static_cast<long>(off), f->begin() + static_cast<long>(off + n)));
        }
        if (a[1] == 0x2A) {
            if (ap != 1 || ef != 0x0017 || !verified[1]) return sw(0x6982);
            return sw(0x9000, Bytes(256, 0x5A));
        }
        return sw(0x6D00);
    }
    int verifies_with_pin() const {
        int n = 0;
        for (const auto& a : log) n += a[1] == 0x20 && a.size() > 4;
        return n;
    }
};

Bytes fake_cert(std::size_t total) {
    Bytes c{0x30, 0x82, static_cast<std::uint8_t>((total - 4) >> 8), static_cast<std::uint8_t>((total - 4) & 0xFF)};
    for (std::size_t i = 4; i < total; ++i) c.push_back(static_cast<std::uint8_t>(i * 7));
    return c;
}

}  // namespace

START_TEST(tlv_multibyte_and_long_lengths) {
    const Bytes f = basic4_file("資格　花子", std::string(150, 'A'));  // address > 127 bytes: 81 xx
    const auto t = parse_one(f);
    ck_assert_uint_eq(t.tag, 0xFF20);
    ck_assert(t.constructed);
    ck_assert_uint_eq(t.size, f.size());
    const auto kids = parse_all(t.value);
    ck_assert_uint_eq(kids.size(), 5);
    ck_assert_uint_eq(kids[0].tag, 0xDF21);
    ck_assert_uint_eq(kids[2].tag, 0xDF23);
    ck_assert_uint_eq(kids[2].value.size(), 150);
    // 82 xx xx
    const Bytes big = basic4_file("N", std::string(300, 'B'));
    ck_assert_uint_eq(big[2], 0x82);
    ck_assert_uint_eq(*tlv_total_size(big), big.size());
    ck_assert(!tlv_total_size(B({0xFF, 0x20, 0x82, 0x01})).has_value());  // needs more bytes
    ck_assert_uint_eq(*tlv_total_size(B({0xFF, 0x20, 0x05})), 8);
}
END_TEST

START_TEST(tlv_leading_bytes_and_basic4) {
    const Bytes f = basic4_file("資格　花子", "東京都千代田区千代田一丁目一番一号", 7);
    const Basic4 b = decode_basic4(f);
    ASSERT_STR(b.name, "資格　花子");
    ASSERT_STR(b.address, "東京都千代田区千代田一丁目一番一号");
    ASSERT_STR(b.birth, "19800101");
    ASSERT_STR(b.sex, "2");
    ASSERT_STR(sex_label(b.sex), "女");
    // Leading bytes that contain a false FF 20 with an impossible length.
    Bytes g = B({0xFF, 0x20, 0x7F, 0x01});
    const Bytes real = basic4_file("X", "Y");
    g.insert(g.end(), real.begin(), real.end());
    ASSERT_STR(decode_basic4(g).name, "X");
}
END_TEST

START_TEST(tlv_hostile_input) {
    const Bytes f = basic4_file("資格　花子", "住所");
    // Every truncation of a valid file: a clear Error(card), never a crash or an overread.
    for (std::size_t n = 0; n < f.size(); ++n) {
        const Bytes cut(f.begin(), f.begin() + static_cast<long>(n));
        ck_assert_msg(throws_card([&] { decode_basic4(cut); }), "truncated to %zu bytes", n);
    }
    ck_assert(throws_card([] { parse_one(B({0xDF, 0x22, 0x82, 0xFF, 0xFF, 0x41})); }));  // length beyond the data
    ck_assert(throws_card([] { parse_one(B({0xDF, 0x22, 0x84, 0xFF, 0xFF, 0xFF, 0xFF})); }));  // 4-byte length
    ck_assert(throws_card([] { parse_one(B({0xDF, 0x22, 0x80, 0x00, 0x00})); }));  // indefinite
    ck_assert(throws_card([] { parse_one(B({0xDF, 0xFF, 0xFF, 0xFF, 0x01, 0x00})); }));  // endless tag
    ck_assert(throws_card([] { parse_one(B({0xDF})); }));
    ck_assert(throws_card([] { decode_basic4(B({0x01, 0x02, 0x03})); }));  // no FF 20 at all
    ck_assert(throws_card([] { decode_basic4(B({0xFF, 0x20, 0x03, 0xDF, 0x23, 0x00})); }));  // no name
    // Nested length larger than the template.
    ck_assert(throws_card([] { decode_basic4(B({0xFF, 0x20, 0x04, 0xDF, 0x22, 0x10, 0x41})); }));
}
END_TEST

START_TEST(status_words) {
    ck_assert(classify(0x9000) == Status::ok);
    ck_assert(classify(0x6110) == Status::more_data);
    ck_assert(classify(0x6C20) == Status::wrong_le);
    ck_assert(classify(0x63C2) == Status::wrong_pin);
    ck_assert(classify(0x63C0) == Status::blocked);
    ck_assert(classify(0x6983) == Status::blocked);
    ck_assert(classify(0x6A82) == Status::not_found);
    ck_assert(classify(0x6982) == Status::security);
    ck_assert(classify(0x6282) == Status::end_of_file);
    ck_assert(classify(0x6F00) == Status::other);
    ck_assert_int_eq(tries_left(0x63C2), 2);
    ck_assert_int_eq(tries_left(0x63C0), 0);
    ck_assert_int_eq(tries_left(0x6983), 0);
    // 69 84 (reference data not usable): blocked, as OpenSC and myna read it.
    ck_assert(classify(0x6984) == Status::blocked);
    ck_assert_int_eq(tries_left(0x6984), 0);
    ASSERT_STR(sw_text(0x6984), "6984 (PIN blocked)");
    ck_assert(classify(0x6981) == Status::other);
    ck_assert_int_eq(tries_left(0x6981), -1);
    ck_assert_int_eq(tries_left(0x63CF), 15);
    ck_assert_int_eq(tries_left(0x9000), -1);
    ASSERT_STR(sw_text(0x6A82), "6A82 (file or application not found)");
    const auto r = parse_response(B({0x01, 0x02, 0x90, 0x00}));
    ck_assert(r.ok());
    ck_assert_uint_eq(r.data.size(), 2);
    ck_assert(throws_card([] { parse_response(B({0x90})); }));
}
END_TEST

START_TEST(certificate_length) {
    ck_assert_uint_eq(cert_length(B({0x30, 0x82, 0x06, 0x1F})), 1571);
    ck_assert(throws_card([] { cert_length(B({0x30, 0x81, 0x06, 0x1F})); }));
    ck_assert(throws_card([] { cert_length(B({0x30, 0x82})); }));
}
END_TEST

START_TEST(apdu_builders) {
    ck_assert(read_binary(0x0104, 256, false) == B({0x00, 0xB0, 0x01, 0x04, 0x00}));
    ck_assert(read_binary(0, 4, false) == B({0x00, 0xB0, 0x00, 0x00, 0x04}));
    ck_assert(read_binary(4, 0x061F, true) == B({0x00, 0xB0, 0x00, 0x04, 0x00, 0x06, 0x1F}));
    ck_assert(read_binary(0, 65536, true) == B({0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}));
    ck_assert(throws_card([] { read_binary(0, 257, false); }) == false);  // internal, not card
    bool threw = false;
    try { read_binary(0, 257, false); } catch (const Error& e) { threw = e.code() == Errc::internal; }
    ck_assert(threw);
    ck_assert(select_df(Ap::jpki) == B({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}));
    ck_assert(select_df(Ap::aux_input) == B({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08}));
    ck_assert(select_ef(Ef::jpki_auth_cert) == B({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}));
    ck_assert(verify_status() == B({0x00, 0x20, 0x00, 0x80}));
    ck_assert(is_extended(read_binary(0, 0x061F, true)));
    ck_assert(!is_extended(read_binary(0, 256, false)));
    ck_assert(!is_extended(verify_status()));
    ck_assert(!is_extended(select_ef(Ef::jpki_auth_cert)));
    Pin p = pin_of("4826");
    SecretBytes v;
    verify(p, v);
    ck_assert(v.get() == B({0x00, 0x20, 0x00, 0x80, 0x04, '4', '8', '2', '6'}));
    ASSERT_STR(trace_text(v.get()), "00 20 00 80 04 ** ** ** **");
    Bytes h(32, 0xAB);
    const Bytes di = digest_info_sha256(h);
    ck_assert_uint_eq(di.size(), 51);
    ck_assert(di[0] == 0x30 && di[1] == 0x31 && di[18] == 0x20 && di[19] == 0xAB);
    const Bytes s = sign(di);
    ck_assert(s[0] == 0x80 && s[1] == 0x2A && s[4] == 51 && s.back() == 0x00 && s.size() == 57);
    // The 個人番号 EF can be neither named nor sent.
    ck_assert(is_forbidden_select(B({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01})));
    ck_assert(!is_forbidden_select(select_ef(Ef::aux_basic4)));
}
END_TEST

START_TEST(pin_zeroized) {
    Pin p = pin_of("4826");
    ck_assert(p.is_digits(4));
    ck_assert_uint_eq(p.size(), 4);
    ck_assert(p.storage()[0] == '4');
    p.clear();
    ck_assert_uint_eq(p.size(), 0);
    for (auto b : p.storage()) ck_assert_uint_eq(b, 0);
    Pin q = pin_of("12ab");
    ck_assert(!q.is_digits(4));
    Pin m = pin_of("9876");
    Pin moved(std::move(m));
    for (auto b : m.storage()) ck_assert_uint_eq(b, 0);
    ck_assert(moved.is_digits(4));
    bool too_long = false;
    try { pin_of("12345678901234567890"); } catch (const Error& e) { too_long = e.code() == Errc::usage; }
    ck_assert(too_long);
}
END_TEST

// From the screen's form field: copied, the field wiped (also when refused as too long); move-assignable.
START_TEST(pin_from_form) {
    std::string field = "3861";
    const char* data = field.data();
    Pin p = Pin::take(field);
    ck_assert(p.is_digits(4));
    ck_assert(field.empty());
    for (int i = 0; i < 4; ++i) ck_assert_int_eq(data[i], 0);  // SSO buffer: the same storage, now zero
    Pin q;
    q = std::move(p);
    ck_assert(q.is_digits(4));
    for (auto b : p.storage()) ck_assert_uint_eq(b, 0);
    std::string long_field(40, '7');
    bool refused = false;
    try { (void)Pin::take(long_field); } catch (const Error& e) { refused = e.code() == Errc::usage; }
    ck_assert(refused);
    ck_assert(long_field.empty());
}
END_TEST

START_TEST(exchange_61_6c) {
    struct T : Transport {
        std::deque<Bytes> answers;
        std::vector<Bytes> sent;
        Bytes transmit(std::span<const std::uint8_t> a) override {
            sent.emplace_back(a.begin(), a.end());
            Bytes r = answers.front();
            answers.pop_front();
            return r;
        }
    } t;
    t.answers = {B({0x6C, 0x02}), B({0x01, 0x61, 0x01}), B({0x02, 0x90, 0x00})};
    int n = 0;
    const auto r = send_command(t, read_binary(0, 4, false), &n);
    ck_assert(r.ok());
    ck_assert(r.data == B({0x01, 0x02}));
    ck_assert_int_eq(n, 3);
    ck_assert(t.sent[1] == B({0x00, 0xB0, 0x00, 0x00, 0x02}));
    ck_assert(t.sent[2] == B({0x00, 0xC0, 0x00, 0x00, 0x01}));
}
END_TEST

START_TEST(card_flows) {
    FakeCard c;
    c.cert = fake_cert(1571);
    c.basic4 = basic4_file("資格　花子", std::string(200, 'x'));
    ck_assert(detect(c) == CardType::mynumber);
    auto e = read_auth_cert(c, true);
    ck_assert(e.der == c.cert);
    ck_assert_int_eq(e.read_apdus, 1);
    auto s = read_auth_cert(c, false);
    ck_assert(s.der == c.cert);
    ck_assert_int_eq(s.read_apdus, 1 + 7);  // 4 bytes, then 1567 in 256-byte reads
    c.short_only = true;
    ck_assert(throws_card([&] { read_auth_cert(c, true); }));
    // A certificate longer than a 15-bit READ BINARY offset reaches: a card error, not an internal one.
    FakeCard big;
    big.cert = fake_cert(0x9004);
    ck_assert(throws_card([&] { read_auth_cert(big, false); }));
    // 基本4情報 with the right PIN.
    Pin good = pin_of("4826");
    ASSERT_STR(read_basic4(c, good, false).name, "資格　花子");
    // Wrong twice: 1 try left, then refused without a third VERIFY.
    Pin bad = pin_of("0000");
    ck_assert(throws_card([&] { read_basic4(c, bad, false); }));
    ck_assert(throws_card([&] { read_basic4(c, bad, false); }));
    ck_assert_int_eq(c.tries[2], 1);
    const int before = c.verifies_with_pin();
    ck_assert(throws_card([&] { read_basic4(c, good, false); }));
    ck_assert_int_eq(c.verifies_with_pin(), before);
    // Blocked: no VERIFY at all.
    c.tries[2] = 0;
    ck_assert(throws_card([&] { read_basic4(c, good, true); }));
    ck_assert_int_eq(c.verifies_with_pin(), before);
    const auto st = pin_status(c, PinFile::aux_input);
    ck_assert(st.blocked);
}
END_TEST

// 69 84 from VERIFY-status: blocked like 69 83 / 63 C0, so no VERIFY with a PIN is ever sent.
START_TEST(blocked_6984_no_verify) {
    for (int blocked : {0x6984, 0x6983, 0x63C0}) {
        FakeCard c;
        c.basic4 = basic4_file("資格　花子", "住所");
        c.tries[1] = c.tries[2] = 0;
        c.blocked_sw = blocked;
        const auto st = pin_status(c, PinFile::jpki_auth);
        ck_assert_msg(st.blocked && st.tries == 0, "%04X: not blocked", blocked);
        Pin good = pin_of("4826");
        ck_assert(throws_card([&] { read_basic4(c, good, true); }));
        ck_assert(throws_card([&] { sign_challenge(c, good, std::span<const std::uint8_t>(), true); }));
        ck_assert_int_eq(c.verifies_with_pin(), 0);
    }
}
END_TEST

// The extended READ BINARY of the certificate: refused by the card (a status word) or failed by the
// reader (no answer at the PC/SC level): short reads, the same bytes, and ext_ok false.
START_TEST(extended_fallback) {
    for (int by_reader = 0; by_reader < 2; ++by_reader) {
        FakeCard c;
        c.cert = fake_cert(1571);
        (by_reader ? c.drop_extended : c.short_only) = true;
        bool ext_ok = true;
        std::string how = "dwMaxAPDUDataSize 65536";
        const CertRead r = read_cert(c, ext_ok, how, 65536, true);
        ck_assert(r.der == c.cert);
        ck_assert(!r.extended);
        ck_assert(!ext_ok);
        ck_assert_int_eq(r.read_apdus, 1 + 7);
        ck_assert_msg(how.find(by_reader ? "the reader failed the extended READ BINARY" : "the card refused the extended READ BINARY") !=
                          std::string::npos, "%s", how.c_str());
        // The one extended command, then SELECT AP, SELECT EF and the short reads.
        int extended = 0;
        for (const auto& a : c.log) extended += is_extended(a);
        ck_assert_int_eq(extended, 1);
    }
    // Extended works: one command, ext_ok stays.
    FakeCard ok;
    ok.cert = fake_cert(1571);
    bool ext_ok = true;
    std::string how;
    const CertRead r = read_cert(ok, ext_ok, how, 65536, false);
    ck_assert(r.extended && ext_ok && r.der == ok.cert);
    // ext_ok false from the start: no extended command at all.
    FakeCard no;
    no.cert = fake_cert(300);
    no.drop_extended = true;
    ext_ok = false;
    ck_assert(read_cert(no, ext_ok, how, 65536, true).der == no.cert);
    for (const auto& a : no.log) ck_assert(!is_extended(a));
    // A reader that answers nothing at all: the SELECT fails, no fallback, Error(card).
    FakeCard dead;
    dead.cert = fake_cert(300);
    dead.drop_everything = true;
    ext_ok = true;
    ck_assert(throws_card([&] { read_cert(dead, ext_ok, how, 65536, true); }));
    ck_assert_uint_eq(dead.log.size(), 1);
}
END_TEST

START_TEST(sign_flow) {
    FakeCard c;
    c.pin = "5917";
    Pin good = pin_of("5917");
    const std::string msg = "abc";
    const Bytes sig = sign_challenge(c, good, std::span(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), false);
    ck_assert_uint_eq(sig.size(), 256);
    const Bytes& cmd = c.log.back();
    // 80 2A 00 80 33 <DigestInfo: prefix + SHA-256("abc")> 00
    const Bytes want_hash = B({0xBA, 0x78, 0x16, 0xBF, 0x8F, 0x01, 0xCF, 0xEA, 0x41, 0x41, 0x40, 0xDE, 0x5D, 0xAE, 0x22, 0x23,
                               0xB0, 0x03, 0x61, 0xA3, 0x96, 0x17, 0x7A, 0x9C, 0xB4, 0x10, 0xFF, 0x61, 0xF2, 0x00, 0x15, 0xAD});
    ck_assert(cmd == sign(digest_info_sha256(want_hash)));
    // The JPKI PIN's own counter: a wrong PIN there says so and never signs.
    Pin bad = pin_of("0000");
    ck_assert(throws_card([&] { sign_challenge(c, bad, std::span<const std::uint8_t>(), false); }));
    ck_assert_int_eq(c.tries[1], 2);
    ck_assert(c.log.back()[1] == 0x20);
}
END_TEST

Suite* card_suite() {
    Suite* s = suite_create("card");
    TCase* tc = tcase_create("card");
    tcase_add_test(tc, tlv_multibyte_and_long_lengths);
    tcase_add_test(tc, tlv_leading_bytes_and_basic4);
    tcase_add_test(tc, tlv_hostile_input);
    tcase_add_test(tc, status_words);
    tcase_add_test(tc, certificate_length);
    tcase_add_test(tc, apdu_builders);
    tcase_add_test(tc, pin_zeroized);
    tcase_add_test(tc, pin_from_form);
    tcase_add_test(tc, exchange_61_6c);
    tcase_add_test(tc, card_flows);
    tcase_add_test(tc, blocked_6984_no_verify);
    tcase_add_test(tc, extended_fallback);
    tcase_add_test(tc, sign_flow);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_SUITE(card_suite);
