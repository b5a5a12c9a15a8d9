// text_fold.cpp: see text_fold.hpp. Lower-casing uses the C.UTF-8 locale through towlower_l, so
// it does not depend on (or change) the process's global locale.
#include "text_fold.hpp"

#include <locale.h>
#include <wctype.h>

#include <cstdint>

namespace knowledge {

namespace {

// The C.UTF-8 locale, made once and freed when the library unloads (leak checkers look).
class Utf8Locale {
 public:
    Utf8Locale() : locale_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {}
    ~Utf8Locale() {
        if (locale_ != static_cast<locale_t>(nullptr)) freelocale(locale_);
    }
    Utf8Locale(const Utf8Locale&) = delete;
    Utf8Locale& operator=(const Utf8Locale&) = delete;
    locale_t get() const { return locale_; }

 private:
    locale_t locale_;
};

locale_t utf8_locale() {
    static const Utf8Locale locale;
    return locale.get();
}

// Decodes one code point at `text[at]`; returns its length, or 0 when the bytes are not UTF-8.
size_t decode(std::string_view text, size_t at, char32_t& out) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || at + length > text.size()) return 0;
    out = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        out = (out << 6) | (byte(i) & 0x3F);
    }
    return length;
}

void encode(char32_t point, std::string& out) {
    if (point < 0x80) {
        out += static_cast<char>(point);
    } else if (point < 0x800) {
        out += static_cast<char>(0xC0 | (point >> 6));
        out += static_cast<char>(0x80 | (point & 0x3F));
    } else if (point < 0x10000) {
        out += static_cast<char>(0xE0 | (point >> 12));
        out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (point >> 18));
        out += static_cast<char>(0x80 | ((point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (point & 0x3F));
    }
}

}  // namespace

std::string fold_case(std::string_view text) {
    std::string folded;
    folded.reserve(text.size());
    const locale_t locale = utf8_locale();
    for (size_t at = 0; at < text.size();) {
        const unsigned char lead = static_cast<unsigned char>(text[at]);
        if (lead < 0x80) {  // the common case, without the locale
            folded += static_cast<char>(lead >= 'A' && lead <= 'Z' ? lead + ('a' - 'A') : lead);
            ++at;
            continue;
        }
        char32_t point = 0;
        const size_t length = decode(text, at, point);
        if (length == 0) {
            folded += static_cast<char>(lead);
            ++at;
            continue;
        }
        if (locale != static_cast<locale_t>(nullptr))
            point = static_cast<char32_t>(towlower_l(static_cast<wint_t>(point), locale));
        encode(point, folded);
        at += length;
    }
    return folded;
}

bool folded_contains(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    return fold_case(haystack).find(fold_case(needle)) != std::string::npos;
}

size_t code_points(std::string_view text) {
    size_t count = 0;
    for (const char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    return count;
}

}  // namespace knowledge
