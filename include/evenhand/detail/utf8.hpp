// Checking UTF-8: one rule (Unicode's well-formed sequences: no overlong forms, no surrogates,
// nothing above U+10FFFF) for the expression parser, the standard loader and the application
// reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evenhand::detail {

/// The length of the well-formed UTF-8 sequence at `p` (1 to 4), or 0 when the bytes there
/// are not one; never reads at or past `end`.
constexpr std::size_t utf8_sequence(const char* p, const char* end) noexcept {
  const auto c = static_cast<unsigned char>(*p);
  if (c < 0x80) return 1;
  const std::size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || static_cast<std::size_t>(end - p) < n) return 0;
  std::uint32_t cp = c & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
  for (std::size_t i = 1; i < n; ++i) {
    const auto cc = static_cast<unsigned char>(p[i]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

/// The offset of the first byte of `s` that does not start a well-formed sequence, or npos
/// when all of `s` is UTF-8. ASCII, most of any JSON text, is passed over sixteen bytes at a
/// time (eight without SSE2); only the other bytes are decoded.
inline std::size_t first_invalid_utf8(std::string_view s) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
#if defined(__SSE2__)
    while (end - p >= 16) {
      const int high = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      if (high) {
        p += __builtin_ctz(static_cast<unsigned>(high));
        break;
      }
      p += 16;
    }
#else
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (const std::uint64_t high = w & 0x8080808080808080ull) {
        std::size_t at = 0;  // the first byte in memory order with its high bit set
        while (!(static_cast<unsigned char>(p[at]) & 0x80)) ++at;
        p += at;
        break;
      }
      p += 8;
    }
#endif
    while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;  // what the blocks left
    while (p != end && static_cast<unsigned char>(*p) >= 0x80) {
      const std::size_t n = utf8_sequence(p, end);
      if (n == 0) return static_cast<std::size_t>(p - s.data());
      p += n;
    }
  }
  return std::string_view::npos;
}

/// The code point of the well-formed sequence of `n` bytes (utf8_sequence) at `p`.
constexpr char32_t utf8_decode(const char* p, std::size_t n) noexcept {
  const auto c = static_cast<unsigned char>(*p);
  if (n <= 1) return c;
  char32_t cp = c & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
  for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(p[i]) & 0x3Fu);
  return cp;
}

/// Columns a character takes in a terminal: two for East Asian wide and fullwidth ones (CJK
/// ideographs and punctuation, kana, hangul, fullwidth forms, emoji), one for the rest.
constexpr std::size_t display_width(char32_t c) noexcept {
  return c >= 0x1100 &&
                 (c <= 0x115F || c == 0x2329 || c == 0x232A || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
                  (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE10 && c <= 0xFE19) ||
                  (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
                  (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
             ? 2
             : 1;
}

/// Columns `s` takes in a terminal; a byte that is not UTF-8 takes one.
constexpr std::size_t display_width(std::string_view s) noexcept {
  std::size_t w = 0;
  for (const char* p = s.data(), *end = p + s.size(); p != end;) {
    const std::size_t n = utf8_sequence(p, end);
    w += n ? display_width(utf8_decode(p, n)) : 1;
    p += n ? n : 1;
  }
  return w;
}

}  // namespace evenhand::detail
