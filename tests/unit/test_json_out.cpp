#include <evenhand/detail/json_out.hpp>
#include <evenhand/diagnostics.hpp>

#include <doctest/doctest.h>

#include <string>

using evenhand::detail::json_out;

TEST_CASE("json_out: appends after what the string holds and gives it its true size back") {
  std::string s = "prefix:";
  {
    json_out out(s);
    out += '[';
    out.integer(-42);
    out += ',';
    out.integer(18446744073709551615ull);
    out += ",";
    out.escaped("a\"b\\c\n\t\x01 中文");
    out += ']';
    CHECK(out.size() == s.find(']') + 1);  // the string is longer while the writer is open
  }
  CHECK(s == "prefix:[-42,18446744073709551615,\"a\\\"b\\\\c\\n\\t\\u0001 中文\"]");
}

TEST_CASE("json_out: escapes exactly as append_json_string does, and grows past any first size") {
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte += static_cast<char>(c);
  std::string expected;
  evenhand::detail::append_json_string(expected, every_byte);
  std::string written;
  {
    json_out out(written);
    out.escaped(every_byte);
  }
  CHECK(written == expected);

  // Many small writes, far past the first 256 bytes: nothing lost or moved at a growth.
  std::string big, reference;
  {
    json_out out(big);
    for (int i = 0; i < 5000; ++i) {
      out.integer(i);
      out += ',';
      out.escaped("x\"y");
      reference += std::to_string(i) + ",\"x\\\"y\"";
    }
  }
  CHECK(big == reference);

  // A worst-case string at once: six bytes out for every byte in.
  std::string controls(3000, '\x1f'), escaped;
  {
    json_out out(escaped);
    out.escaped(controls);
  }
  CHECK(escaped.size() == 3000 * 6 + 2);
  CHECK(escaped.substr(0, 7) == "\"\\u001f");

  // A long string goes in pieces: the same bytes as in one go, across every piece's edge.
  std::string long_text;
  for (int i = 0; i < 20000; ++i) long_text += i % 7 == 0 ? '\n' : i % 11 == 0 ? '"' : static_cast<char>('a' + i % 26);
  std::string long_expected, long_written = "[";
  evenhand::detail::append_json_string(long_expected, long_text);
  {
    json_out out(long_written);
    out.escaped(long_text);
    out += ']';
  }
  CHECK(long_written == "[" + long_expected + "]");
}

TEST_CASE("json_out: a byte that needs escaping is found at every place in and across the blocks tested at once") {
  // Plain text of every length up to 40 with one special byte at each place, and every pair
  // of places for a few: the copy that tests 4, 8 or 16 bytes at once (two overlapping loads
  // for a short string) must give way to escaping wherever such a byte is. Bytes 0x20 and
  // 0x7f-0xff around it must pass through as they are.
  const std::string specials = std::string("\"\\\x00\x01\x1f\n\t", 7);
  const std::string plain_bytes = std::string(" !#[]~\x7f\x80\xbf\xe4\xb8\xad\xff", 13);
  auto check_same = [](const std::string& text) {
    std::string expected, written;
    evenhand::detail::append_json_string(expected, text);
    {
      json_out out(written);
      out.escaped(text);
    }
    REQUIRE(written == expected);
  };
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string base;
    for (std::size_t i = 0; i < length; ++i) base += plain_bytes[i % plain_bytes.size()];
    check_same(base);
    for (std::size_t at = 0; at < length; ++at)
      for (char special : specials) {
        std::string text = base;
        text[at] = special;
        check_same(text);
        for (std::size_t second = at + 1; second < length; second += 3) {
          std::string two = text;
          two[second] = specials[(at + second) % specials.size()];
          check_same(two);
        }
      }
  }
}
