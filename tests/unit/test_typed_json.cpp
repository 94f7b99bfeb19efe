#include <evenhand/typed_json.hpp>

#include <doctest/doctest.h>

#include <cmath>

using namespace evenhand;

namespace {
value read(std::string_view text) {
  std::string error;
  auto v = from_typed_json(boost::json::parse(text), error);
  REQUIRE_MESSAGE(v.has_value(), error);
  return *v;
}
std::string read_error(std::string_view text) {
  std::string error;
  auto v = from_typed_json(boost::json::parse(text), error);
  CHECK_FALSE(v.has_value());
  return error;
}
}  // namespace

TEST_CASE("every kind round-trips through the typed encoding") {
  for (std::string_view text : {
           R"({"null":null})", R"({"bool":true})", R"({"int":"-9223372036854775808"})",
           R"({"uint":"18446744073709551615"})", R"({"double":1.5})", R"({"double":"NaN"})",
           R"({"double":"-Infinity"})", R"({"double":-0.0})", R"({"double":1e+300})",
           R"({"decimal":"12.50"})", R"({"string":"食品经营许可\n\"x\""})", R"({"bytes":"/w=="})",
           R"({"date":"2026-03-02"})", R"({"timestamp":"2009-02-13T23:31:30.5Z"})",
           R"({"duration":"-1.5s"})", R"({"type":"google.protobuf.Timestamp"})",
           R"({"list":[{"int":"1"},{"list":[]}]})",
           R"({"map":[[{"int":"1"},{"string":"a"}],[{"string":"k"},{"bool":false}]]})"}) {
    CAPTURE(text);
    CHECK(to_typed_json(read(text)) == text);
  }
}

TEST_CASE("reading") {
  CHECK(read(R"({"int":"42"})").as_int() == 42);
  CHECK(read(R"({"bytes":"AP8="})").as_bytes().data == std::string("\x00\xff", 2));
  CHECK(std::isnan(read(R"({"double":"NaN"})").as_double()));
  CHECK(read(R"({"double":1})").as_double() == 1.0);
  CHECK(to_typed_json(read(R"({"double":3})")) == R"({"double":3.0})");
  CHECK(read(R"({"decimal":"0.10"})").as_decimal().to_string() == "0.10");
  // Maps are written in their sorted key order whatever order they were given in.
  CHECK(to_typed_json(read(R"({"map":[[{"string":"b"},{"int":"2"}],[{"string":"a"},{"int":"1"}]]})")) ==
        R"({"map":[[{"string":"a"},{"int":"1"}],[{"string":"b"},{"int":"2"}]]})");
}

TEST_CASE("errors name the path of the bad part") {
  CHECK(read_error(R"({"int":"x"})") == "$: bad int 'x'");
  CHECK(read_error(R"({"list":[{"int":"1"},{"date":"2025-02-29"}]})") ==
        "$.list[1]: date expects \"YYYY-MM-DD\"");
  CHECK(read_error(R"({"int":"1","uint":"2"})").find("one key") != std::string::npos);
  CHECK(read_error(R"({"float":1})") == "$: unknown kind 'float'");
  CHECK(read_error(R"({"map":[[{"int":"1"},{"int":"1"}],[{"int":"1"},{"int":"2"}]]})")
            .find("repeated key") != std::string::npos);
  CHECK(read_error(R"({"uint":"-1"})") == "$: bad uint '-1'");
}
