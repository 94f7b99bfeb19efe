// Identifier checks: unified social credit codes (GB 32100-2015) and resident ID numbers
// (GB 11643-1999), tested against an independent spelling of each check-character rule.
#include <evenhand/identity.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace evenhand;

namespace {

date id_ymd(int y, int m, int d) { return *date::from_ymd(y, m, d); }

// The standards' tables written out, so the tests do not share code with the header.
constexpr std::string_view uscc_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int uscc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
constexpr int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

std::string with_uscc_check(std::string body17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(uscc_chars.find(body17[static_cast<std::size_t>(i)])) * uscc_weights[i];
  return body17 + uscc_chars[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

std::string with_id_check(std::string body17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body17[static_cast<std::size_t>(i)] - '0') * id_weights[i];
  return body17 + "10X98765432"[sum % 11];
}

}  // namespace

TEST_CASE("identity: published unified social credit codes") {
  CHECK(is_uscc("91350100M000100Y43"));  // the example of GB 32100-2015
  CHECK(is_uscc("91110000600037341L"));
  CHECK(is_uscc("914403001000002860"));
}

TEST_CASE("identity: USCC check character computed by the rule") {
  for (const char* body : {"91320000MA1XXXXX0", "12100000400000000", "52110000500000000", "91440300MA5DABCDE",
                           "Y1110000MA0000000", "93350100M00010000"}) {
    const std::string code = with_uscc_check(body);
    INFO(code);
    CHECK(is_uscc(code));
    // Every other check character, and every single-character change of the body, fails:
    // weights are non-zero mod 31 (prime), so one substitution always moves the sum.
    for (char c : uscc_chars) {
      if (c == code[17]) continue;
      CHECK_FALSE(is_uscc(code.substr(0, 17) + c));
    }
    for (std::size_t i = 0; i < 17; ++i)
      for (char c : uscc_chars) {
        if (c == code[i]) continue;
        std::string changed = code;
        changed[i] = c;
        CHECK_FALSE(is_uscc(changed));
      }
  }
  CHECK(with_uscc_check("91320000MA1XXXXX0") == "91320000MA1XXXXX0Q");
}

TEST_CASE("identity: USCC shape") {
  CHECK_FALSE(is_uscc(""));
  CHECK_FALSE(is_uscc("91350100M000100Y4"));    // 17 characters
  CHECK_FALSE(is_uscc("91350100M000100Y433"));  // 19
  CHECK_FALSE(is_uscc("91350100m000100Y43"));   // lower case
  CHECK_FALSE(is_uscc("91350100M000100Y4Z"));   // Z is not a code character
  // I, O, S, V, Z are excluded even where the sum would allow them.
  for (char c : std::string("IOSVZ")) CHECK_FALSE(is_uscc(std::string("91350100M000100Y4") + c));
  CHECK_FALSE(is_uscc(std::string_view("91350100M000100Y\0" "3", 18)));
  // Every byte value in every place: a code character gives a code whose check character can
  // be computed; any other byte, in the body or as the check, never passes.
  for (std::size_t at = 0; at < 18; ++at)
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      const bool code_char = uscc_chars.find(c) != std::string_view::npos;
      std::string code = "91350100M000100Y43";
      code[at] = c;
      if (at < 17 && code_char) code = with_uscc_check(code.substr(0, 17));
      INFO(at << " " << b);
      CHECK(is_uscc(code) == (code_char && (at < 17 || c == '3')));
    }
}

TEST_CASE("identity: published resident ID numbers") {
  CHECK(is_cn_id("11010519491231002X"));  // the example of GB 11643-1999
  CHECK(is_cn_id("360426199101010071"));
  CHECK_FALSE(is_cn_id("110105194912310021"));  // wrong check digit
  CHECK_FALSE(is_cn_id("11010519491231002x"));  // lower-case x is not accepted
  CHECK(birth_date("11010519491231002X") == id_ymd(1949, 12, 31));
}

TEST_CASE("identity: ID check digit computed by the rule") {
  for (const char* body : {"44030420080229123", "11010120000229001", "32010219700101999", "11010519491231003",
                           "65010220240101000", "81000019991231555"}) {
    const std::string id = with_id_check(body);
    INFO(id);
    CHECK(is_cn_id(id));
    for (char c : std::string("0123456789X")) {
      if (c == id[17]) continue;
      CHECK_FALSE(is_cn_id(id.substr(0, 17) + c));
    }
  }
  CHECK(with_id_check("11010519491231002") == "11010519491231002X");
  CHECK(with_id_check("44030420080229123") == "440304200802291234");
  CHECK(birth_date(with_id_check("44030420080229123")) == id_ymd(2008, 2, 29));
}

TEST_CASE("identity: ID birth date must exist") {
  CHECK_FALSE(is_cn_id(with_id_check("11010519490230002")));  // 30 February
  CHECK_FALSE(is_cn_id(with_id_check("11010520230229002")));  // 2023 is not a leap year
  CHECK_FALSE(is_cn_id(with_id_check("11010519491301002")));  // month 13
  CHECK_FALSE(is_cn_id(with_id_check("11010519491200002")));  // day 0
  CHECK_FALSE(is_cn_id(with_id_check("11010500000101002")));  // year 0
  CHECK(is_cn_id(with_id_check("11010520000229002")));        // 2000 is a leap year
  CHECK_FALSE(birth_date(with_id_check("11010519490230002")));
  CHECK_FALSE(birth_date("110105194902300020"));
}

TEST_CASE("identity: ID shape") {
  CHECK_FALSE(is_cn_id(""));
  CHECK_FALSE(is_cn_id("11010519491231002"));      // 17
  CHECK_FALSE(is_cn_id("11010519491231002XX"));    // 19
  CHECK_FALSE(is_cn_id("1101051949123100X2"));     // X only as the check character
  CHECK_FALSE(is_cn_id("A1010519491231002X"));
  CHECK_FALSE(is_cn_id("110105194912310 2X"));
  CHECK_FALSE(is_cn_id(std::string_view("11010519491231\0" "02X", 18)));
  CHECK_FALSE(birth_date("123"));
}

TEST_CASE("identity: age_on") {
  const date leap = id_ymd(2008, 2, 29);
  CHECK(age_on(leap, id_ymd(2026, 2, 28)) == 17);
  CHECK(age_on(leap, id_ymd(2026, 3, 1)) == 18);
  CHECK(age_on(leap, id_ymd(2028, 2, 28)) == 19);
  CHECK(age_on(leap, id_ymd(2028, 2, 29)) == 20);
  CHECK(age_on(id_ymd(1991, 1, 1), id_ymd(2026, 1, 1)) == 35);
  CHECK(age_on(id_ymd(1991, 1, 2), id_ymd(2026, 1, 1)) == 34);
  CHECK(age_on(id_ymd(1991, 1, 2), id_ymd(1991, 1, 2)) == 0);
  CHECK(age_on(id_ymd(1991, 1, 2), id_ymd(1990, 6, 1)) == 0);  // never negative
  CHECK(age_on(id_ymd(1949, 12, 31), id_ymd(2026, 3, 2)) == 76);
  CHECK(age_on(id_ymd(1, 1, 1), id_ymd(9999, 12, 31)) == 9998);
  static_assert(is_uscc("91350100M000100Y43") && is_cn_id("11010519491231002X"));
}
