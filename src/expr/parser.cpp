// The expression grammar (CEL, langdef "Syntax"), with Boost.Spirit X3.
//
// X3 drives the structure: precedence levels, postfix chains, literals of lists and maps, with
// expectation points (`>`) so that a missing operand or bracket is reported where it is
// missing. Tokens whose errors need their own words (strings with escapes, numbers,
// identifiers) are small hand-written X3 primitives. Semantic actions build the flat node
// vector through a node stack; nodes a failed alternative leaves behind are dropped by the
// final compaction, which also enforces the size limits.
//
// This is the only translation unit that includes Spirit: grammars compile slowly.
#include <evenhand/detail/utf8.hpp>
#include <evenhand/expr/parser.hpp>

#include <boost/spirit/home/x3.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace evenhand::expr {
namespace {

namespace x3 = boost::spirit::x3;
using iterator = const char*;

/// A syntax error found by a token primitive or an action: thrown, caught by parse().
struct syntax_error {
  const char* begin;
  const char* end;
  std::string code;
  std::string message;
  std::string hint;
};

[[noreturn]] void fail(const char* b, const char* e, std::string code, std::string message,
                       std::string hint = {}) {
  throw syntax_error{b, e, std::move(code), std::move(message), std::move(hint)};
}

constexpr std::string_view reserved_words[] = {
    "as",  "break",  "const", "continue", "else",      "for", "function", "if",   "import",
    "let", "loop",   "package", "namespace", "return", "var", "void",     "while"};

bool is_reserved(std::string_view w) {
  return std::find(std::begin(reserved_words), std::end(reserved_words), w) !=
         std::end(reserved_words);
}

constexpr bool ident_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool ident_char(char c) noexcept { return ident_start(c) || (c >= '0' && c <= '9'); }

/// Everything the actions share while one expression is parsed.
struct builder {
  const char* base;
  const parse_options& options;
  std::vector<node> nodes;
  std::vector<node_id> stack;           ///< finished operands, innermost last
  std::vector<std::size_t> marks;       ///< stack sizes where argument lists began
  std::vector<binary_op> ops;           ///< pending binary operators
  std::vector<std::pair<std::size_t, const char*>> prefixes;  ///< unary runs: count, start
  std::vector<std::string> field_names; ///< pending message field names
  std::vector<node_id> pending_min_int; ///< literal 9223372036854775808 awaiting a '-'
  std::size_t depth = 0;

  std::uint32_t offset(const char* p) const noexcept { return static_cast<std::uint32_t>(p - base); }
  source_span span(const char* b, const char* e) const noexcept { return {offset(b), offset(e)}; }

  node_id add(node n) {
    nodes.push_back(std::move(n));
    return static_cast<node_id>(nodes.size() - 1);
  }
  void push(node n) { stack.push_back(add(std::move(n))); }
  node_id pop() {
    node_id id = stack.back();
    stack.pop_back();
    return id;
  }
  /// The operands pushed since the innermost mark (an argument or element list).
  std::vector<node_id> take_since_mark(const char* where) {
    std::size_t m = marks.back();
    marks.pop_back();
    std::vector<node_id> items(stack.begin() + static_cast<std::ptrdiff_t>(m), stack.end());
    stack.resize(m);
    if (items.size() > options.limits.max_repetitions)
      fail(where, where + 1, "E106",
           "too many elements or arguments (" + std::to_string(items.size()) + "; the limit is " +
               std::to_string(options.limits.max_repetitions) + ")");
    return items;
  }
};

struct builder_tag;

template <class Context>
builder& get(const Context& ctx) {
  return x3::get<builder_tag>(ctx);
}

// ---------------------------------------------------------------------------------------------
// Token primitives

/// Skips whitespace and `//` comments (the phrase skipper), then returns the position.
template <class Context>
void skip(iterator& first, iterator last, const Context& ctx) {
  x3::skip_over(first, last, ctx);
}

/// A name that is not a keyword (true, false, null, in); its attribute is the name. As an
/// identifier (CEL's IDENT: a variable, a global function) a reserved word is an error; as a
/// selector (SELECTOR: after a dot, a field name in a message literal) it is a name like any
/// other, so `a.package()` and `msg.as` are CEL.
struct identifier_parser : x3::parser<identifier_parser> {
  using attribute_type = std::string;
  static const bool has_attribute = true;
  bool selector = false;
  constexpr explicit identifier_parser(bool as_selector = false) : selector(as_selector) {}

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext&, Attribute& attr) const {
    skip(first, last, ctx);
    It p = first;
    if (p == last || !ident_start(*p)) return false;
    while (p != last && ident_char(*p)) ++p;
    std::string_view word(first, static_cast<std::size_t>(p - first));
    if (word == "true" || word == "false" || word == "null" || word == "in") return false;
    if (!selector && is_reserved(word))
      fail(first, p, "E107", "'" + std::string(word) + "' is a reserved word and cannot be a variable's or a function's name",
           "a field of that name is read after a dot (x." + std::string(word) + "); rename a variable");
    x3::traits::move_to(std::string(word), attr);
    first = p;
    return true;
  }
};
const identifier_parser identifier{};
const identifier_parser selector_name{true};

