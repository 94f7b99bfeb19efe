// Exact decimal numbers for money, areas and counts in approval standards.
//
// A decimal is a 128-bit signed coefficient and a scale (the number of fractional digits):
// 12.50 is (1250, 2). Up to 38 significant digits, so every amount a hall meets is exact and
// arithmetic never rounds silently: results that do not fit are reported (nullopt), and the
// only rounding — in division and in `round` — is half-even at a stated scale, the same on
// every machine. The scale is kept ("12.50" prints as written) but does not affect equality.
#pragma once

#include <charconv>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace evenhand {

class decimal {
 public:
  using coefficient_type = __int128;
  static constexpr int max_digits = 38;
  static constexpr int max_scale = 38;
  /// Fractional digits a quotient carries at least (more if an operand has more).
  static constexpr int division_scale = 18;

  constexpr decimal() noexcept = default;  // 0

  static constexpr decimal from_int(std::int64_t i) noexcept { return decimal(i, 0); }

  /// coefficient × 10^-scale; nullopt if the scale is outside [0, 38] or the coefficient has
  /// more than 38 digits.
  static constexpr std::optional<decimal> from_parts(coefficient_type coefficient,
                                                     int scale) noexcept {
    if (scale < 0 || scale > max_scale || !fits(coefficient)) return std::nullopt;
    return decimal(coefficient, scale);
  }

