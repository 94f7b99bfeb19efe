#include <evenhand/decimal.hpp>

#include <doctest/doctest.h>

using evenhand::decimal;

namespace {
decimal d(const char* s) {
  auto r = decimal::parse(s);
  REQUIRE(r.has_value());
  return *r;
}
std::string str(const std::optional<decimal>& r) { return r ? r->to_string() : "<none>"; }
}  // namespace

TEST_CASE("decimal: parse and print keep the written scale") {
  CHECK(d("12.50").to_string() == "12.50");
  CHECK(d("-0.05").to_string() == "-0.05");
  CHECK(d("+3").to_string() == "3");
  CHECK(d(".5").to_string() == "0.5");
  CHECK(d("1e3").to_string() == "1000");
  CHECK(d("2.5E-2").to_string() == "0.025");
  CHECK(d("0").to_string() == "0");
  for (const char* bad : {"", "-", ".", "1..2", "1e", "1e+", "12a", " 1", "1 ", "0x10", "1e2000"})
    CHECK_MESSAGE(!decimal::parse(bad), bad);
  CHECK(decimal::parse("99999999999999999999999999999999999999"));        // 38 digits
  CHECK(!decimal::parse("999999999999999999999999999999999999999"));      // 39 digits
  CHECK(d("0.00000000000000000000000000000000000000000").to_string().size() == 40);
  // Coefficients past 64 bits print through the 128-bit path, every digit in place.
  for (const char* text : {"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
                           "1234567890123456789012345678.9012345678", "-0.12345678901234567890123456789012345678",
                           "18446744073709551616", "18446744073709551615", "-18446744073709551616.5", "-0.001"})
    CHECK(d(text).to_string() == text);
  char buf[decimal::max_text];
  auto widest = d("-0.00000000000000000000000000000000000001");
  CHECK(std::string(buf, widest.write(buf)) == widest.to_string());
}

TEST_CASE("decimal: comparison ignores scale") {
  CHECK(d("1.0") == d("1.00"));
  CHECK(d("1.0").hash() == d("1.00").hash());
  CHECK(d("0.1") < d("0.11"));
  CHECK(d("-0.1") > d("-0.11"));
  CHECK(d("2") > d("1.99999999999999999999999999999999999"));
  CHECK(d("-2") < d("-1.9"));
  CHECK(d("-1") < d("0.5"));
}

TEST_CASE("decimal: exact arithmetic") {
  CHECK(str(add(d("0.1"), d("0.2"))) == "0.3");
  CHECK(str(sub(d("10"), d("0.01"))) == "9.99");
  CHECK(str(mul(d("35.5"), d("2.00"))) == "71.000");
  CHECK(str(div(d("10.00"), d("4"))) == "2.50");
  CHECK(str(div(d("1"), d("3"))) == "0.333333333333333333");
  CHECK(str(div(d("2"), d("3"))) == "0.666666666666666667");
  CHECK(str(div(d("-2"), d("3"))) == "-0.666666666666666667");
  CHECK(str(rem(d("7.5"), d("2"))) == "1.5");
  CHECK(str(rem(d("-7.5"), d("2"))) == "-1.5");
  CHECK(!div(d("1"), d("0")));
  CHECK(!rem(d("1"), d("0.0")));
  auto big = d("99999999999999999999999999999999999999");
  CHECK(!add(big, d("1")));
  CHECK(!mul(big, d("10")));
  CHECK(str(mul(d("1e37"), d("0.1"))) == "1000000000000000000000000000000000000.0");
}

TEST_CASE("decimal: rounding is stated, never implicit") {
  CHECK(str(d("2.345").rounded(2)) == "2.34");
  CHECK(str(d("2.355").rounded(2)) == "2.36");
  CHECK(str(d("2.345").rounded(2, decimal::rounding::half_up)) == "2.35");
  CHECK(str(d("-2.345").rounded(2, decimal::rounding::half_up)) == "-2.35");
  CHECK(str(d("2.341").rounded(2, decimal::rounding::up)) == "2.35");
  CHECK(str(d("2.349").rounded(2, decimal::rounding::down)) == "2.34");
  CHECK(str(d("2.3").rounded(2)) == "2.30");
}

TEST_CASE("decimal: conversions") {
  CHECK(str(decimal::from_double(0.1)) == "0.1");
  CHECK(str(decimal::from_double(-2.5)) == "-2.5");
  CHECK(!decimal::from_double(1.0 / 0.0));
  CHECK(d("0.1").to_double() == 0.1);
  CHECK(d("-12.9").to_int64_truncated() == -12);
  CHECK(!d("1e30").to_int64_truncated());
  CHECK(decimal::from_int(INT64_MIN).to_string() == "-9223372036854775808");
  CHECK(!decimal::from_parts(1, 39));
  CHECK(str(decimal::from_parts(1250, 2)) == "12.50");
}
