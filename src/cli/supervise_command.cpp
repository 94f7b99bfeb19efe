// `evenhand supervise RULESET_DIR CASE|DIR|CASES.jsonl --now T [--format json|text]`
#include "commands.hpp"

#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace evenhand::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* supervise_usage =
    "usage: evenhand supervise RULESET_DIR CASE|DIR|CASES.jsonl|- --now TIME [--format json|text] [--input-format json|yaml]\n"
    "  one case: its status; a directory (*.yaml, *.yml, *.json) or JSON Lines: a table of lights\n"
    "  a case is read as its extension declares (.json, .yaml/.yml; JSON Lines: JSON), else by its first byte\n";

std::string_view light_text(supervise::light l) {
  constexpr std::string_view names[] = {"绿灯", "黄灯", "红灯", "超期"};
  return names[static_cast<std::size_t>(l)];
}

/// What a clerk reads: the light and why, then each step.
std::string explain(const supervise::status& s, const standard::item& item) {
  std::string out = item.name + "（" + item.code + "，版本 " + item.version + "）";
  if (!s.application.empty()) out += " 申请 " + s.application;
  out += "\n截至 " + s.today.to_string() + "：" + (s.light ? std::string(light_text(*s.light)) : std::string("无法判定")) + "\n";
  if (s.received_on) out += "收件日期：" + s.received_on->to_string() + "\n";
  if (s.accepted_on)
    out += "受理日期：" + s.accepted_on->to_string() + (s.deemed_accepted ? "（依法视为受理）" : "") + "\n";
  for (const auto& m : s.messages) out += "  · " + m + "\n";
  if (!s.steps.empty()) out += "环节：\n";
  for (const auto& st : s.steps) {
    const auto it = std::find_if(item.workflow.begin(), item.workflow.end(), [&](const auto& w) { return w.id == st.id; });
    out += "  " + it->name + (st.special ? "（特别程序，不计入时限）" : "") + "：应于 " + st.due->to_string() + " 前完成";
    if (st.completed) out += "，" + st.completed->to_string() + " 完成";
    else if (st.started) out += "，" + st.started->to_string() + " 开始，办理中";
    if (st.late) out += "，超期" + (st.days_late ? std::to_string(st.days_late) + "个工作日" : std::string());
    out += "\n";
  }
  for (const auto& e : s.errors) out += "注意：" + e + "\n";
  return out;
}

using evenhand::detail::display_width;  // CJK characters take two columns

std::string pad(std::string_view s, std::size_t to) {
  std::string out(s);
  for (std::size_t w = display_width(s); w < to; ++w) out += ' ';
  return out;
}

struct input {
  std::string name;  ///< the case's label when it has no application id: file or file:line
  std::string file;
  std::string text;
  std::uint32_t line = 1;
  input_format format = input_format::detect;
};

/// The cases of a directory (by file name) or of a JSON Lines file (by line).
std::optional<std::vector<input>> read_inputs(const std::string& path) {
  std::vector<input> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(e.path());
    }
    if (ec) return std::nullopt;
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto text = slurp(f.string());
      if (!text) return std::nullopt;
      out.push_back({f.filename().string(), f.string(), std::move(*text), 1, format_of_path(f.string())});
    }
    return out;
  }
  auto text = slurp(path, static_cast<std::size_t>(-1));  // many cases, each checked for size alone
  if (!text) return std::nullopt;
  std::string_view all(*text);
  std::uint32_t line = 0;
  while (!all.empty()) {
    ++line;
    const auto nl = all.find('\n');
    std::string_view l = all.substr(0, nl);
    all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    out.push_back({path + ":" + std::to_string(line), path, std::string(l), line, input_format::json});  // JSON Lines
  }
  return out;
}

bool is_batch(const std::string& path) {
  std::error_code ec;
  const auto ext = fs::path(path).extension();
  return fs::is_directory(path, ec) || ext == ".jsonl" || ext == ".ndjson";
}

}  // namespace

