#include "yaml_guard.hpp"

#include <yaml.h>

#include <vector>

namespace evenhand::detail {

namespace {

/// The byte offset of a libyaml mark. libyaml counts a mark's index in characters, after the
/// byte-order mark it skipped: in a file with Chinese text (three bytes a character) an index
/// taken for a byte offset points lines too early.
std::size_t byte_offset(std::string_view text, const yaml_mark_t& mark) {
  std::size_t at = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  for (std::size_t chars = mark.index; chars > 0 && at < text.size(); --chars) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return at;
}

}  // namespace

std::optional<yaml_syntax_error> check_yaml_syntax(std::string_view text, std::size_t max_depth) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return yaml_syntax_error{0, "out of memory"};
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::optional<yaml_syntax_error> error;
  // Open collections: for a mapping, whether the next node is a key.
  struct open_collection {
    bool mapping;
    bool expect_key;
  };
  std::vector<open_collection> open;
  auto fail = [&](const yaml_event_t& e, std::string message) {
    error = yaml_syntax_error{byte_offset(text, e.start_mark), std::move(message)};
  };
  for (;;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      yaml_syntax_error e;
      // A reader error (bytes that are not UTF-8, a control character) has no mark: libyaml
      // gives its byte offset apart.
      e.offset = parser.error == YAML_READER_ERROR ? parser.problem_offset : byte_offset(text, parser.problem_mark);
      e.message = parser.problem ? parser.problem : "malformed YAML";
      if (parser.context) e.message = std::string(parser.context) + ": " + e.message;
      error = std::move(e);
      break;
    }
    const auto type = event.type;
    const bool node = type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT ||
                      type == YAML_MAPPING_START_EVENT || type == YAML_ALIAS_EVENT;
    // The format is plain data: yaml-cpp also loops on some tag, anchor and complex-key
    // constructs that are valid YAML, and a standard needs none of them.
    if (type == YAML_ALIAS_EVENT) {
      fail(event, "aliases (*name) are not used in evenhand files; write the value out");
    } else if (type == YAML_SCALAR_EVENT && (event.data.scalar.anchor || event.data.scalar.tag)) {
      fail(event, event.data.scalar.anchor ? "anchors (&name) are not used in evenhand files"
                                           : "tags (!name) are not used in evenhand files; quote the value if it starts with '!'");
    } else if (type == YAML_SEQUENCE_START_EVENT && (event.data.sequence_start.anchor || event.data.sequence_start.tag)) {
      fail(event, "anchors and tags are not used in evenhand files");
    } else if (type == YAML_MAPPING_START_EVENT && (event.data.mapping_start.anchor || event.data.mapping_start.tag)) {
      fail(event, "anchors and tags are not used in evenhand files");
    } else if (node && !open.empty() && open.back().mapping && open.back().expect_key && type != YAML_SCALAR_EVENT) {
      fail(event, "a key must be a plain name, not a list or a map");
    }
    if (!error && node && !open.empty() && open.back().mapping) open.back().expect_key = !open.back().expect_key;
    if (!error && (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT)) {
      if (open.size() >= max_depth)
        fail(event, "nested more than " + std::to_string(max_depth) + " levels deep");
      else
        open.push_back({type == YAML_MAPPING_START_EVENT, true});
    } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
      if (!open.empty()) open.pop_back();
    }
    bool end = type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    if (error || end) break;
  }
  yaml_parser_delete(&parser);
  return error;
}

}  // namespace evenhand::detail