/// A field name after '.': an identifier, or any text in backquotes (`content-type`).
struct field_name_parser : x3::parser<field_name_parser> {
  using attribute_type = x3::unused_type;
  static const bool has_attribute = false;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext& rctx, Attribute& attr) const {
    skip(first, last, ctx);
    if (first == last || *first != '`') {
      std::string ignored;
      return selector_name.parse(first, last, ctx, rctx, ignored);
    }
    It p = first + 1;
    while (p != last && *p != '`' && *p != '\n') ++p;
    if (p == last || *p != '`')
      fail(first, p, "E102", "unterminated quoted field name", "close it with a backquote `");
    if (p == first + 1) fail(first, p + 1, "E101", "empty quoted field name");
    first = p + 1;
    (void)attr;
    return true;
  }
};
const field_name_parser field_name{};

/// The keyword `in` (not a prefix of `index`).
struct in_keyword_parser : x3::parser<in_keyword_parser> {
  using attribute_type = x3::unused_type;
  static const bool has_attribute = false;
  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext&, Attribute&) const {
    skip(first, last, ctx);
    if (last - first < 2 || first[0] != 'i' || first[1] != 'n') return false;
    if (last - first > 2 && ident_char(first[2])) return false;
    first += 2;
    return true;
  }
};
const in_keyword_parser in_keyword{};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

using evenhand::detail::utf8_sequence;

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// String and bytes literals: quotes, triple quotes, r/b prefixes, every escape of the langdef.
struct string_literal_parser : x3::parser<string_literal_parser> {
  using attribute_type = x3::unused_type;
  static const bool has_attribute = false;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext&, Attribute&) const {
    skip(first, last, ctx);
    It p = first;
    bool raw = false, is_bytes = false;
    for (int i = 0; i < 2 && p != last; ++i) {
      if ((*p == 'r' || *p == 'R') && !raw) raw = true, ++p;
      else if ((*p == 'b' || *p == 'B') && !is_bytes) is_bytes = true, ++p;
      else break;
    }
    if (p == last || (*p != '"' && *p != '\'')) return false;
    const char quote = *p;
    const bool triple = last - p >= 3 && p[1] == quote && p[2] == quote;
    const It body = p + (triple ? 3 : 1);
    std::string out;
    It q = body;
    for (;;) {
      if (q == last)
        fail(first, q, "E102", "unterminated string literal",
             std::string("close it with ") + (triple ? std::string(3, quote) : std::string(1, quote)));
      if (*q == quote && (!triple || (last - q >= 3 && q[1] == quote && q[2] == quote))) break;
      if (!triple && (*q == '\n' || *q == '\r'))
        fail(first, q, "E102", "unterminated string literal (a quoted string cannot span lines)",
             "use a triple-quoted string for text with line breaks");
      if (*q == '\\' && !raw) {
        q = escape(q, last, out, is_bytes);
        continue;
      }
      std::size_t n = utf8_sequence(q, last);
      if (n == 0) fail(q, q + 1, "E103", "invalid UTF-8 in a string literal");
      out.append(q, n);
      q += n;
    }
    It end = q + (triple ? 3 : 1);
    builder& b = get(ctx);
    node n;
    n.kind = node_kind::literal;
    n.span = b.span(first, end);
    if (is_bytes) n.lit = bytes_literal{std::move(out)};
    else n.lit = std::move(out);
    b.push(std::move(n));
    first = end;
    return true;
  }

  // Decodes one escape at q ('\\'); returns the position after it.
  static iterator escape(iterator q, iterator last, std::string& out, bool is_bytes) {
    iterator start = q++;
    if (q == last) fail(start, q, "E103", "a backslash ends the string", "write \\\\ for a backslash");
    auto bad = [&](iterator e, std::string what) -> void {
      fail(start, e, "E103", what, "escapes are \\n \\t \\\\ \\\" \\' \\xHH \\uHHHH \\UHHHHHHHH \\ooo");
    };
    char c = *q++;
    switch (c) {
      case 'a': out += '\a'; return q;
      case 'b': out += '\b'; return q;
      case 'f': out += '\f'; return q;
      case 'n': out += '\n'; return q;
      case 'r': out += '\r'; return q;
      case 't': out += '\t'; return q;
      case 'v': out += '\v'; return q;
      case '\\': case '?': case '"': case '\'': case '`': out += c; return q;
      case 'x': case 'X': case 'u': case 'U': {
        int digits = (c == 'x' || c == 'X') ? 2 : c == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (int i = 0; i < digits; ++i, ++q) {
          int h = q == last ? -1 : hex_value(*q);
          if (h < 0) bad(q == last ? q : q + 1, std::string("\\") + c + " needs " + std::to_string(digits) + " hex digits");
          cp = cp * 16 + static_cast<std::uint32_t>(h);
        }
        if (c == 'U' && is_bytes) bad(q, "\\U escapes are not allowed in bytes literals");
        if ((c == 'x' || c == 'X') && is_bytes) {
          out += static_cast<char>(cp);
          return q;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
          bad(q, "escape names an invalid code point (surrogates are not allowed)");
        append_utf8(out, cp);
        return q;
      }
      case '0': case '1': case '2': case '3': {
        std::uint32_t v = static_cast<std::uint32_t>(c - '0');
        for (int i = 0; i < 2; ++i, ++q) {
          if (q == last || *q < '0' || *q > '7') bad(q == last ? q : q + 1, "octal escapes need three digits 000–377");
          v = v * 8 + static_cast<std::uint32_t>(*q - '0');
        }
        if (is_bytes) out += static_cast<char>(v);
        else append_utf8(out, v);
        return q;
      }
      default:
        bad(q, std::string("unknown escape '\\") + c + "'");
    }
    return q;
  }
};
const string_literal_parser string_literal{};

