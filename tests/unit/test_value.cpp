#include <evenhand/value.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace evenhand;

namespace {
value dec(const char* s) { return value(*decimal::parse(s)); }
}  // namespace

TEST_CASE("kinds") {
  CHECK(value().kind() == value_kind::null_value);
  CHECK(value(true).kind() == value_kind::bool_value);
  CHECK(value(1).kind() == value_kind::int_value);
  CHECK(value(std::uint64_t{1}).kind() == value_kind::uint_value);
  CHECK(value(1.5).kind() == value_kind::double_value);
  CHECK(dec("1.5").kind() == value_kind::decimal_value);
  CHECK(value("x").kind() == value_kind::string_value);
  CHECK(value(bytes{"x"}).kind() == value_kind::bytes_value);
  CHECK(value(*date::from_ymd(2026, 3, 2)).kind() == value_kind::date_value);
  CHECK(value(list{}).kind() == value_kind::list_value);
  CHECK(value::make_map({}).kind() == value_kind::map_value);
  CHECK(value::make_error("boom").is_error());
  CHECK(value::make_unknown({"b", "a", "b"}).as_unknown().attributes ==
        std::vector<std::string>{"a", "b"});
  CHECK(kind_name(value_kind::timestamp_value) == "google.protobuf.Timestamp");
}

TEST_CASE("numeric equality is mathematical across kinds") {
  CHECK(cel_equal(value(1), value(std::uint64_t{1})));
  CHECK(cel_equal(value(1), value(1.0)));
  CHECK(cel_equal(value(1), dec("1.00")));
  CHECK(cel_equal(dec("0.5"), value(0.5)));
  CHECK(cel_equal(dec("0.1"), value(0.1)));  // 0.1 the literal, read by its shortest text
  CHECK_FALSE(cel_equal(value(-1), value(std::numeric_limits<std::uint64_t>::max())));
  CHECK_FALSE(cel_equal(value(std::nan("")), value(std::nan(""))));
  CHECK_FALSE(cel_equal(value(1), value("1")));
  CHECK_FALSE(cel_equal(value(), value(false)));
}

TEST_CASE("ordering across numeric kinds is exact") {
  auto lt = [](const value& a, const value& b) {
    auto o = cel_compare(a, b);
    return o && *o == std::partial_ordering::less;
  };
  CHECK(lt(value(std::numeric_limits<std::int64_t>::max()), value(9223372036854775808.0)));
  CHECK(lt(value(-1), value(std::uint64_t{0})));
  CHECK(lt(value(2), value(2.5)));
  CHECK(lt(dec("20.49"), value(20.5)));
  CHECK(lt(dec("19.999999999999999999"), value(20)));
  CHECK(lt(value(std::uint64_t{18446744073709551615ULL}), value(1e20)));
  CHECK(cel_compare(value(std::nan("")), value(1)) == std::partial_ordering::unordered);
  CHECK_FALSE(cel_compare(value("a"), value(1)).has_value());
  CHECK(lt(value("a"), value("b")));
  CHECK(lt(value("z"), value("食")));  // bytewise = code point order
  CHECK(lt(value(*date::from_ymd(2025, 1, 1)), value(*date::from_ymd(2025, 1, 2))));
}

TEST_CASE("maps: sorted, duplicate keys rejected, numeric keys found across kinds") {
  value m = value::make_map({{value("b"), value(2)}, {value("a"), value(1)}, {value(3), value("three")}});
  REQUIRE(m.kind() == value_kind::map_value);
  const auto& entries = m.as_map();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].first.as_int() == 3);  // numbers rank before strings
  CHECK(entries[1].first.as_string() == "a");
  CHECK(m.find(std::string_view("b"))->as_int() == 2);
  CHECK(m.find(value(std::uint64_t{3}))->as_string() == "three");
  CHECK(m.find(value(3.0))->as_string() == "three");
  CHECK(m.find(value("c")) == nullptr);
  CHECK(m.find(std::string_view("c")) == nullptr);
  CHECK(value::make_map({{value(1), value(1)}, {value(std::uint64_t{1}), value(2)}}).is_error());
  CHECK(value::make_map({{value(1.5), value(1)}}).is_error());
}

TEST_CASE("maps with string keys: byte order, as total_order gives, and duplicates rejected") {
  // The same order whether the keys arrive in order or reversed.
  std::vector<std::string> keys = {"", "a", "a.b", "a-b", "ab", "Z", "名称", "申请人", "\x7f"};
  map_entries forward, backward;
  for (const auto& k : keys) forward.emplace_back(value(k), value(k));
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) backward.emplace_back(value(*it), value(*it));
  value a = value::make_map(forward), b = value::make_map(backward);
  REQUIRE(a.kind() == value_kind::map_value);
  REQUIRE(b.kind() == value_kind::map_value);
  const auto& ea = a.as_map();
  for (std::size_t i = 1; i < ea.size(); ++i) {
    CHECK(ea[i - 1].first.as_string() < ea[i].first.as_string());
    CHECK(total_order(ea[i - 1].first, ea[i].first) < 0);
  }
  CHECK(total_order(a, b) == 0);
  CHECK(value::make_map({{value("x"), value(1)}, {value("y"), value(2)}, {value("x"), value(3)}}).is_error());
  CHECK(value::make_map({{value("x"), value(1)}, {value("x"), value(1)}}).is_error());
}

