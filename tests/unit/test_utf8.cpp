// detail/utf8.hpp: one UTF-8 check for the parser, the loader and the application reader.
#include <evenhand/detail/utf8.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

using evenhand::detail::first_invalid_utf8;
using evenhand::detail::utf8_sequence;

namespace {

/// Unicode's table of well-formed byte sequences (Table 3-7), written out range by range: the
/// reference both functions are held to.
std::size_t reference_sequence(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(s[at + i])); };
  auto in = [](unsigned x, unsigned lo, unsigned hi) { return x >= lo && x <= hi; };
  const std::size_t left = s.size() - at;
  const unsigned c = b(0);
  if (c <= 0x7F) return 1;
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(b(1), 0x80, 0xBF) ? 2 : 0;
  if (left < 3 && in(c, 0xE0, 0xEF)) return 0;
  if (c == 0xE0) return in(b(1), 0xA0, 0xBF) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) return in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(b(1), 0x80, 0x9F) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  if (left < 4 && in(c, 0xF0, 0xF4)) return 0;
  if (c == 0xF0) return in(b(1), 0x90, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  if (in(c, 0xF1, 0xF3)) return in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(b(1), 0x80, 0x8F) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  return 0;
}

std::size_t reference_first_invalid(std::string_view s) {
  for (std::size_t at = 0; at < s.size();) {
    std::size_t n = reference_sequence(s, at);
    if (n == 0) return at;
    at += n;
  }
  return std::string_view::npos;
}

}  // namespace

TEST_CASE("utf8: every sequence of up to two bytes, and three- and four-byte ones at every boundary") {
  const unsigned edges[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                            0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b) {
      const std::string s = {static_cast<char>(a), static_cast<char>(b)};
      REQUIRE(utf8_sequence(s.data(), s.data() + 2) == reference_sequence(s, 0));
      REQUIRE(first_invalid_utf8(s) == reference_first_invalid(s));
    }
  for (unsigned a : edges)
    for (unsigned b : edges)
      for (unsigned c : edges)
        for (unsigned d : edges) {
          const std::string s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
          INFO(a << " " << b << " " << c << " " << d);
          REQUIRE(utf8_sequence(s.data(), s.data() + 4) == reference_sequence(s, 0));
          REQUIRE(utf8_sequence(s.data(), s.data() + 3) == reference_sequence(s.substr(0, 3), 0));
          REQUIRE(first_invalid_utf8(s) == reference_first_invalid(s));
        }
}

TEST_CASE("utf8: a bad byte is found at every place in and across the blocks checked at once") {
  // Text like an application's: ASCII with Chinese, a bad byte put at each place of texts of
  // every length up to 70, so that it falls before, in and after every 16-byte block.
  const std::string unit = "ab\xe4\xb8\xad\xe6\x96\x87 {\"k\": 1}\xf0\x9f\x98\x80z";
  const std::string bad[] = {"\xff", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe4\xb8", "\xf4\x90\x80\x80"};
  for (std::size_t length = 0; length <= 70; ++length) {
    std::string base;
    while (base.size() < length) base += unit;
    base.resize(length);
    // Cutting may split a sequence at the end: the reference says what that gives.
    CHECK(first_invalid_utf8(base) == reference_first_invalid(base));
    for (std::size_t at = 0; at <= length; ++at)
      for (const auto& b : bad) {
        const std::string text = base.substr(0, at) + b + base.substr(at);
        INFO(length << " " << at);
        REQUIRE(first_invalid_utf8(text) == reference_first_invalid(text));
      }
  }
}

TEST_CASE("utf8: random bytes, mostly ASCII, agree with the table") {
  std::mt19937 rng(20261204);
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 80, '\0');
    for (auto& c : s) {
      const unsigned r = rng() % 100;
      c = static_cast<char>(r < 70 ? 0x20 + rng() % 0x5F : r < 90 ? 0x80 + rng() % 0x40 : 0xC0 + rng() % 0x40);
    }
    REQUIRE(first_invalid_utf8(s) == reference_first_invalid(s));
  }
}

TEST_CASE("display width: CJK and fullwidth characters take two columns") {
  using evenhand::detail::display_width;
  CHECK(display_width("abc") == 3);
  CHECK(display_width("食品") == 4);
  CHECK(display_width("（A）") == 5);  // fullwidth parentheses
  CHECK(display_width("한글") == 4);
  CHECK(display_width("é") == 1);
  CHECK(display_width("\xff") == 1);
}