/// Numbers (int, uint, hex, double) and the keywords true, false, null.
struct number_or_keyword_parser : x3::parser<number_or_keyword_parser> {
  using attribute_type = x3::unused_type;
  static const bool has_attribute = false;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext&, Attribute&) const {
    skip(first, last, ctx);
    builder& b = get(ctx);
    It p = first;
    auto is_digit = [&](It it) { return it != last && *it >= '0' && *it <= '9'; };
    node n;
    n.kind = node_kind::literal;
    if (p != last && ident_start(*p)) {
      It e = p;
      while (e != last && ident_char(*e)) ++e;
      std::string_view w(p, static_cast<std::size_t>(e - p));
      if (w == "true") n.lit = true;
      else if (w == "false") n.lit = false;
      else if (w == "null") n.lit = std::monostate{};
      else return false;
      n.span = b.span(p, e);
      b.push(std::move(n));
      first = e;
      return true;
    }
    if (!is_digit(p) && !(p != last && *p == '.' && is_digit(p + 1))) return false;
    // Hexadecimal integers.
    if (*p == '0' && last - p > 2 && (p[1] == 'x' || p[1] == 'X') && hex_value(p[2]) >= 0) {
      It e = p + 2;
      while (e != last && hex_value(*e) >= 0) ++e;
      return finish_integer(b, first, p + 2, e, 16, last, n);
    }
    It e = p;
    while (is_digit(e)) ++e;
    bool is_float = false;
    if (e != last && *e == '.' && is_digit(e + 1)) {
      is_float = true;
      ++e;
      while (is_digit(e)) ++e;
    }
    if (e != last && (*e == 'e' || *e == 'E')) {
      It x = e + 1;
      if (x != last && (*x == '+' || *x == '-')) ++x;
      if (is_digit(x)) {
        is_float = true;
        e = x;
        while (is_digit(e)) ++e;
      }
    }
    if (!is_float) return finish_integer(b, first, p, e, 10, last, n);
    if (e != last && ident_char(*e))
      fail(first, e + 1, "E101", "a number runs into a name", "put an operator between them");
    double d = 0;
    auto r = std::from_chars(p, e, d);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow reads as zero (IEEE 754 rounding); overflow is an error, not infinity.
      It exp = std::find_if(p, e, [](char c) { return c == 'e' || c == 'E'; });
      if (exp == e || exp + 1 == e || exp[1] != '-')
        fail(first, e, "E104", "floating-point literal out of range",
             "doubles hold up to about 1.8e308");
      d = 0.0;
    }
    n.lit = d;
    n.span = b.span(first, e);
    b.push(std::move(n));
    first = e;
    return true;
  }

  template <class It>
  static bool finish_integer(builder& b, It& first, It digits, It e, int base, const It& last, node& n) {
    bool is_unsigned = e != last && (*e == 'u' || *e == 'U');
    It end = is_unsigned ? e + 1 : e;
    if (end != last && ident_char(*end))
      fail(first, end + 1, "E101", "a number runs into a name", "put an operator between them");
    std::uint64_t v = 0;
    auto r = std::from_chars(digits, e, v, base);
    if (r.ec != std::errc() || r.ptr != e)
      fail(first, end, "E104", "integer literal out of range",
           is_unsigned ? "uint literals hold up to 18446744073709551615"
                       : "int literals hold −9223372036854775808 to 9223372036854775807");
    n.span = b.span(first, end);
    if (is_unsigned) {
      n.lit = v;
    } else if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      n.lit = static_cast<std::int64_t>(v);
    } else if (v == static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1) {
      n.lit = v;  // only valid under a unary minus; checked after parsing
      b.push(std::move(n));
      b.pending_min_int.push_back(b.stack.back());
      first = end;
      return true;
    } else {
      fail(first, end, "E104", "integer literal out of range",
           "int literals hold −9223372036854775808 to 9223372036854775807; add 'u' for uint");
    }
    b.push(std::move(n));
    first = end;
    return true;
  }
};
const number_or_keyword_parser number_or_keyword{};