  /// Decimal text: optional sign, digits with an optional fraction, optional exponent
  /// ("12.50", "-0.5", "1e3", "2.5E-2"). Leading/trailing blanks are not accepted.
  static constexpr std::optional<decimal> parse(std::string_view s) noexcept {
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    coefficient_type c = 0;
    int digits = 0, scale = 0;
    bool any = false, point = false;
    for (; i < s.size(); ++i) {
      char ch = s[i];
      if (ch == '.' && !point) {
        point = true;
        continue;
      }
      if (ch < '0' || ch > '9') break;
      any = true;
      if (c != 0 || ch != '0') ++digits;
      if (digits > max_digits) return std::nullopt;
      c = c * 10 + (ch - '0');
      if (point) ++scale;
    }
    if (!any) return std::nullopt;
    if (i < s.size()) {
      if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
      ++i;
      bool exp_negative = false;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
      if (i == s.size()) return std::nullopt;
      int e = 0;
      for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        e = e * 10 + (s[i] - '0');
        if (e > 1000) return std::nullopt;
      }
      scale += exp_negative ? e : -e;
    }
    if (scale > max_scale) {
      // Only trailing zeros may be dropped without rounding.
      while (scale > max_scale && c % 10 == 0 && c != 0) c /= 10, --scale;
      if (c == 0) scale = max_scale;
      if (scale > max_scale) return std::nullopt;
    }
    for (; scale < 0; ++scale) {
      if (c > max_coefficient() / 10) return std::nullopt;
      c *= 10;
    }
    return decimal(negative ? -c : c, scale);
  }

  /// The shortest decimal text that reads back as this double (what a person wrote when they
  /// typed `0.1`); nullopt for NaN, infinities and values beyond 38 digits.
  static std::optional<decimal> from_double(double d) noexcept {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    if (r.ec != std::errc()) return std::nullopt;
    std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    if (text.find_first_of("ni") != std::string_view::npos) return std::nullopt;  // nan, inf
    return parse(text);
  }

  constexpr coefficient_type coefficient() const noexcept { return c_; }
  constexpr int scale() const noexcept { return scale_; }
  constexpr int sign() const noexcept { return c_ < 0 ? -1 : c_ > 0 ? 1 : 0; }

  /// The most bytes `write` writes: a sign, 39 digits, "0." and the point.
  static constexpr std::size_t max_text = 48;

  /// Writes the digits as written, scale kept ("12.50", "-0.05", "3") at `out`, which has room
  /// for max_text bytes; returns the end of what it wrote.
  char* write(char* out) const noexcept {
    char buf[48];
    char* const end = buf + sizeof buf;
    char* b = end;
    unsigned __int128 m = c_ < 0 ? static_cast<unsigned __int128>(-(c_ + 1)) + 1
                                 : static_cast<unsigned __int128>(c_);
    while (m > static_cast<unsigned __int128>(UINT64_MAX)) {  // rare: 128-bit division is slow
      *--b = static_cast<char>('0' + static_cast<int>(m % 10));
      m /= 10;
    }
    auto small = static_cast<std::uint64_t>(m);
    do {
      *--b = static_cast<char>('0' + static_cast<int>(small % 10));
      small /= 10;
    } while (small != 0);
    const auto n = static_cast<int>(end - b);
    if (c_ < 0) *out++ = '-';
    if (scale_ <= 0) {
      std::memcpy(out, b, static_cast<std::size_t>(n));
      return out + n;
    }
    if (n <= scale_) {  // 0.0…digits
      *out++ = '0';
      *out++ = '.';
      std::memset(out, '0', static_cast<std::size_t>(scale_ - n));
      out += scale_ - n;
      std::memcpy(out, b, static_cast<std::size_t>(n));
      return out + n;
    }
    const int whole = n - scale_;
    std::memcpy(out, b, static_cast<std::size_t>(whole));
    out += whole;
    *out++ = '.';
    std::memcpy(out, b + whole, static_cast<std::size_t>(scale_));
    return out + scale_;
  }

  /// The digits as written, scale kept: "12.50", "-0.05", "3".
  std::string to_string() const {
    char buf[max_text];
    return std::string(buf, write(buf));
  }

  /// The nearest double (correctly rounded from the exact text).
  double to_double() const noexcept {
    std::string s = to_string();
    double d = 0;
    std::from_chars(s.data(), s.data() + s.size(), d);
    return d;
  }

  /// The integer part (toward zero), when it fits in int64.
  constexpr std::optional<std::int64_t> to_int64_truncated() const noexcept {
    coefficient_type q = c_ / pow10(scale_);
    if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
    return static_cast<std::int64_t>(q);
  }

  /// The same number with trailing fractional zeros removed: the canonical form.
  constexpr decimal normalized() const noexcept {
    decimal r = *this;
    while (r.scale_ > 0 && r.c_ % 10 == 0) r.c_ /= 10, --r.scale_;
    return r;
  }

  /// Equal numbers hash equally whatever their scale (1.0 and 1.00), consistent with ==.
  std::size_t hash() const noexcept {
    decimal n = normalized();
    auto u = static_cast<unsigned __int128>(n.c_);
    auto lo = static_cast<std::uint64_t>(u), hi = static_cast<std::uint64_t>(u >> 64);
    std::uint64_t h = lo ^ (hi * 0x9E3779B97F4A7C15ull) ^ (static_cast<std::uint64_t>(n.scale_) << 56);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return static_cast<std::size_t>(h);
  }

  friend constexpr std::strong_ordering compare(const decimal& a, const decimal& b) noexcept {
    if (a.sign() != b.sign()) return a.sign() <=> b.sign();
    if (a.scale_ == b.scale_) return a.c_ <=> b.c_;
    // Compare integer parts first, then the remainders scaled to a common scale; neither step
    // can overflow because remainders have at most 38 digits below a power of ten ≤ 10^38.
    const decimal& lo = a.scale_ < b.scale_ ? a : b;  // fewer fractional digits
    const decimal& hi = a.scale_ < b.scale_ ? b : a;
    int diff = hi.scale_ - lo.scale_;
    coefficient_type hi_int = hi.c_ / pow10(diff), hi_rem = hi.c_ % pow10(diff);
    std::strong_ordering o = lo.c_ <=> hi_int;
    if (o == 0) o = coefficient_type(0) <=> hi_rem;
    return a.scale_ < b.scale_ ? o : 0 <=> o;
  }
  friend constexpr bool operator==(const decimal& a, const decimal& b) noexcept {
    return compare(a, b) == 0;
  }
  friend constexpr std::strong_ordering operator<=>(const decimal& a, const decimal& b) noexcept {
    return compare(a, b);
  }

  friend constexpr decimal negate(const decimal& a) noexcept { return decimal(-a.c_, a.scale_); }

  friend constexpr std::optional<decimal> add(const decimal& a, const decimal& b) noexcept {
    auto [x, y, scale] = aligned(a, b);
    if (scale < 0) return std::nullopt;
    return make(x + y, scale);  // |x|,|y| < 10^38 so the sum cannot overflow 127 bits
  }
  friend constexpr std::optional<decimal> sub(const decimal& a, const decimal& b) noexcept {
    return add(a, negate(b));
  }
  friend constexpr std::optional<decimal> mul(const decimal& a, const decimal& b) noexcept {
    coefficient_type r = 0;
    if (__builtin_mul_overflow(a.c_, b.c_, &r)) return reduce_product(a, b);
    int scale = a.scale_ + b.scale_;
    if (scale > max_scale) return round_to(r, scale, max_scale);
    return make(r, scale);
  }
  /// Quotient rounded half-even to max(18, scale of a, scale of b) fractional digits, then
  /// trailing zeros dropped down to the larger operand scale (10.00 / 4 = 2.50).
  friend constexpr std::optional<decimal> div(const decimal& a, const decimal& b) noexcept {
    if (b.c_ == 0) return std::nullopt;
    int keep = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
    int target = keep > division_scale ? keep : division_scale;
    // a/b = (ca / cb) × 10^(sb - sa); compute ca × 10^(target + sb - sa) / cb by long division.
    int shift = target + b.scale_ - a.scale_;
    auto q = scaled_quotient(a.c_, b.c_, shift);
    if (!q) return std::nullopt;
    auto r = make(*q, target);
    if (!r) return std::nullopt;
    decimal d = *r;
    while (d.scale_ > keep && d.c_ % 10 == 0) d.c_ /= 10, --d.scale_;
    return d;
  }
  /// Remainder with the sign of the dividend (truncated division, as C++ and CEL `%`).
  friend constexpr std::optional<decimal> rem(const decimal& a, const decimal& b) noexcept {
    if (b.c_ == 0) return std::nullopt;
    auto [x, y, scale] = aligned(a, b);
    if (scale < 0) return std::nullopt;
    return make(x % y, scale);
  }

  /// Rounded half-even (banker's rounding) or half-up to `scale` fractional digits.
  enum class rounding { half_even, half_up, down, up };
  constexpr std::optional<decimal> rounded(int scale, rounding mode = rounding::half_even) const noexcept {
    if (scale < 0 || scale > max_scale) return std::nullopt;
    if (scale >= scale_) {
      coefficient_type c = c_;
      for (int s = scale_; s < scale; ++s) {
        if (c > max_coefficient() / 10 || c < -max_coefficient() / 10) return std::nullopt;
        c *= 10;
      }
      return decimal(c, scale);
    }
    return round_to(c_, scale_, scale, mode);
  }

 private:
  constexpr decimal(coefficient_type c, int scale) noexcept : c_(c), scale_(scale) {}

  static constexpr coefficient_type pow10(int n) noexcept {
    coefficient_type r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
  }
  static constexpr coefficient_type max_coefficient() noexcept { return pow10(max_digits) - 1; }
  static constexpr bool fits(coefficient_type c) noexcept {
    return c <= max_coefficient() && c >= -max_coefficient();
  }
  static constexpr std::optional<decimal> make(coefficient_type c, int scale) noexcept {
    if (!fits(c)) {
      // Dropping trailing fractional zeros may still make it fit.
      while (scale > 0 && c % 10 == 0 && !fits(c)) c /= 10, --scale;
      if (!fits(c)) return std::nullopt;
    }
    return decimal(c, scale);
  }

  struct alignment {
    coefficient_type x, y;
    int scale;  // -1: cannot align within 38 digits
  };
  static constexpr alignment aligned(decimal a, decimal b) noexcept {
    // Scale the one with fewer fractional digits up; if that overflows, try scaling the other
    // down by dropping trailing zeros.
    while (a.scale_ != b.scale_) {
      decimal& lo = a.scale_ < b.scale_ ? a : b;
      decimal& hi = a.scale_ < b.scale_ ? b : a;
      if (lo.c_ <= max_coefficient() / 10 && lo.c_ >= -max_coefficient() / 10) {
        lo.c_ *= 10;
        ++lo.scale_;
      } else if (hi.c_ % 10 == 0) {
        hi.c_ /= 10;
        --hi.scale_;
      } else {
        return {0, 0, -1};
      }
    }
    return {a.c_, b.c_, a.scale_};
  }

  static constexpr std::optional<decimal> round_to(coefficient_type c, int from, int to,
                                                   rounding mode = rounding::half_even) noexcept {
    coefficient_type p = pow10(from - to);
    coefficient_type q = c / p, r = c % p;
    if (r != 0) {
      coefficient_type twice = r < 0 ? -r * 2 : r * 2;  // r < 10^38 so 2r < 2^127
      bool away = false;
      switch (mode) {
        case rounding::half_even: away = twice > p || (twice == p && q % 2 != 0); break;
        case rounding::half_up: away = twice >= p; break;
        case rounding::down: away = false; break;
        case rounding::up: away = true; break;
      }
      if (away) q += c < 0 ? -1 : 1;
    }
    return make(q, to);
  }

  static constexpr std::optional<decimal> reduce_product(const decimal& a, const decimal& b) noexcept {
    // Strip trailing zeros and retry once: 1000000…0 × 0.5 may fit after normalising.
    decimal x = a.normalized(), y = b.normalized();
    coefficient_type r = 0;
    if (__builtin_mul_overflow(x.c_, y.c_, &r)) return std::nullopt;
    int scale = x.scale_ + y.scale_;
    if (scale > max_scale) return round_to(r, scale, max_scale);
    return make(r, scale);
  }

  // n × 10^shift / d rounded half-even, with shift possibly negative; nullopt on overflow.
  static constexpr std::optional<coefficient_type> scaled_quotient(coefficient_type n,
                                                                   coefficient_type d,
                                                                   int shift) noexcept {
    bool negative = (n < 0) != (d < 0);
    using u128 = unsigned __int128;
    u128 un = n < 0 ? static_cast<u128>(-n) : static_cast<u128>(n);
    u128 ud = d < 0 ? static_cast<u128>(-d) : static_cast<u128>(d);
    for (; shift < 0; ++shift) ud *= 10;  // ud < 10^38 · 10^k stays small: shift ≥ -38 here
    u128 q = un / ud, r = un % ud;
    const u128 limit = static_cast<u128>(max_coefficient());
    for (int i = 0; i < shift; ++i) {
      if (q > limit / 10) return std::nullopt;
      r *= 10;  // r < ud < 10^39, so 10r < 2^128
      q = q * 10 + r / ud;
      r %= ud;
    }
    if (r * 2 > ud || (r * 2 == ud && q % 2 != 0)) ++q;
    if (q > limit) return std::nullopt;
    auto s = static_cast<coefficient_type>(q);
    return negative ? -s : s;
  }

  coefficient_type c_ = 0;
  int scale_ = 0;
};

}  // namespace evenhand
