// Maps byte offsets inside a YAML scalar's value back to byte offsets in the file, through the
// scalar's quoting, so that an error inside an expression points at the exact character the
// editor wrote. The map is built by decoding the raw text and is trusted only when the
// decoding reproduces the value YAML gave; otherwise it is marked approximate and callers
// point at the scalar's start and say so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::standard::detail {

enum class scalar_style : std::uint8_t { plain, single_quoted, double_quoted, literal, folded };

struct scalar_map {
  scalar_style style = scalar_style::plain;
  bool exact = false;                   ///< false: only `start` is reliable
  std::size_t start = 0;                ///< file offset where the scalar's value begins
  std::vector<std::size_t> file_offset;  ///< per value byte (plus one past the end)

  /// File offset of value byte `i` (clamped); the scalar's start when not exact.
  std::size_t to_file(std::size_t i) const noexcept {
    if (!exact || file_offset.empty()) return start;
    return file_offset[i < file_offset.size() ? i : file_offset.size() - 1];
  }
};

inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline void append_utf8(std::string& out, std::uint32_t cp) {
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

/// Decodes a quoted scalar starting at `text[pos]` (the opening quote), recording for every
/// decoded byte the file offset it came from. Stops at the closing quote.
inline void decode_quoted(std::string_view text, std::size_t pos, char quote, std::string& value,
                          std::vector<std::size_t>& offsets) {
  std::size_t i = pos + 1;
  auto emit = [&](char c, std::size_t at) {
    value += c;
    offsets.push_back(at);
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        emit('\'', i);
        i += 2;
        continue;
      }
      offsets.push_back(i);  // one past the end
      return;
    }
    if (c == '\n' || c == '\r') {
      // Line folding inside quotes: trailing spaces dropped, a break becomes a space, each
      // empty line a newline; an escaped break (double quotes) joins the lines.
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t') &&
             (text[offsets.back()] == ' ' || text[offsets.back()] == '\t')) {
        value.pop_back();
        offsets.pop_back();
      }
      std::size_t j = i;
      int breaks = 0;
      while (j < text.size() && (text[j] == '\n' || text[j] == '\r' || text[j] == ' ' || text[j] == '\t')) {
        if (text[j] == '\n') ++breaks;
        ++j;
      }
      if (breaks <= 1) emit(' ', i);
      else
        for (int b = 1; b < breaks; ++b) emit('\n', i);
      i = j;
      continue;
    }
    if (quote == '"' && c == '\\' && i + 1 < text.size()) {
      char e = text[i + 1];
      std::size_t at = i;
      auto unicode = [&](int digits) {
        std::uint32_t cp = 0;
        for (int k = 0; k < digits; ++k) {
          int h = i + 2 + k < text.size() ? hex_digit(text[i + 2 + k]) : -1;
          if (h < 0) return false;
          cp = cp * 16 + static_cast<std::uint32_t>(h);
        }
        std::string utf8;
        append_utf8(utf8, cp);
        for (char u : utf8) emit(u, at);
        i += 2 + digits;
        return true;
      };
      switch (e) {
        case 'x': if (!unicode(2)) return; continue;
        case 'u': if (!unicode(4)) return; continue;
        case 'U': if (!unicode(8)) return; continue;
        case '\n': {  // escaped line break: join without a space
          i += 2;
          while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
          continue;
        }
        default: break;
      }
      std::string_view simple;
      switch (e) {
        case '0': simple = std::string_view("\0", 1); break;
        case 'a': simple = "\a"; break;
        case 'b': simple = "\b"; break;
        case 't': case '\t': simple = "\t"; break;
        case 'n': simple = "\n"; break;
        case 'v': simple = "\v"; break;
        case 'f': simple = "\f"; break;
        case 'r': simple = "\r"; break;
        case 'e': simple = "\x1b"; break;
        case ' ': simple = " "; break;
        case '"': simple = "\""; break;
        case '/': simple = "/"; break;
        case '\\': simple = "\\"; break;
        case 'N': simple = "\xC2\x85"; break;
        case '_': simple = "\xC2\xA0"; break;
        case 'L': simple = "\xE2\x80\xA8"; break;
        case 'P': simple = "\xE2\x80\xA9"; break;
        default: return;  // not a YAML escape: leave the map unverified
      }
      for (char s : simple) emit(s, at);
      i += 2;
      continue;
    }
    emit(c, i);
    ++i;
  }
}

/// Aligns an unquoted value (plain or block scalar) with the raw text from `pos`: value
/// bytes match raw bytes in order, raw indentation and line breaks may stand for a folded
/// space or newline, and anything else in the raw text (indentation, the block header) is
/// skipped.
inline bool align_unquoted(std::string_view text, std::size_t pos, std::string_view value,
                           std::vector<std::size_t>& offsets) {
  std::size_t i = pos;
  for (std::size_t j = 0; j < value.size(); ++j) {
    char want = value[j];
    while (i < text.size() && text[i] != want) {
      // Only whitespace, breaks and a block header may be skipped.
      char c = text[i];
      if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '|' || c == '>' || c == '-' ||
            c == '+' || (c >= '1' && c <= '9')))
        return false;
      if ((want == ' ' || want == '\n') && c == '\n') break;  // a folded break
      ++i;
    }
    if (i >= text.size()) return false;
    offsets.push_back(i);
    if (text[i] == '\n' && want != '\n') {
      // A break folded into a space: skip the next line's indentation.
      ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    } else {
      ++i;
    }
  }
  offsets.push_back(i);
  return true;
}

/// Builds the map for the scalar whose value is `value` and which starts at file offset
/// `pos` (yaml-cpp's Mark().pos of the node).
inline scalar_map map_scalar(std::string_view text, std::size_t pos, std::string_view value) {
  scalar_map m;
  m.start = pos;
  if (pos >= text.size()) return m;
  char first = text[pos];
  if (first == '\'' || first == '"') {
    m.style = first == '"' ? scalar_style::double_quoted : scalar_style::single_quoted;
    m.start = pos + 1;
    std::string decoded;
    std::vector<std::size_t> offsets;
    decode_quoted(text, pos, first, decoded, offsets);
    if (decoded == value && offsets.size() == value.size() + 1) {
      m.exact = true;
      m.file_offset = std::move(offsets);
    }
    return m;
  }
  if (first == '|' || first == '>') {
    m.style = first == '|' ? scalar_style::literal : scalar_style::folded;
    std::size_t body = text.find('\n', pos);
    if (body == std::string_view::npos) return m;
    m.start = body + 1;
    while (m.start < text.size() && (text[m.start] == ' ' || text[m.start] == '\t')) ++m.start;
  }
  std::vector<std::size_t> offsets;
  if (align_unquoted(text, pos, value, offsets)) {
    m.exact = true;
    m.file_offset = std::move(offsets);
  }
  return m;
}

}  // namespace evenhand::standard::detail