int supervise_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format;
  std::optional<timestamp> now;
  std::optional<input_format> declared;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else if (a == "--input-format" && i + 1 < args.size()) {
      declared = input_format_option(args[++i], "supervise");
      if (!declared) return bad_input;
    } else if (a == "--now" && i + 1 < args.size()) {
      now = timestamp::parse(args[++i]);
      if (!now) {
        std::fprintf(stderr, "evenhand supervise: --now needs a time such as 2026-03-02T09:30:00+08:00\n");
        return bad_input;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "evenhand supervise: unknown option '%s'\n%s", a.c_str(), supervise_usage);
      return bad_input;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || !now || (!format.empty() && format != "json" && format != "text")) {
    if (!now && positional.size() == 2) std::fputs("evenhand supervise: --now is required (supervision never reads the clock)\n", stderr);
    std::fputs(supervise_usage, stderr);
    return bad_input;
  }
  auto loaded_rules = load_or_report(positional[0], "supervise");
  if (!loaded_rules) return bad_input;
  const standard::ruleset& rules = *loaded_rules;
  const std::string& path = positional[1];

  if (!is_batch(path)) {
    auto text = slurp(path);
    if (!text) {
      std::fprintf(stderr, "evenhand supervise: cannot read %s\n", path.c_str());
      return bad_input;
    }
    diagnostics problems;
    auto c = supervise::read_case(*text, path, rules, problems, declared.value_or(format_of_path(path)));
    if (!c) {
      std::fputs(render_text(problems).c_str(), stderr);
      return bad_input;
    }
    auto s = supervise::supervise(rules, *c->standard, *c, *now);
    std::string out = format == "text" ? explain(s, *c->standard) : supervise::to_json(s) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return s.errors.empty() ? success : findings;
  }

  // Batch: in input order, one row (or JSON line) per case.
  auto inputs = read_inputs(path);
  if (!inputs) {
    std::fprintf(stderr, "evenhand supervise: cannot read %s\n", path.c_str());
    return bad_input;
  }
  int rc = success;
  std::vector<std::array<std::string, 6>> rows;
  std::array<int, 4> counts{};
  supervise::status s;
  std::string out;
  for (const auto& in : *inputs) {
    diagnostics problems;
    auto c = supervise::read_case(in.text, in.file, rules, problems, declared.value_or(in.format), in.line);
    if (!c) {
      std::fputs(render_text(problems).c_str(), stderr);
      rc = bad_input;
      if (format == "json") {
        out += "{\"case\":";
        evenhand::detail::append_json_string(out, in.name);
        out += ",\"problems\":" + render_json(problems) + "}\n";
      } else {
        rows.push_back({in.name, "", "读取错误", "", "", ""});
      }
      continue;
    }
    supervise::supervise_into(s, rules, *c->standard, *c, *now);
    if (!s.errors.empty()) {
      for (const auto& e : s.errors) std::fprintf(stderr, "%s: %s\n", in.name.c_str(), e.c_str());
      if (rc == success) rc = findings;
    }
    if (format == "json") {
      out += supervise::to_json(s) + "\n";
      continue;
    }
    const bool measured = s.light && s.accepted_on;
    if (s.light) ++counts[static_cast<std::size_t>(*s.light)];
    rows.push_back({c->application.empty() ? in.name : c->application, c->item,
                    s.light ? std::string(light_text(*s.light)) : "无法判定", measured ? std::to_string(s.used) : "-",
                    measured ? std::to_string(s.control_line.remaining) : "-",
                    measured ? std::to_string(s.legal.remaining) : "-"});
  }
  if (format != "json") {
    const std::array<std::string, 6> head = {"案件", "事项", "灯", "已用", "距内控线", "距法定时限"};
    std::array<std::size_t, 6> w{};
    for (std::size_t k = 0; k < 6; ++k) {
      w[k] = display_width(head[k]);
      for (const auto& r : rows) w[k] = std::max(w[k], display_width(r[k]));
    }
    auto line = [&](const std::array<std::string, 6>& r) {
      std::string l;
      for (std::size_t k = 0; k < 6; ++k) l += (k ? "  " : "") + pad(r[k], w[k]);
      out += l.substr(0, l.find_last_not_of(' ') + 1) + "\n";
    };
    line(head);
    for (const auto& r : rows) line(r);
    out += "共" + std::to_string(rows.size()) + "件：绿灯" + std::to_string(counts[0]) + "，黄灯" + std::to_string(counts[1]) +
           "，红灯" + std::to_string(counts[2]) + "，超期" + std::to_string(counts[3]) + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

}  // namespace evenhand::cli