TEST_CASE("list and map equality") {
  CHECK(cel_equal(value(list{value(1), value("a")}), value(list{value(1.0), value("a")})));
  CHECK_FALSE(cel_equal(value(list{value(1)}), value(list{value(1), value(2)})));
  value a = value::make_map({{value("x"), value(1)}, {value("y"), value(2)}});
  value b = value::make_map({{value("y"), value(2)}, {value("x"), value(1u)}});
  CHECK(cel_equal(a, b));
}

TEST_CASE("total order is strong and puts kinds in a fixed rank") {
  CHECK(total_order(value(), value(false)) < 0);
  CHECK(total_order(value(true), value(0)) < 0);
  CHECK(total_order(value(1), value(std::uint64_t{1})) < 0);  // equal numbers: kind breaks the tie
  CHECK(total_order(value(std::nan("")), value(1e308)) > 0);
  CHECK(total_order(value(std::nan("")), value(std::nan(""))) == 0);
  CHECK(total_order(value("a"), value(bytes{"a"})) < 0);
  CHECK(total_order(value(list{value(1)}), value(list{value(1), value(0)})) < 0);
}

TEST_CASE("hash agrees with numeric equality") {
  CHECK(hash_value(value(1)) == hash_value(value(1.0)));
  CHECK(hash_value(value(1)) == hash_value(dec("1.000")));
  CHECK(hash_value(value(std::uint64_t{7})) == hash_value(value(7)));
  CHECK(hash_value(dec("0.5")) == hash_value(value(0.5)));
}

TEST_CASE("strings: inline up to the capacity, shared beyond; copies, moves and assignments keep the text") {
  const std::size_t cap = value::inline_string_capacity;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, cap - 1, cap, cap + 1, std::size_t{1000}}) {
    CAPTURE(n);
    std::string text(n, 'x');
    for (std::size_t i = 0; i < n; ++i) text[i] = static_cast<char>('a' + i % 26);
    value from_view(std::string_view{text});
    value from_string(text);
    CHECK(from_view.kind() == value_kind::string_value);
    CHECK(from_view.as_string() == text);
    CHECK(from_string.as_string() == text);
    value copy(from_view);
    CHECK(copy.as_string() == text);
    CHECK(from_view.as_string() == text);  // the source is untouched
    value moved(std::move(copy));
    CHECK(moved.as_string() == text);
    CHECK(copy.is_null());  // NOLINT(bugprone-use-after-move): a moved-from value is null
    value assigned = value(42);
    assigned = moved;
    CHECK(assigned.as_string() == text);
    assigned = value(bytes{"b"});
    CHECK(assigned.as_bytes().data == "b");
    assigned = std::move(moved);
    CHECK(assigned.as_string() == text);
    assigned = assigned;  // self-assignment keeps the value
    CHECK(assigned.as_string() == text);
    CHECK(cel_equal(assigned, from_string));
    CHECK(hash_value(assigned) == hash_value(value(std::string_view{text})));
  }
  // A text with a NUL byte and non-ASCII bytes is kept byte for byte.
  std::string odd("a\0b\xe4\xb8\xad", 6);
  CHECK(value(odd).as_string() == odd);
}

TEST_CASE("assigning a value from inside itself: the element is copied before the container goes") {
  value l(list{value(std::string(100, 'q')), value("short"), dec("2.50")});
  l = l.as_list()[0];
  CHECK(l.as_string() == std::string(100, 'q'));
  value m = value::make_map({{value("k"), value(list{value(7)})}});
  m = *m.find(std::string_view("k"));
  REQUIRE(m.kind() == value_kind::list_value);
  CHECK(m.as_list()[0].as_int() == 7);
  value n(list{value(list{value("inner")})});
  n = value(n.as_list()[0]);
  CHECK(n.as_list()[0].as_string() == "inner");
}

TEST_CASE("every kind survives a copy, a move and a swap") {
  std::vector<value> all = {value(),
                            value(true),
                            value(-5),
                            value(std::uint64_t{5}),
                            value(2.5),
                            dec("-12345678901234567890.123456789"),
                            value("文字"),
                            value(std::string(200, 'z')),
                            value(bytes{"\x01\x02"}),
                            value(*date::from_ymd(2026, 10, 1)),
                            value(*timestamp::parse("2026-03-02T09:30:00+08:00")),
                            value(*duration::parse("90s")),
                            value(list{value(1), value("two")}),
                            value::make_map({{value("a"), value(1)}}),
                            value(type_name{"int"}),
                            value::make_error("boom"),
                            value::make_unknown({"x"})};
  for (std::size_t i = 0; i < all.size(); ++i) {
    CAPTURE(i);
    value copy = all[i];
    CHECK(copy.kind() == all[i].kind());
    CHECK(total_order(copy, all[i]) == std::strong_ordering::equal);
    value other = all[(i + 1) % all.size()];
    std::swap(copy, other);
    CHECK(total_order(other, all[i]) == std::strong_ordering::equal);
    CHECK(total_order(copy, all[(i + 1) % all.size()]) == std::strong_ordering::equal);
  }
  std::vector<value> grown;
  for (int round = 0; round < 50; ++round)
    for (const auto& v : all) grown.push_back(v);  // reallocations move every kind
  for (std::size_t i = 0; i < grown.size(); ++i) CHECK(total_order(grown[i], all[i % all.size()]) == std::strong_ordering::equal);
}
