// `evenhand eval RULESET_DIR APPLICATION [--as-of T] [--format json|text]`
#include "commands.hpp"

#include <evenhand/eval/decision_json.hpp>
#include <evenhand/journal/journal.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/standard/text.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>

namespace evenhand::cli {

namespace {

/// A crash's leftover the journal's writer mended: said, so the hall knows a worker died.
void report_recovery(const journal::recovery& r, const std::string& file) {
  if (r.what == journal::recovery::kind::newline_added)
    std::fprintf(stderr, "evenhand eval: journal %s: the last record lacked its newline (a writer stopped): added, record kept\n",
                 file.c_str());
  else
    std::fprintf(stderr, "evenhand eval: journal %s: a torn last line (%llu bytes at byte %llu, from a writer that stopped) moved to %s\n",
                 file.c_str(), static_cast<unsigned long long>(r.bytes), static_cast<unsigned long long>(r.offset), r.saved_to.c_str());
}

constexpr const char* eval_usage =
    "usage: evenhand eval RULESET_DIR APPLICATION|- [--as-of TIME] [--format json|text] [--journal FILE]\n"
    "                     [--input-format json|yaml]   (default: by extension, .json or .yaml/.yml; else by the first byte)\n";

std::string_view outcome_text(eval::outcome o) {
  switch (o) {
    case eval::outcome::reject: return "不予受理";
    case eval::outcome::correct: return "需要补正（一次性告知）";
    case eval::outcome::accept: return "予以受理";
    case eval::outcome::accept_tolerated: return "容缺受理";
    case eval::outcome::grant: return "准予许可";
    case eval::outcome::deny: return "不予许可";
    case eval::outcome::pending: return "待定（等待核查结果或补交材料）";
  }
  return "";
}

/// Why the application is accepted on that day, when it is not the day it was submitted.
std::string acceptance_text(const eval::schedule& s) {
  switch (s.accepted_on_reason) {
    case eval::acceptance_day::rest_day:
      return "（" + s.submitted_on.to_string() + " 提交，当日为非工作日，顺延至下一个工作日受理）";
    case eval::acceptance_day::after_hours:
      return "（" + s.submitted_on.to_string() + " 下班后提交，顺延至下一个工作日受理）";
    case eval::acceptance_day::submission_day:
    case eval::acceptance_day::not_accepted: break;
  }
  return "";
}

/// What a clerk reads to the applicant: the outcome, the one-time notice, the schedule.
std::string explain(const eval::decision& d, const standard::item& item) {
  std::string out = item.name + "（" + item.code + "，版本 " + item.version + "）\n";
  out += "结论：" + std::string(outcome_text(d.outcome)) + "\n";
  // Both stages, so a clerk never reads 准予许可 around an outstanding 容缺 material (the
  // evaluator never grants while one is outstanding) nor takes a window's 受理 for a licence.
  out += "受理阶段：" + std::string(outcome_text(d.acceptance)) + "；决定阶段：" +
         (d.decided ? std::string(outcome_text(*d.decided)) : std::string("未进入（未受理）")) + "\n";
  if (d.decided && *d.decided == eval::outcome::pending && d.acceptance == eval::outcome::accept_tolerated)
    out += "容缺材料补齐前，不作出准予许可的决定。\n";
  auto cite = [&](std::span<const std::string> basis) {
    std::string s = standard::basis_titles(item.basis, basis);
    return s.empty() ? s : "（依据：" + s + "）";
  };
  if (!d.notice.empty()) {
    // A 不予受理 states its reasons and asks for nothing (its notice holds the reasons only).
    out += d.acceptance == eval::outcome::reject ? "\n不予受理的理由：\n" : "\n请一次性补正或补交以下内容：\n";
    int n = 0;
    for (const auto& e : d.notice) {
      out += "  " + std::to_string(++n) + ". ";
      std::string text(e.text);
      switch (e.kind) {
        case eval::notice_kind::condition: out += text; break;
        case eval::notice_kind::field: out += "请填写：" + text; break;
        case eval::notice_kind::tolerated:
          out += "容缺材料：" + text + (e.due ? "，请于 " + e.due->to_string() + " 前补交" : "");
          for (const auto& m : d.materials)
            if (m.id == e.id && m.on_expiry == standard::expiry::withdrawn) out += "，逾期未补交的视为撤回申请";
          break;
        case eval::notice_kind::material: {
          const standard::material* m = nullptr;
          for (const auto& x : item.materials)
            if (x.id == e.id) m = &x;
          std::string form = m ? std::string(standard::form_text(m->form)) : "";
          out += "提交材料：" + text + (m ? "（" + form + std::to_string(m->copies) + "份）" : "");
          if (e.reason == eval::shortfall::form) out += "，所交材料形式不符";
          if (e.reason == eval::shortfall::copies) out += "，份数不足";
          break;
        }
      }
      out += cite(e.basis) + "\n";
    }
  }
  for (std::size_t i = 0; i < item.conditions.size(); ++i)
    if (item.conditions[i].stage == standard::stage::decision && d.conditions[i].result == eval::rule_status::fail)
      out += "\n不予许可的理由：" + item.conditions[i].message + cite(item.conditions[i].basis) + "\n";
  const auto& s = d.schedule;
  if (s.legal || s.promised || !s.steps.empty()) {
    out += "\n受理日期：" + (s.accepted_on ? s.accepted_on->to_string() : std::string()) + acceptance_text(s) + "\n";
    if (s.legal) out += "法定办结时限：" + s.legal->to_string() + " 前（" + standard::period_text(item.deadlines.legal) + "）\n";
    if (s.promised) out += "承诺办结时限：" + s.promised->to_string() + " 前（" + standard::period_text(item.deadlines.promised) + "）\n";
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      if (s.steps[i].applies == eval::applicability::no) continue;
      out += "  环节 " + item.workflow[i].name + "：" +
             (s.steps[i].due ? "应于 " + s.steps[i].due->to_string() + " 前完成" : std::string("时间另行告知")) +
             (s.steps[i].counted ? "" : "（依法不计入办理时限）") + "\n";
    }
  }
  if (s.accepted_on_reason == eval::acceptance_day::not_accepted)
    out += d.outcome == eval::outcome::reject ? "\n本申请不予受理，不计算办理期限。\n"
                                              : "\n本申请尚未受理：补正齐全后受理，办理期限自受理之日起计算。\n";
  if (!s.calendar_not_covered.empty()) out += "\n注意：" + eval::calendar_not_covered::message_zh(s.calendar_not_covered) + "\n";
  else
    for (const auto& e : s.errors) out += "\n注意：办理期限无法计算（" + e + "）\n";
  return out;
}

}  // namespace

