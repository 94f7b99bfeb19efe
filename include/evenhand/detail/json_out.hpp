// A fast appender for the canonical JSON the engine writes (decisions, applications' canonical
// forms, supervision statuses).
//
// Writing a decision is thousands of small appends. Through std::string each is a call that
// checks capacity; here the string is grown ahead in doubling steps and written through a raw
// cursor, so an append is a bounds check and a copy. The string gets its true size back when
// the writer is destroyed.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evenhand::detail {

/// Characters JSON strings must escape: control characters, '"' and '\\'.
inline constexpr auto json_escape_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

class json_out {
 public:
  /// Appends to `s` (after what it holds). Nothing else may touch `s` until this is destroyed.
  explicit json_out(std::string& s) : s_(s) {
    const std::size_t used = s_.size();
    s_.resize(std::max(s_.capacity(), used + 256));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }
  ~json_out() { s_.resize(static_cast<std::size_t>(p_ - s_.data())); }
  json_out(const json_out&) = delete;
  json_out& operator=(const json_out&) = delete;

  json_out& operator+=(char c) {
    need(1);
    *p_++ = c;
    return *this;
  }
  json_out& operator+=(std::string_view s) {
    need(s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  json_out& operator+=(const char* s) { return *this += std::string_view(s); }

  /// `s` as a JSON string: quoted, with '"', '\\' and control characters escaped; other bytes
  /// (UTF-8) as they are.
  void escaped(std::string_view s) {
    // Room for the worst case (every byte a \u00XX); a long string asks for it in pieces, so
    // never for six times its size at once.
    constexpr std::size_t piece = 4096;
    if (s.size() <= piece) [[likely]] {
      need(s.size() * 6 + 2);
      char* p = p_;
      *p++ = '"';
      // Most strings a decision holds are short and plain (ids, statuses, dates, names):
      // tested and copied whole, in at most two overlapping loads, without a byte loop.
      if (char* end = copy_if_plain(p, s.data(), s.size())) [[likely]]
        p = end;
      else
        p = escape(p, s);
      *p++ = '"';
      p_ = p;
      return;
    }
    need(1);
    *p_++ = '"';
    for (std::size_t at = 0; at < s.size(); at += piece) {
      need(std::min(s.size() - at, piece) * 6 + 1);
      p_ = escape(p_, s.substr(at, piece));
    }
    *p_++ = '"';
  }

  template <class Int>
  void integer(Int i) {
    need(24);
    p_ = std::to_chars(p_, end_, i).ptr;
  }

  /// Room for `n` more bytes, for a caller that writes them itself through `cursor`/`advance`.
  char* reserve(std::size_t n) {
    need(n);
    return p_;
  }
  void advance(char* to) noexcept { p_ = to; }

  /// Bytes written so far (those of the string before this writer included).
  std::size_t size() const noexcept { return static_cast<std::size_t>(p_ - s_.data()); }

 private:
  /// Whether any of the eight bytes in `w` must be escaped: below 0x20, '"' or '\\'. Each
  /// test is exact as a whole-word yes or no (a borrow can only follow a byte that matched).
  static constexpr bool needs_escape(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    return ((w - ones * 0x20) & ~w & highs) | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'));
  }

  template <class Word>
  static Word load(const char* p) noexcept {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  template <class Word>
  static void store(char* p, Word w) noexcept {
    std::memcpy(p, &w, sizeof w);
  }

#if defined(__SSE2__)
  /// Whether any of the sixteen bytes must be escaped (SSE2, which every x86-64 has).
  static bool needs_escape(__m128i x) noexcept {
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
    const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    return _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0;
  }
#endif

  /// Copies the n bytes at `in` to `p` and returns the end, when none of them needs escaping;
  /// nullptr (nothing written that counts) when one does. Reads and writes only within the n
  /// bytes: two overlapping loads cover any length between one load's size and twice it, so
  /// no byte is visited one at a time.
  static char* copy_if_plain(char* p, const char* in, std::size_t n) noexcept {
#if defined(__SSE2__)
    if (n >= 16) {
      const char* const last = in + n - 16;
      char* out = p;
      for (; in < last; in += 16, out += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        if (needs_escape(x)) return nullptr;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), x);
      }
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(last));  // overlaps what was copied
      if (needs_escape(x)) return nullptr;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + n - 16), x);
      return p + n;
    }
    if (n >= 8) {
      const auto lo = load<std::uint64_t>(in), hi = load<std::uint64_t>(in + n - 8);
      if (needs_escape(_mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo)))) return nullptr;
      store(p, lo);
      store(p + n - 8, hi);
      return p + n;
    }
#else
    if (n >= 8) {
      const char* const last = in + n - 8;
      char* out = p;
      for (; in < last; in += 8, out += 8) {
        const auto w = load<std::uint64_t>(in);
        if (needs_escape(w)) return nullptr;
        store(out, w);
      }
      const auto w = load<std::uint64_t>(last);  // overlaps what was copied: the same bytes again
      if (needs_escape(w)) return nullptr;
      store(p + n - 8, w);
      return p + n;
    }
#endif
    if (n >= 4) {
      const auto lo = load<std::uint32_t>(in), hi = load<std::uint32_t>(in + n - 4);
      if (needs_escape(lo | std::uint64_t{hi} << 32)) return nullptr;
      store(p, lo);
      store(p + n - 4, hi);
      return p + n;
    }
    if (n == 0) return p;
    // 1 to 3 bytes: the first, the middle and the last (some the same), padded with spaces.
    const auto a = static_cast<unsigned char>(in[0]), b = static_cast<unsigned char>(in[n / 2]),
               c = static_cast<unsigned char>(in[n - 1]);
    if (needs_escape(0x2020202020000000ull | std::uint64_t{a} | std::uint64_t{b} << 8 | std::uint64_t{c} << 16))
      return nullptr;
    p[0] = static_cast<char>(a);
    p[n / 2] = static_cast<char>(b);
    p[n - 1] = static_cast<char>(c);
    return p + n;
  }

  /// Writes `s` escaped at `p`, which has room for six bytes for each of s's; returns the end.
  /// Text is mostly plain (names, addresses, Chinese in UTF-8): eight bytes that need no
  /// escape are copied as one word.
  [[gnu::always_inline]] static char* escape(char* p, std::string_view s) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    const char* in = s.data();
    const char* const end = in + s.size();
    while (in != end) {
      while (end - in >= 8) {
        std::uint64_t w;
        std::memcpy(&w, in, 8);
        if (needs_escape(w)) break;
        std::memcpy(p, &w, 8);
        p += 8;
        in += 8;
      }
      // The word that holds an escape, or the last few bytes, one by one; then words again.
      for (const char* stop = in + std::min<std::ptrdiff_t>(end - in, 8); in != stop; ++in) {
        const auto c = static_cast<unsigned char>(*in);
        if (!json_escape_table[c]) [[likely]] {
          *p++ = *in;
          continue;
        }
        *p++ = '\\';
        switch (c) {
          case '"': *p++ = '"'; break;
          case '\\': *p++ = '\\'; break;
          case '\b': *p++ = 'b'; break;
          case '\f': *p++ = 'f'; break;
          case '\n': *p++ = 'n'; break;
          case '\r': *p++ = 'r'; break;
          case '\t': *p++ = 't'; break;
          default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
      }
    }
    return p;
  }
  [[gnu::always_inline]] void need(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
      grow(n);
  }
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t used = size();
    s_.resize(std::max(s_.size() * 2, used + n));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }

  std::string& s_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace evenhand::detail