/// Counts nesting (parentheses, brackets, calls, conditionals) to keep recursion bounded.
template <class Subject>
struct nest_directive : x3::unary_parser<Subject, nest_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, nest_directive<Subject>>;
  static const bool is_pass_through_unary = true;
  constexpr nest_directive(const Subject& subject) : base_type(subject) {}

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, const It& last, const Context& ctx, RContext& rctx, Attribute& attr) const {
    builder& b = get(ctx);
    if (b.depth >= b.options.limits.max_depth) {
      It p = first;
      skip(p, last, ctx);
      fail(p, p == last ? p : p + 1, "E105", detail::nested_too_deeply(b.options.limits.max_depth),
           std::string(detail::nested_too_deeply_hint));
    }
    ++b.depth;
    struct leave {
      std::size_t& depth;
      ~leave() { --depth; }
    } guard{b.depth};
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

struct nest_gen {
  template <class Subject>
  constexpr nest_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& s) const {
    return {x3::as_parser(s)};
  }
};
constexpr nest_gen nest{};

// ---------------------------------------------------------------------------------------------
// Semantic actions

// Actions that need their source range are attached to `x3::raw[...]` (whose attribute is the
// matched range, after skipping); X3's `_where` is not the match.
template <class Context>
const char* where_begin(const Context& ctx) {
  return x3::_attr(ctx).begin();
}
template <class Context>
const char* where_end(const Context& ctx) {
  return x3::_attr(ctx).end();
}

constexpr auto mark = [](auto& ctx) {
  builder& b = get(ctx);
  b.marks.push_back(b.stack.size());
};

template <binary_op Op>
constexpr auto push_op = [](auto& ctx) { get(ctx).ops.push_back(Op); };

constexpr auto make_binary = [](auto& ctx) {
  builder& b = get(ctx);
  node_id rhs = b.pop(), lhs = b.pop();
  node n;
  n.kind = node_kind::binary;
  n.op.binary = b.ops.back();
  b.ops.pop_back();
  n.args = {lhs, rhs};
  n.span = {b.nodes[lhs].span.begin, b.nodes[rhs].span.end};
  b.push(std::move(n));
};

constexpr auto make_conditional = [](auto& ctx) {
  builder& b = get(ctx);
  node_id no = b.pop(), yes = b.pop(), test = b.pop();
  node n;
  n.kind = node_kind::conditional;
  n.args = {test, yes, no};
  n.span = {b.nodes[test].span.begin, b.nodes[no].span.end};
  b.push(std::move(n));
};

constexpr auto begin_prefix = [](auto& ctx) {
  builder& b = get(ctx);
  std::size_t count = 0;
  for (const char* p = where_begin(ctx); p != where_end(ctx); ++p)
    if (*p == '!' || *p == '-') ++count;
  b.prefixes.emplace_back(count, where_begin(ctx));
};

template <unary_op Op>
constexpr auto make_unary = [](auto& ctx) {
  builder& b = get(ctx);
  auto [count, start] = b.prefixes.back();
  b.prefixes.pop_back();
  node_id operand = b.pop();
  if constexpr (Op == unary_op::negate) {
    // `-5` is the literal −5, as CEL reads it; this also admits −9223372036854775808.
    // Only a literal written right after its sign: `-(-9223372036854775808)` stays a negation
    // (and overflows at run time, as CEL requires).
    node& lit = b.nodes[operand];
    const char* last_minus = b.base + lit.span.begin;
    while (last_minus > start && *(last_minus - 1) != '-') --last_minus;
    bool adjacent = last_minus > start &&
                    std::all_of(last_minus, b.base + lit.span.begin, [](char c) {
                      return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
                    });
    if (lit.kind == node_kind::literal && count > 0 && adjacent) {
      bool folded = true;
      if (auto* i = std::get_if<std::int64_t>(&lit.lit)) *i = -*i;
      else if (auto* d = std::get_if<double>(&lit.lit)) *d = -*d;
      else if (std::find(b.pending_min_int.begin(), b.pending_min_int.end(), operand) != b.pending_min_int.end()) {
        lit.lit = std::numeric_limits<std::int64_t>::min();
        std::erase(b.pending_min_int, operand);
      } else {
        folded = false;
      }
      if (folded) {
        --count;
        // The literal's span starts at its own minus sign.
        const char* p = start;
        for (std::size_t seen = 0; p < b.base + lit.span.begin; ++p)
          if (*p == '-' && ++seen == count + 1) break;
        lit.span.begin = b.offset(p);
      }
    }
  }
  // The operators, innermost first, each node spanning from its own sign: a diagnostic about
  // one of them (the nesting limit, a type) points at it.
  const char* sign = b.base + b.nodes[operand].span.begin;
  for (std::size_t i = 0; i < count; ++i) {
    while (sign > start && *(sign - 1) != (Op == unary_op::negate ? '-' : '!')) --sign;
    if (sign > start) --sign;
    node n;
    n.kind = node_kind::unary;
    n.op.unary = Op;
    n.args = {operand};
    n.span = {b.offset(sign), b.nodes[operand].span.end};
    operand = b.add(std::move(n));
  }
  b.stack.push_back(operand);
};