int eval_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format = "json";
  std::optional<timestamp> as_of;
  std::string journal_path;
  std::optional<input_format> declared;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else if (a == "--input-format" && i + 1 < args.size()) {
      declared = input_format_option(args[++i], "eval");
      if (!declared) return bad_input;
    } else if (a == "--journal" && i + 1 < args.size()) {
      journal_path = args[++i];
    } else if (a == "--as-of" && i + 1 < args.size()) {
      as_of = timestamp::parse(args[++i]);
      if (!as_of) {
        std::fprintf(stderr, "evenhand eval: --as-of needs a time such as 2026-03-02T09:30:00+08:00\n");
        return bad_input;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "evenhand eval: unknown option '%s'\n%s", a.c_str(), eval_usage);
      return bad_input;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || (format != "json" && format != "text")) {
    std::fputs(eval_usage, stderr);
    return bad_input;
  }
  auto loaded_rules = load_or_report(positional[0], "eval");
  if (!loaded_rules) return bad_input;
  auto text = slurp(positional[1]);
  if (!text) {
    std::fprintf(stderr, "evenhand eval: cannot read %s\n", positional[1].c_str());
    return bad_input;
  }
  diagnostics problems;
  auto app = eval::read_application(*text, positional[1], *loaded_rules, problems,
                                    declared.value_or(format_of_path(positional[1])));
  if (!app) {
    for (const auto& d : problems) std::fputs(render_text(d).c_str(), stderr);
    return bad_input;
  }
  eval::decision decision;
  try {
    eval::evaluate_into(decision, *loaded_rules, *app, as_of);
  } catch (const eval::as_of_before_submission& e) {
    std::fprintf(stderr, "evenhand eval: %s\n", e.what());
    return bad_input;
  }
  try {
    eval::require_deadlines(decision);
  } catch (const eval::calendar_not_covered& e) {
    // Shown, marked (schedule.calendar_not_covered), never journalled, never a success.
    std::string out = format == "json" ? eval::to_json(decision) + "\n" : explain(decision, *app->standard);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "evenhand eval: %s%s\n", e.what(),
                 journal_path.empty() ? "" : "（未记入电子监察日志；not recorded in the journal）");
    return findings;
  }
  if (!journal_path.empty()) {
    try {
      journal::writer j(journal_path, *loaded_rules);
      auto seq = j.append(*app, decision, journal::durability::synced);
      for (const auto& r : j.recoveries()) report_recovery(r, journal_path);
      std::fprintf(stderr, "evenhand eval: journal %s: record %llu\n", journal_path.c_str(), static_cast<unsigned long long>(seq));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "evenhand eval: journal %s\n", e.what());
      return bad_input;
    }
  }
  std::string out = format == "json" ? eval::to_json(decision) + "\n" : explain(decision, *app->standard);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return success;
}

}  // namespace evenhand::cli
