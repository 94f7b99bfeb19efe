// Check-character validation of the two identifiers a service hall sees on every application:
// the unified social credit code of an organisation and the resident identity card number.
#pragma once

#include <evenhand/date.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace evenhand {

namespace detail {

// GB 32100-2015 code characters: digits and upper-case letters without I, O, Z, S, V.
inline constexpr std::string_view uscc_alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Each byte's value in that alphabet, -1 for bytes outside it: one load per character (the
// checks run on every application).
inline constexpr auto uscc_values = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (std::size_t i = 0; i < uscc_alphabet.size(); ++i) t[static_cast<unsigned char>(uscc_alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}();

constexpr int uscc_value(char c) noexcept { return uscc_values[static_cast<unsigned char>(c)]; }

// The weights of the first 17 characters: 3^i mod 31 (USCC), 2^(17-i) mod 11 (ID number).
inline constexpr auto uscc_weights = [] {
  std::array<int, 17> w{};
  for (int i = 0, x = 1; i < 17; ++i, x = x * 3 % 31) w[static_cast<std::size_t>(i)] = x;
  return w;
}();
inline constexpr auto cn_id_weights = [] {
  std::array<int, 17> w{};
  for (int i = 16, x = 2; i >= 0; --i, x = x * 2 % 11) w[static_cast<std::size_t>(i)] = x;
  return w;
}();

constexpr bool all_digits(std::string_view s) noexcept {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

constexpr int digits_value(std::string_view s) noexcept {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace detail

/// Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of
/// "0123456789ABCDEFGHJKLMNPQRTUWXY"; the 18th is the check character: weights 3^i mod 31 over
/// the first 17, check = (31 - sum mod 31) mod 31.
constexpr bool is_uscc(std::string_view s) noexcept {
  if (s.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int v = detail::uscc_value(s[i]);
    if (v < 0) return false;
    sum += v * detail::uscc_weights[i];
  }
  const int check = detail::uscc_value(s[17]);
  return check >= 0 && check == (31 - sum % 31) % 31;
}

/// Resident identity card number (GB 11643-1999): 6-digit region, birth date YYYYMMDD that
/// exists, 3-digit sequence, ISO 7064 MOD 11-2 check character (0–9 or upper-case X).
constexpr bool is_cn_id(std::string_view s) noexcept {
  if (s.size() != 18 || !detail::all_digits(s.substr(0, 17))) return false;
  if (!date::from_ymd(detail::digits_value(s.substr(6, 4)), detail::digits_value(s.substr(10, 2)),
                      detail::digits_value(s.substr(12, 2))))
    return false;
  // Weights 2^(17-i) mod 11; the check makes the weighted sum of all 18 ≡ 1 (mod 11).
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * detail::cn_id_weights[i];
  constexpr std::string_view checks = "10X98765432";
  return s[17] == checks[static_cast<std::size_t>(sum % 11)];
}

/// The birth date encoded in a valid resident ID number; nullopt unless is_cn_id.
constexpr std::optional<date> birth_date(std::string_view id) noexcept {
  if (!is_cn_id(id)) return std::nullopt;
  return date::from_ymd(detail::digits_value(id.substr(6, 4)), detail::digits_value(id.substr(10, 2)),
                        detail::digits_value(id.substr(12, 2)));
}

/// Completed years of age on a day: a birthday counts from its date, and 29 February counts
/// from 1 March in common years (born 2008-02-29 → 18 on 2026-03-01). 0 if on < birth.
constexpr int age_on(date birth, date on) noexcept {
  if (on < birth) return 0;
  int years = on.year() - birth.year();
  if (on.month() < birth.month() || (on.month() == birth.month() && on.day() < birth.day())) --years;
  return years;
}

}  // namespace evenhand