// An identifier in operand position (possibly with a leading '.').
constexpr auto push_ident = [](auto& ctx) {
  builder& b = get(ctx);
  node n;
  n.kind = node_kind::ident;
  n.span = b.span(where_begin(ctx), where_end(ctx));
  n.name = std::string(where_begin(ctx), where_end(ctx));
  n.name.erase(std::remove_if(n.name.begin(), n.name.end(),
                              [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }),
               n.name.end());
  b.push(std::move(n));
};

constexpr auto push_select = [](auto& ctx) {
  builder& b = get(ctx);
  node_id operand = b.pop();
  node n;
  n.kind = node_kind::select;
  n.name = std::string(where_begin(ctx), where_end(ctx));
  if (n.name.size() >= 2 && n.name.front() == '`') n.name = n.name.substr(1, n.name.size() - 2);
  n.args = {operand};
  n.span = {b.nodes[operand].span.begin, b.offset(where_end(ctx))};
  b.push(std::move(n));
};

std::optional<macro_kind> macro_of(std::string_view name, std::size_t arity) {
  if (name == "all" && arity == 2) return macro_kind::all;
  if (name == "exists" && arity == 2) return macro_kind::exists;
  if (name == "exists_one" && arity == 2) return macro_kind::exists_one;
  if (name == "map" && arity == 2) return macro_kind::map;
  if (name == "map" && arity == 3) return macro_kind::map_filter;
  if (name == "filter" && arity == 2) return macro_kind::filter;
  return std::nullopt;
}

// `target.name(args)`: a receiver call, or a macro.
constexpr auto make_receiver_call = [](auto& ctx) {
  builder& b = get(ctx);
  const char* end = where_end(ctx);
  std::vector<node_id> args = b.take_since_mark(end - 1);
  node_id sel = b.pop();
  node& s = b.nodes[sel];
  node_id target = s.args[0];
  std::string name = s.name;
  source_span span{s.span.begin, b.offset(end)};
  node n;
  n.span = span;
  n.name = std::move(name);
  if (auto m = macro_of(n.name, args.size()); m && b.options.enable_macros) {
    const node& var = b.nodes[args[0]];
    if (var.kind != node_kind::ident || var.name.front() == '.')
      fail(b.base + var.span.begin, b.base + var.span.end, "E108",
           "the first argument of '" + n.name + "' must be a simple name",
           "write e.g. " + n.name + "(x, x > 0)");
    n.kind = node_kind::comprehension;
    n.op.macro = *m;
    n.name = var.name;
    n.args.push_back(target);
    n.args.insert(n.args.end(), args.begin() + 1, args.end());
  } else {
    n.kind = node_kind::call;
    n.receiver_call = true;
    n.args.push_back(target);
    n.args.insert(n.args.end(), args.begin(), args.end());
  }
  b.push(std::move(n));
};

// `name(args)`: a global call, or has().
constexpr auto make_global_call = [](auto& ctx) {
  builder& b = get(ctx);
  const char* end = where_end(ctx);
  std::vector<node_id> args = b.take_since_mark(end - 1);
  node_id fn = b.pop();
  node& f = b.nodes[fn];
  if (f.name == "has" && b.options.enable_macros) {
    if (args.size() != 1 || b.nodes[args[0]].kind != node_kind::select || b.nodes[args[0]].test_only)
      fail(b.base + f.span.begin, end, "E108", "has() needs one field selection, as in has(a.b)",
           "has() tests whether a field is present: has(applicant.phone)");
    node sel = b.nodes[args[0]];
    sel.test_only = true;
    sel.span = {f.span.begin, b.offset(end)};
    b.push(std::move(sel));
    return;
  }
  f.kind = node_kind::call;
  f.span.end = b.offset(end);
  f.args = std::move(args);
  b.stack.push_back(fn);
};

constexpr auto make_index = [](auto& ctx) {
  builder& b = get(ctx);
  node_id i = b.pop(), target = b.pop();
  node n;
  n.kind = node_kind::index;
  n.args = {target, i};
  n.span = {b.nodes[target].span.begin, b.offset(where_end(ctx))};
  b.push(std::move(n));
};

constexpr auto make_list = [](auto& ctx) {
  builder& b = get(ctx);
  node n;
  n.kind = node_kind::list;
  n.args = b.take_since_mark(where_begin(ctx));
  n.span = b.span(where_begin(ctx), where_end(ctx));
  b.push(std::move(n));
};

