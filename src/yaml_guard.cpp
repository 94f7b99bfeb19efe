#include "yaml_guard.hpp"

#include <yaml.h>

#include <vector>

namespace evenhand::detail {

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
    error = yaml_syntax_error{e.start_mark.index, std::move(message)};
  };
  for (;;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      yaml_syntax_error e;
      // A reader error (bytes that are not UTF-8, a control character) has no mark: libyaml
      // gives its byte offset apart.
      e.offset = parser.error == YAML_READER_ERROR ? parser.problem_offset : parser.problem_mark.index;
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