constexpr auto make_map = [](auto& ctx) {
  builder& b = get(ctx);
  node n;
  n.kind = node_kind::map;
  n.args = b.take_since_mark(where_begin(ctx));
  n.span = b.span(where_begin(ctx), where_end(ctx));
  b.push(std::move(n));
};

constexpr auto push_field_name = [](auto& ctx) { get(ctx).field_names.push_back(x3::_attr(ctx)); };

// `a.b.C{f: v}`: message construction (parsed so that it can be reported clearly).
constexpr auto make_message = [](auto& ctx) {
  builder& b = get(ctx);
  std::vector<node_id> values = b.take_since_mark(where_begin(ctx));
  node_id type = b.pop();
  std::string name;
  for (node_id t = type;;) {
    const node& tn = b.nodes[t];
    if (tn.kind == node_kind::ident) {
      name = tn.name + name;
      break;
    }
    if (tn.kind != node_kind::select)
      fail(b.base + tn.span.begin, where_end(ctx), "E101", "'{' after an expression that is not a type name");
    name = "." + tn.name + name;
    t = tn.args[0];
  }
  node n;
  n.kind = node_kind::message;
  n.name = std::move(name);
  n.args = values;
  n.fields.assign(b.field_names.end() - static_cast<std::ptrdiff_t>(values.size()), b.field_names.end());
  b.field_names.resize(b.field_names.size() - values.size());
  n.span = {b.nodes[type].span.begin, b.offset(where_end(ctx))};
  b.push(std::move(n));
};

constexpr auto push_placeholder = [](auto& ctx) {
  builder& b = get(ctx);
  if (!b.options.allow_placeholder)
    fail(where_begin(ctx), where_end(ctx), "E109", "'?' stands for a column's input only in decision-table cells");
  node n;
  n.kind = node_kind::placeholder;
  n.span = b.span(where_begin(ctx), where_end(ctx));
  b.push(std::move(n));
};

}  // namespace
}  // namespace evenhand::expr

// What an expectation failure names when a token primitive is missing.
namespace boost::spirit::x3 {
template <>
struct get_info<evenhand::expr::identifier_parser> {
  using result_type = std::string;
  std::string operator()(const evenhand::expr::identifier_parser&) const { return "a name"; }
};
template <>
struct get_info<evenhand::expr::field_name_parser> {
  using result_type = std::string;
  std::string operator()(const evenhand::expr::field_name_parser&) const { return "a field name"; }
};
}  // namespace boost::spirit::x3

namespace evenhand::expr {
namespace {

// ---------------------------------------------------------------------------------------------
// The grammar

const auto skipper = x3::char_(" \t\r\n\f") | x3::lexeme["//" >> *(x3::char_ - '\n')];

const x3::rule<class expr_class> expr = "an expression";
const x3::rule<class or_class> or_expr = "an expression";
const x3::rule<class and_class> and_expr = "an operand";
const x3::rule<class relation_class> relation = "an operand";
const x3::rule<class addition_class> addition = "an operand";
const x3::rule<class multiplication_class> multiplication = "an operand";
const x3::rule<class unary_class> unary = "an operand";
const x3::rule<class member_class> member = "an operand";
const x3::rule<class primary_class> primary = "an operand";

const auto expr_list = -(expr % ',');
const auto argument_list = -(expr >> *(x3::lit(',') > expr));  // no trailing comma in calls
const auto call_args = x3::raw[x3::lit('(')[mark] > argument_list > x3::lit(')')];
const auto map_entries = -((expr > ':' > expr) % ',');
const auto field_inits = -((selector_name[push_field_name] > ':' > expr) % ',');

const auto expr_def = nest[or_expr >> -(('?' > or_expr > ':' > expr)[make_conditional])];
const auto or_expr_def = and_expr >> *((x3::lit("||")[push_op<binary_op::logical_or>] > and_expr)[make_binary]);
const auto and_expr_def = relation >> *((x3::lit("&&")[push_op<binary_op::logical_and>] > relation)[make_binary]);
const auto relation_op = x3::lit("==")[push_op<binary_op::eq>] | x3::lit("!=")[push_op<binary_op::ne>] |
                         x3::lit("<=")[push_op<binary_op::le>] | x3::lit(">=")[push_op<binary_op::ge>] |
                         x3::lit('<')[push_op<binary_op::lt>] | x3::lit('>')[push_op<binary_op::gt>] |
                         in_keyword[push_op<binary_op::in>];
const auto relation_def = addition >> *((relation_op > addition)[make_binary]);
const auto addition_op = x3::lit('+')[push_op<binary_op::add>] | x3::lit('-')[push_op<binary_op::sub>];
const auto addition_def = multiplication >> *((addition_op > multiplication)[make_binary]);
const auto multiplication_op = x3::lit('*')[push_op<binary_op::mul>] | x3::lit('/')[push_op<binary_op::div>] |
                               x3::lit('%')[push_op<binary_op::mod>];
const auto multiplication_def = unary >> *((multiplication_op > unary)[make_binary]);
const auto unary_def = (x3::raw[+x3::lit('!')][begin_prefix] > member)[make_unary<unary_op::logical_not>] |
                       (x3::raw[+x3::lit('-')][begin_prefix] > member)[make_unary<unary_op::negate>] |
                       member;
const auto member_suffix =
    ((x3::lit('.') > x3::raw[field_name][push_select]) >> -(call_args[make_receiver_call])) |
    x3::raw[x3::lit('[') > expr > x3::lit(']')][make_index] |
    x3::raw[x3::lit('{')[mark] > field_inits > -x3::lit(',') > x3::lit('}')][make_message];
// The suffixes nest too (`l[l[0]]`, `l.exists(x, l.exists(y, …))`): inside the level.
const auto member_def = nest[primary >> *member_suffix];
const auto primary_def =
    (x3::lit('(') > expr > x3::lit(')')) |
    x3::raw[x3::lit('[')[mark] > expr_list > -x3::lit(',') > x3::lit(']')][make_list] |
    x3::raw[x3::lit('{')[mark] > map_entries > -x3::lit(',') > x3::lit('}')][make_map] |
    string_literal | number_or_keyword |
    x3::raw[x3::lit('?')][push_placeholder] |
    x3::raw[x3::lexeme[-x3::lit('.') >> identifier]][push_ident] >> -(call_args[make_global_call]);

BOOST_SPIRIT_DEFINE(expr, or_expr, and_expr, relation, addition, multiplication, unary, member, primary)

// ---------------------------------------------------------------------------------------------
// After parsing

/// The token at `p` for messages: a word, a two-character operator or one character.
std::string token_at(const char* p, const char* end) {
  if (p == end) return "end of input";
  if (ident_char(*p)) {
    const char* e = p;
    while (e != end && ident_char(*e)) ++e;
    return "'" + std::string(p, e) + "'";
  }
  static constexpr std::string_view two[] = {"==", "!=", "<=", ">=", "&&", "||"};
  for (auto t : two)
    if (end - p >= 2 && std::string_view(p, 2) == t) return "'" + std::string(t) + "'";
  std::size_t n = utf8_sequence(p, end);
  return "'" + std::string(p, n ? n : 1) + "'";
}

/// A hint for common slips from other languages.
std::string hint_for(const char* p, const char* end) {
  std::string_view rest(p, static_cast<std::size_t>(end - p));
  auto word = [&](std::string_view w) {
    return rest.substr(0, w.size()) == w && (rest.size() == w.size() || !ident_char(rest[w.size()]));
  };
  if (rest.substr(0, 1) == "=" && rest.substr(0, 2) != "==") return "to compare, write '=='";
  if (rest.substr(0, 1) == "&" && rest.substr(0, 2) != "&&") return "logical and is '&&'";
  if (rest.substr(0, 1) == "|" && rest.substr(0, 2) != "||") return "logical or is '||'";
  if (word("and")) return "logical and is '&&'";
  if (word("or")) return "logical or is '||'";
  if (word("not")) return "negation is '!'";
  if (rest.substr(0, 3) == "“" || rest.substr(0, 3) == "”" || rest.substr(0, 3) == "‘" ||
      rest.substr(0, 3) == "’")
    return "quote strings with ASCII quotes \" or '";
  if (rest.substr(0, 3) == "（" || rest.substr(0, 3) == "）" || rest.substr(0, 3) == "，")
    return "use ASCII punctuation ( ) , in expressions";
  return {};
}

diagnostic make_diagnostic(std::string_view source, const parse_options& options, std::uint32_t begin,
                           std::uint32_t end, std::string code, std::string message, std::string hint) {
  diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.span = {begin, std::max(end, begin)};
  line_column lc = locate(source, begin);
  d.where.file = options.file;
  d.where.line = lc.line;
  d.where.column = lc.column;
  std::uint32_t line_end = static_cast<std::uint32_t>(lc.line_text.data() - source.data() + lc.line_text.size());
  std::uint32_t visible_end = std::min(std::max(end, begin + 1), std::max(line_end, begin + 1));
  d.where.length = std::max<std::uint32_t>(
      1, evenhand::detail::count_code_points(source.substr(begin, std::min<std::size_t>(visible_end, source.size()) - std::min<std::size_t>(begin, source.size()))));
  d.source_line = std::string(lc.line_text);
  return d;
}

/// Keeps the nodes reachable from the root, children before parents, and checks the limits
/// that only the finished tree shows: the length of operator chains, and its height.
std::optional<diagnostic> compact(builder& b, ast& out, std::string_view source) {
  node_id root = b.stack.back();
  std::vector<node_id> order;
  std::vector<std::uint32_t> chain(b.nodes.size(), 1);
  std::vector<std::pair<node_id, std::size_t>> work{{root, 0}};
  std::vector<char> seen(b.nodes.size(), 0);
  while (!work.empty()) {
    auto& [id, next] = work.back();
    const node& n = b.nodes[id];
    if (next < n.args.size()) {
      node_id child = n.args[next++];
      if (!seen[child]) {
        seen[child] = 1;
        work.emplace_back(child, 0);
      }
      continue;
    }
    if (n.kind == node_kind::binary && !n.args.empty()) {
      const node& lhs = b.nodes[n.args[0]];
      if (lhs.kind == node_kind::binary && lhs.op.binary == n.op.binary) chain[id] = chain[n.args[0]] + 1;
      if (chain[id] > b.options.limits.max_repetitions)
        return make_diagnostic(source, b.options, n.span.begin, n.span.end, "E106",
                               "too many repetitions of '" + std::string(to_string(n.op.binary)) +
                                   "' (the limit is " + std::to_string(b.options.limits.max_repetitions) + ")",
                               "split the rule into named derived fields");
    }
    if (n.kind == node_kind::literal &&
        std::find(b.pending_min_int.begin(), b.pending_min_int.end(), id) != b.pending_min_int.end())
      return make_diagnostic(source, b.options, n.span.begin, n.span.end, "E104", "integer literal out of range",
                             "int literals hold −9223372036854775808 to 9223372036854775807; add 'u' for uint");
    order.push_back(id);
    work.pop_back();
  }
  std::vector<node_id> renumber(b.nodes.size(), no_node);
  for (std::size_t i = 0; i < order.size(); ++i) renumber[order[i]] = static_cast<node_id>(i);
  out.nodes.reserve(order.size());
  for (node_id id : order) {
    node n = std::move(b.nodes[id]);
    for (auto& a : n.args) a = renumber[a];
    out.nodes.push_back(std::move(n));
  }
  out.root = renumber[root];
  // A chain of operators (`!!!…x`, `a + b + …`) nests without brackets: only the tree shows it.
  if (node_id deep = first_node_beyond(out, b.options.limits.max_depth); deep != no_node) {
    const source_span s = out.nodes[deep].span;
    return make_diagnostic(source, b.options, s.begin, s.end, "E105", detail::nested_too_deeply(b.options.limits.max_depth),
                           std::string(detail::nested_too_deeply_hint));
  }
  return std::nullopt;
}

}  // namespace

parse_result parse(std::string_view source, const parse_options& options) {
  parse_result result;
  auto report = [&](std::uint32_t begin, std::uint32_t end, std::string code, std::string message, std::string hint) {
    result.problems.push_back(make_diagnostic(source, options, begin, end, std::move(code), std::move(message),
                                              std::move(hint)));
  };
  if (source.size() > options.limits.max_source_bytes) {
    report(0, 0, "E109",
           "expression is " + std::to_string(source.size()) + " bytes long; the limit is " +
               std::to_string(options.limits.max_source_bytes),
           "split it into named derived fields");
    return result;
  }
  ast tree;
  tree.source = std::string(source);
  const char* first = tree.source.data();
  const char* const last = first + tree.source.size();
  builder b{first, options, {}, {}, {}, {}, {}, {}, {}, 0};
  const char* pos = first;
  try {
    bool ok = x3::phrase_parse(pos, last, x3::with<builder_tag>(b)[expr], skipper);
    x3::skip_over(pos, last, x3::make_context<x3::skipper_tag>(skipper));
    if (!ok || b.stack.size() != 1) {
      if (pos == last)
        report(b.offset(pos), b.offset(pos), "E101", "empty expression", "write a condition such as a > 0");
      else
        report(b.offset(pos), b.offset(pos) + 1, "E101", "expected an expression, found " + token_at(pos, last),
               hint_for(pos, last));
      return result;
    }
    if (pos != last) {
      std::string tok = token_at(pos, last);
      std::string hint = hint_for(pos, last);
      if (hint.empty() && (*pos == ')' || *pos == ']' || *pos == '}')) hint = "it has no opening partner";
      if (hint.empty()) hint = "an operator may be missing before it";
      report(b.offset(pos), b.offset(pos) + 1, "E101", "unexpected " + tok + " after a complete expression",
             std::move(hint));
      return result;
    }
  } catch (const x3::expectation_failure<const char*>& e) {
    const char* at = e.where();
    x3::skip_over(at, last, x3::make_context<x3::skipper_tag>(skipper));
    std::string what = e.which();
    // Composite parsers have no description of their own (X3 would print a type name).
    if (what.find("field_name_parser") != std::string::npos) what = "a field name";
    else if (what.find("boost") != std::string::npos || what.size() > 40) what = "an operand";
    std::string message = "expected " + what + ", found " + token_at(at, last);
    report(b.offset(at), b.offset(at) + 1, "E101", std::move(message), hint_for(at, last));
    return result;
  } catch (const syntax_error& e) {
    report(b.offset(e.begin), b.offset(e.end), e.code, e.message, e.hint);
    return result;
  }
  if (auto problem = compact(b, tree, source)) {
    result.problems.push_back(std::move(*problem));
    return result;
  }
  result.tree = std::move(tree);
  return result;
}

}  // namespace evenhand::expr
