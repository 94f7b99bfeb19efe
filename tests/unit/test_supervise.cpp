// Electronic supervision against hand-computed dates on the real 2025 and 2026 calendars
// (rulesets/cn-demo/calendars/cn-mainland). Periods count working days, the start day not
// counted (art. 82). The holidays these scenarios cross:
//   2025 National Day: 10-01 … 10-08 off; Sun 09-28 and Sat 10-11 are working days.
//   2026 Spring Festival: 02-15 … 02-23 off; Sat 02-14 and Sat 02-28 are working days.
//   2026 Mid-Autumn and National Day: 09-25 … 09-27 and 10-01 … 10-07 off; Sun 09-20 and
//   Sat 10-10 are working days.
// Working days after 2025-09-26 (Fri), numbered:
//   1 09-28  2 09-29  3 09-30  4 10-09  5 10-10  6 10-11  7 10-13  8 10-14  9 10-15 10 10-16
//  11 10-17 12 10-20 13 10-21 14 10-22 15 10-23 16 10-24 17 10-27 18 10-28 19 10-29 20 10-30
//  21 10-31 22 11-03 23 11-04 24 11-05 25 11-06
// Working days after 2026-02-10 (Tue):
//   1 02-11  2 02-12  3 02-13  4 02-14  5 02-24  6 02-25  7 02-26  8 02-27  9 02-28 10 03-02
//  11 03-03 12 03-04 13 03-05 14 03-06 15 03-09 16 03-10 17 03-11 18 03-12 19 03-13 20 03-16
//  21 03-17 22 03-18 23 03-19 24 03-20
// Working days after 2026-09-18 (Fri):
//   1 09-20  2 09-21  3 09-22  4 09-23  5 09-24  6 09-28  7 09-29  8 09-30  9 10-08 10 10-09
//  11 10-10 12 10-12 13 10-13 14 10-14 15 10-15 16 10-16 17 10-19 … 26 10-30
#include <evenhand/detail/utf8.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

// A standard with the law's own limits (art. 42: 20 working days, extendable by 10), a
// control line of 7 and a promise of 10, and an expert review as a special procedure.
constexpr const char* test_item = R"(
item:
  code: "TEST-JG-001"
  name: 监察测试许可
  version: "2025.1"
  effective: { from: 2025-01-01 }
  authority: 某市测试局
  handling: promised
fields:
  expert_needed: { type: bool, label: 是否需要专家评审 }
deadlines:
  legal: 20 workdays
  promised: 10 workdays
  control_line: 7 workdays
  extension: { max: 10 workdays }
  basis: [XKF-42]
workflow:
  - { id: accept, name: 受理, limit: 1 workday }
  - { id: review, name: 材料审查, after: [accept], limit: 3 workdays }
  - { id: expert, name: 专家评审, after: [review], when: expert_needed, counted: false, limit: 10 workdays, basis: [XKF-45] }
  - { id: decide, name: 审核决定, after: [review, expert], limit: 1 workday }
  - { id: deliver, name: 制证送达, after: [decide], limit: 1 workday }
)";

struct fixture {
  std::shared_ptr<standard::ruleset> rules;

  fixture() {
    auto loaded = standard::load_ruleset(fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo");
    REQUIRE(loaded.rules);
    rules = std::make_shared<standard::ruleset>(*loaded.rules);
    standard::item_context ctx;
    ctx.basis = rules->basis;
    ctx.basis_entries = rules->basis_entries;
    ctx.fields = rules->fields;
    ctx.materials = rules->materials;
    ctx.calendar = rules->calendar;
    ctx.service = rules->service;
    diagnostics problems;
    auto item = standard::load_item_text(test_item, "items/test.yaml", ctx, problems);
    INFO(render_text(problems));
    REQUIRE(item);
    rules->items.push_back(std::move(*item));
  }

  supervise::case_record read(const std::string& text) const {
    diagnostics problems;
    auto c = supervise::read_case(text, "case.yaml", *rules, problems);
    INFO(render_text(problems));
    REQUIRE(c);
    return *c;
  }
  supervise::status at(const std::string& text, const char* now) const {
    auto c = read(text);
    return supervise::supervise(*rules, *c.standard, c, *timestamp::parse(now));
  }
  diagnostics problems(const std::string& text) const {
    diagnostics out;
    CHECK_FALSE(supervise::read_case(text, "case.yaml", *rules, out));
    return out;
  }
};

const fixture& shared() {
  static const fixture f;
  return f;
}

const supervise::step_status& step(const supervise::status& s, std::string_view id) {
  for (const auto& st : s.steps)
    if (st.id == id) return st;
  FAIL("no step " << id);
  return s.steps.front();
}

date d(const char* s) { return *date::parse(s); }

bool has_message(const supervise::status& s, std::string_view text) {
  for (const auto& m : s.messages)
    if (m.find(text) != std::string::npos) return true;
  return false;
}

// Accepted the Friday before National Day 2025; review started on the working Sunday.
const std::string national_day_2025 = R"(
item: TEST-JG-001
application: JG-2025-0001
received_at: 2025-09-26T09:30:00+08:00
accepted_on: 2025-09-26
events:
  - { at: 2025-09-26T09:30:00+08:00, kind: step_started, step: accept }
  - { at: 2025-09-26T10:00:00+08:00, kind: step_completed, step: accept }
  - { at: 2025-09-28T09:00:00+08:00, kind: step_started, step: review }
)";

}  // namespace

TEST_CASE("supervise: green across National Day 2025") {
  // now 10-09: used = 09-28, 09-29, 09-30, 10-09 = 4. Control line 7 → 10-13 (3 left),
  // promise 10 → 10-16, legal 20 → 10-30. Review started 09-28 + 3 → due 10-09: not late yet.
  auto s = shared().at(national_day_2025, "2025-10-09T10:00:00+08:00");
  REQUIRE(s.errors.empty());
  CHECK(s.accepted_on == d("2025-09-26"));
  CHECK(s.used == 4);
  CHECK(s.control_line.due == d("2025-10-13"));
  CHECK(s.control_line.remaining == 3);
  CHECK(s.promised.due == d("2025-10-16"));
  CHECK(s.promised.remaining == 6);
  CHECK(s.legal.due == d("2025-10-30"));
  CHECK(s.legal.remaining == 16);
  CHECK(s.light == supervise::light::green);
  CHECK(step(s, "accept").due == d("2025-09-28"));
  CHECK_FALSE(step(s, "accept").late);
  CHECK(step(s, "review").due == d("2025-10-09"));
  CHECK_FALSE(step(s, "review").late);
  // decide waits for review's due date (10-09) + 1; deliver for decide's + 1 (the Saturday).
  CHECK(step(s, "decide").due == d("2025-10-10"));
  CHECK(step(s, "deliver").due == d("2025-10-11"));
  // expert has a `when` and no event: it does not apply.
  for (const auto& st : s.steps) CHECK(st.id != "expert");
  CHECK(s.messages.size() == 4);
}

TEST_CASE("supervise: a late step on a case that is on time") {
  // now 10-10: used 5, control line 2 left (not fewer than the warning of 2): green. Review
  // was due 10-09 and is still open: late by 1 (10-10).
  auto s = shared().at(national_day_2025, "2025-10-10T15:00:00+08:00");
  CHECK(s.used == 5);
  CHECK(s.control_line.remaining == 2);
  CHECK(s.light == supervise::light::green);
  CHECK(step(s, "review").late);
  CHECK(step(s, "review").days_late == 1);
  CHECK(has_message(s, "环节“材料审查”已超期1个工作日（应于2025-10-09前完成）"));
}

TEST_CASE("supervise: yellow, red and overdue as the days pass") {
  // Sat 10-11 is a working day: used 6, 1 left before the control line (10-13): yellow.
  auto yellow = shared().at(national_day_2025, "2025-10-11T09:00:00+08:00");
  CHECK(yellow.used == 6);
  CHECK(yellow.light == supervise::light::yellow);
  CHECK(has_message(yellow, "距内控线还有1个工作日（2025-10-13届满）"));
  // Sun 10-12 is off: still 6 used.
  CHECK(shared().at(national_day_2025, "2025-10-12T09:00:00+08:00").used == 6);
  // Tue 10-14: used 8, past the control line (10-13) by 1: red; the promise (10-16) holds.
  auto red = shared().at(national_day_2025, "2025-10-14T09:00:00+08:00");
  CHECK(red.used == 8);
  CHECK(red.control_line.past);
  CHECK(red.control_line.remaining == -1);
  CHECK_FALSE(red.promised.past);
  CHECK(red.light == supervise::light::red);
  CHECK(has_message(red, "已超过内控线1个工作日（2025-10-13届满）"));
  // Fri 10-31: used 21, past the legal limit (10-30): overdue.
  auto overdue = shared().at(national_day_2025, "2025-10-31T09:00:00+08:00");
  CHECK(overdue.used == 21);
  CHECK(overdue.legal.remaining == -1);
  CHECK(overdue.light == supervise::light::overdue);
  CHECK(to_json(overdue).find("\"light\":\"overdue\"") != std::string::npos);
}

TEST_CASE("supervise: a correction across Spring Festival 2026 stops the clock") {
  // Correction asked Thu 02-12, materials back Wed 02-25: the stopped working days are
  // (02-12, 02-25] = 02-13, 02-14, 02-24, 02-25 = 4. now Mon 03-02: elapsed (02-10, 03-02] = 10,
  // used 10 − 4 = 6. Each deadline moves by the 4 stopped days: control line 7 → 03-03
  // (1 left: yellow), promise 10 → 03-06, legal 20 → 03-20 (03-16 without the correction).
  const std::string text = R"(
item: TEST-JG-001
received_at: 2026-02-10T09:00:00+08:00
accepted_on: 2026-02-10
events:
  - { at: 2026-02-10T09:00:00+08:00, kind: step_started, step: accept }
  - { at: 2026-02-10T11:00:00+08:00, kind: step_completed, step: accept }
  - { at: 2026-02-11T09:00:00+08:00, kind: step_started, step: review }
  - { at: 2026-02-12T15:00:00+08:00, kind: correction_requested, note: 补正经营场所证明 }
  - { at: 2026-02-25T10:00:00+08:00, kind: correction_resumed }
  - { at: 2026-02-27T16:00:00+08:00, kind: step_completed, step: review }
  - { at: 2026-02-28T09:00:00+08:00, kind: step_started, step: decide }
)";
  auto s = shared().at(text, "2026-03-02T09:00:00+08:00");
  REQUIRE(s.errors.empty());
  CHECK(s.stopped.correction == 4);
  CHECK(s.stopped.special == 0);
  CHECK(s.stopped.total == 4);
  CHECK(s.used == 6);
  CHECK(s.control_line.due == d("2026-03-03"));
  CHECK(s.control_line.remaining == 1);
  CHECK(s.promised.due == d("2026-03-06"));
  CHECK(s.legal.due == d("2026-03-20"));
  CHECK(s.light == supervise::light::yellow);
  CHECK_FALSE(s.clock_stopped);
  // Review: started 02-11 + 3 counted days = 02-12, (stop), 02-26, 02-27 → due 02-27, done then.
  CHECK(step(s, "review").due == d("2026-02-27"));
  CHECK_FALSE(step(s, "review").late);
  // Decide started Sat 02-28 (a working day) + 1 → 03-02: due today, not late.
  CHECK(step(s, "decide").due == d("2026-03-02"));
  CHECK_FALSE(step(s, "decide").late);
  CHECK(has_message(s, "补正、特别程序不计4个工作日"));

  // While the correction is open the clock stands: on 02-24 (the first working day after the
  // holiday) used is 2 (02-11, 02-12), as it was on 02-13.
  const std::string open = text.substr(0, text.find("  - { at: 2026-02-25"));
  auto stopped = shared().at(open, "2026-02-24T16:00:00+08:00");
  CHECK(stopped.clock_stopped);
  CHECK(stopped.used == 2);
  CHECK(stopped.stopped.correction == 3);  // 02-13, 02-14, 02-24
  CHECK(has_message(stopped, "补正期间，计时暂停"));
}

TEST_CASE("supervise: a special procedure across National Day 2026 is not counted") {
  // Expert review (counted: false) from Wed 09-23 to Fri 10-09: not counted are
  // (09-23, 10-09] = 09-24, 09-28, 09-29, 09-30, 10-08, 10-09 = 6 working days. now Tue 10-13:
  // elapsed (09-18, 10-13] = 13, used 13 − 6 = 7. Control line 7: 4 days to 09-23, then 3
  // after 10-09 → 10-13, 0 left: yellow. Promise 10 → 10-16, legal 20 → 10-30.
  const std::string text = R"(
item: TEST-JG-001
received_at: 2026-09-18T09:00:00+08:00
accepted_on: 2026-09-18
events:
  - { at: 2026-09-18T09:00:00+08:00, kind: step_started, step: accept }
  - { at: 2026-09-18T10:00:00+08:00, kind: step_completed, step: accept }
  - { at: 2026-09-20T09:00:00+08:00, kind: step_started, step: review }
  - { at: 2026-09-22T17:00:00+08:00, kind: step_completed, step: review }
  - { at: 2026-09-23T10:00:00+08:00, kind: special_started, step: expert, note: 专家评审，已书面告知申请人 }
  - { at: 2026-10-09T17:00:00+08:00, kind: special_ended, step: expert }
  - { at: 2026-10-10T09:00:00+08:00, kind: step_started, step: decide }
  - { at: 2026-10-12T16:00:00+08:00, kind: step_completed, step: decide }
)";
  auto s = shared().at(text, "2026-10-13T10:00:00+08:00");
  REQUIRE(s.errors.empty());
  CHECK(s.stopped.special == 6);
  CHECK(s.stopped.correction == 0);
  CHECK(s.used == 7);
  CHECK(s.control_line.due == d("2026-10-13"));
  CHECK(s.control_line.remaining == 0);
  CHECK(s.promised.due == d("2026-10-16"));
  CHECK(s.legal.due == d("2026-10-30"));
  CHECK(s.light == supervise::light::yellow);
  CHECK(s.basis == std::vector<std::string_view>{"XKF-45"});
  // The expert review runs on its own limit: 09-23 + 10 → 10-14 (09-24 … 10-14), done 10-09.
  CHECK(step(s, "expert").special);
  CHECK(step(s, "expert").due == d("2026-10-14"));
  CHECK_FALSE(step(s, "expert").late);
  CHECK(step(s, "review").due == d("2026-09-23"));
  CHECK(step(s, "decide").due == d("2026-10-12"));
  CHECK_FALSE(step(s, "decide").late);
  // Deliver waits for decide (done 10-12) + 1 → 10-13.
  CHECK(step(s, "deliver").due == d("2026-10-13"));
  CHECK_FALSE(s.finished_on);

  // Once deliver completes, the case is finished and its clock ends there.
  auto done = shared().at(text + "  - { at: 2026-10-13T11:00:00+08:00, kind: step_started, step: deliver }\n"
                                 "  - { at: 2026-10-13T15:00:00+08:00, kind: step_completed, step: deliver }\n",
                          "2026-11-20T10:00:00+08:00");
  CHECK(done.finished_on == d("2026-10-13"));
  CHECK(done.used == 7);
  CHECK(done.light == supervise::light::green);
  CHECK(has_message(done, "在内控线内办结"));
}

TEST_CASE("supervise: an extension moves the legal limit only") {
  // Accepted 2025-09-26; 5 days' extension granted 10-28 (before the legal limit 10-30 ran
  // out): legal 25 → 11-06. now Mon 11-03: used 22, 3 left. Past the control line and the
  // promise (not moved by the extension): red, not overdue.
  const std::string text = national_day_2025 + "  - { at: 2025-10-28T10:00:00+08:00, kind: extension_granted, days: 5, note: 经负责人批准 }\n";
  auto s = shared().at(text, "2025-11-03T10:00:00+08:00");
  CHECK(s.extension_days == 5);
  CHECK(s.used == 22);
  CHECK(s.legal.limit == 25);
  CHECK(s.legal.due == d("2025-11-06"));
  CHECK(s.legal.remaining == 3);
  CHECK(s.control_line.due == d("2025-10-13"));
  CHECK(s.promised.due == d("2025-10-16"));
  CHECK(s.light == supervise::light::red);
  CHECK(has_message(s, "距法定时限还有3个工作日（2025-11-06届满）（含延长5个工作日）"));

  // Granted on 10-31, after the legal limit ran out (10-30): not counted; overdue.
  const std::string late = national_day_2025 + "  - { at: 2025-10-31T10:00:00+08:00, kind: extension_granted, days: 5 }\n";
  auto l = shared().at(late, "2025-11-03T10:00:00+08:00");
  CHECK(l.extension_days == 0);
  CHECK(l.light == supervise::light::overdue);
  CHECK(has_message(l, "晚于法定期限届满（2025-10-30），不予计入"));
}

TEST_CASE("supervise: an extension beyond what the standard allows is an error") {
  const std::string text = national_day_2025 +
                           "  - { at: 2025-10-20T10:00:00+08:00, kind: extension_granted, days: 6 }\n"
                           "  - { at: 2025-10-21T10:00:00+08:00, kind: extension_granted, days: 5 }\n";
  auto p = shared().problems(text);
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E508");
  CHECK(p[0].where.line == 11);
  CHECK(p[0].message.find("11 working days in all are beyond the 10") != std::string::npos);
}

TEST_CASE("supervise: extensions of the most days an int64 holds are an error, summed without overflow") {
  // Found while writing fuzz_case: the reader summed the days of every extension as it went,
  // and the second of these overflowed (undefined behaviour; UBSan stops the test binary).
  const std::string huge = "9223372036854775807";
  const std::string text = national_day_2025 +
                           "  - { at: 2025-10-20T10:00:00+08:00, kind: extension_granted, days: " + huge + " }\n"
                           "  - { at: 2025-10-21T10:00:00+08:00, kind: extension_granted, days: " + huge + " }\n"
                           "  - { at: 2025-10-22T10:00:00+08:00, kind: extension_granted, days: 1 }\n";
  auto p = shared().problems(text);
  REQUIRE(p.size() == 3);
  for (const auto& d : p) {
    CHECK(d.code == "E508");
    CHECK(d.message.find(huge + " working days in all are beyond the 10") != std::string::npos);
  }
}

TEST_CASE("supervise: YAML's escapes \\N and \\_ are read as the characters they stand for, so the status is UTF-8") {
  // Found by fuzz_case: yaml-cpp decodes "\N" (U+0085) and "\_" (U+00A0) to the single bytes
  // 0x85 and 0xA0, and the case's reference went into the status's JSON as invalid UTF-8.
  const std::string text = "item: TEST-JG-001\napplication: \"SW\\N2026\\_01\"\nreceived_at: 2026-02-10T09:30:00+08:00\n";
  auto c = shared().read(text);
  CHECK(c.application == "SW\u0085" "2026\u00A0" "01");
  const std::string json = supervise::to_json(supervise::supervise(*shared().rules, *c.standard, c,
                                                                   *timestamp::parse("2026-02-11T09:00:00+08:00")));
  CHECK(evenhand::detail::first_invalid_utf8(json) == std::string_view::npos);
  CHECK(json.find("\"application\":\"SW\u0085" "2026\u00A0" "01\"") != std::string::npos);
}

TEST_CASE("supervise: art. 32 — no notice within 5 working days means accepted on receipt") {
  // Received Tue 2026-02-10; 5 working days → 02-24 (02-11, 02-12, 02-13, 02-14, 02-24).
  const std::string received = R"(
item: TEST-JG-001
received_at: 2026-02-10T09:30:00+08:00
)";
  // On 02-24 the hall may still accept or ask for corrections.
  auto waiting = shared().at(received, "2026-02-24T17:00:00+08:00");
  CHECK_FALSE(waiting.accepted_on);
  CHECK(waiting.notice_due == d("2026-02-24"));
  CHECK(waiting.light == supervise::light::green);
  CHECK(has_message(waiting, "尚未受理：应于2026-02-24前受理"));
  CHECK(to_json(waiting).find("\"deadlines\":null") != std::string::npos);
  // On 02-25 it counts as accepted on 02-10: used (02-10, 02-25] = 6, 1 left: yellow.
  auto deemed = shared().at(received, "2026-02-25T10:00:00+08:00");
  CHECK(deemed.deemed_accepted);
  CHECK(deemed.accepted_on == d("2026-02-10"));
  CHECK(deemed.used == 6);
  CHECK(deemed.light == supervise::light::yellow);
  CHECK(deemed.basis == std::vector<std::string_view>{"XKF-32"});
  CHECK(has_message(deemed, "自收到申请材料之日（2026-02-10）起视为受理"));
  auto json = to_json(deemed);
  CHECK(json.find("\"accepted_on\":\"2026-02-10\",\"application\":\"\",\"basis\":[\"XKF-32\"]") == 1);
  CHECK(json.find("\"deemed_accepted\":true") != std::string::npos);
  // Recorded acceptance on 02-26, too late: still counted from receipt.
  auto late = shared().at(received + "accepted_on: 2026-02-26\n", "2026-02-26T10:00:00+08:00");
  CHECK(late.deemed_accepted);
  CHECK(late.accepted_on == d("2026-02-10"));
  // A notice after the 5 days changes nothing: accepted on receipt, and the applicant's
  // correction time is the hall's delay, not a stop. used (02-10, 03-03] = 11.
  auto late_notice = shared().at(received +
                                     "events:\n"
                                     "  - { at: 2026-02-26T10:00:00+08:00, kind: correction_requested }\n"
                                     "  - { at: 2026-03-02T10:00:00+08:00, kind: correction_resumed }\n",
                                 "2026-03-03T10:00:00+08:00");
  CHECK(late_notice.deemed_accepted);
  CHECK(late_notice.used == 11);
  CHECK(late_notice.stopped.correction == 0);
  CHECK(has_message(late_notice, "补正告知晚于收件后5个工作日"));
  // A correction notice in time: not accepted until the applicant corrects.
  auto told = shared().at(received + "events:\n  - { at: 2026-02-13T10:00:00+08:00, kind: correction_requested }\n",
                          "2026-03-02T10:00:00+08:00");
  CHECK_FALSE(told.accepted_on);
  CHECK_FALSE(told.deemed_accepted);
  CHECK(has_message(told, "待申请人补正后受理"));
  // Accepted in time after a correction: the notice's time is before the clock starts.
  auto accepted = shared().at(received +
                                  "accepted_on: 2026-02-26\n"
                                  "events:\n"
                                  "  - { at: 2026-02-13T10:00:00+08:00, kind: correction_requested }\n"
                                  "  - { at: 2026-02-26T09:00:00+08:00, kind: correction_resumed }\n",
                              "2026-03-02T10:00:00+08:00");
  CHECK_FALSE(accepted.deemed_accepted);
  CHECK(accepted.accepted_on == d("2026-02-26"));
  CHECK(accepted.used == 3);  // 02-27, 02-28, 03-02
  CHECK(accepted.stopped.correction == 0);
}

TEST_CASE("supervise: a year without a published calendar is a stated error") {
  // Accepted Fri 2026-12-18: the promise (10 working days) runs into 2027, which has no
  // published schedule yet.
  auto s = shared().at("item: TEST-JG-001\naccepted_on: 2026-12-18\n", "2026-12-22T10:00:00+08:00");
  REQUIRE_FALSE(s.errors.empty());
  CHECK(s.errors[0].find("2027") != std::string::npos);
  CHECK_FALSE(s.light);
  CHECK(to_json(s).find("\"light\":null") != std::string::npos);
}

TEST_CASE("supervise: case files are checked, each error located") {
  const auto& f = shared();
  auto one = [&](const std::string& events) {
    auto p = f.problems("item: TEST-JG-001\naccepted_on: 2025-09-26\nevents:\n" + events);
    REQUIRE(p.size() >= 1);
    return p[0];
  };
  auto p = one("  - { at: 2025-09-26T09:30:00+08:00, kind: step_startd, step: accept }\n");
  CHECK(p.code == "E503");
  CHECK(p.where.line == 4);
  CHECK(p.where.column == 44);
  CHECK(p.hint == "did you mean 'step_started'?");
  p = one("  - { at: 2025-09-26T09:30:00+08:00, kind: step_started, step: acept }\n");
  CHECK(p.code == "E505");
  CHECK(p.hint == "did you mean 'accept'?");
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: step_started, step: accept }\n"
          "  - { at: 2025-09-26T09:30:00+08:00, kind: step_completed, step: accept }\n");
  CHECK(p.code == "E506");
  CHECK(p.where.line == 5);
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: correction_resumed }\n");
  CHECK(p.code == "E507");
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: step_completed, step: review }\n");
  CHECK(p.code == "E507");
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: step_started, step: expert }\n");
  CHECK(p.code == "E505");
  CHECK(p.hint.find("special_started") != std::string::npos);
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: special_started, step: review }\n");
  CHECK(p.code == "E505");
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: correction_requested, days: 3 }\n");
  CHECK(p.code == "E501");
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: extension_granted, days: -1 }\n");
  CHECK(p.code == "E502");
  p = one("  - { at: 2025-09-27, kind: step_started, step: accept }\n");
  CHECK(p.code == "E502");
  // An event without its time: located at the event itself, not at the top of the file.
  p = one("  - { kind: step_started, step: accept }\n");
  CHECK(p.code == "E502");
  CHECK(p.where.line == 4);
  CHECK(p.where.column == 5);
  p = one("  - kind: step_started\n    step: accept\n");
  CHECK(p.code == "E502");
  CHECK(p.where.line == 4);
  CHECK(p.where.column == 5);
  p = one("  - { at: 2025-09-27T09:30:00+08:00, kind: step_started, step: accept, notes: x }\n");
  CHECK(p.code == "E501");
  CHECK(p.hint == "did you mean 'note'?");

  // No extension at all where the standard allows none (无线电台执照: 条例 art. 31).
  auto radio = f.problems(R"({"item": "WXD-XK-001", "accepted_on": "2026-03-02",
 "events": [{"at": "2026-03-03T10:00:00+08:00", "kind": "extension_granted", "days": 5}]})");
  REQUIRE(radio.size() == 1);
  CHECK(radio[0].code == "E508");
  CHECK(radio[0].where.line == 2);  // JSON is located too
  auto no_time = f.problems(R"({"item": "WXD-XK-001", "accepted_on": "2026-03-02",
 "events": [{"kind": "step_started", "step": "accept"}]})");
  REQUIRE(no_time.size() == 1);
  CHECK(no_time[0].code == "E502");
  CHECK(no_time[0].where.line == 2);
  CHECK(no_time[0].where.column == 13);
  // JSON Lines: the line in the file.
  diagnostics lines;
  CHECK_FALSE(supervise::read_case(R"({"item": "NOPE", "accepted_on": "2026-03-02"})", "cases.jsonl", *f.rules, lines, 7));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].code == "E504");
  CHECK(lines[0].where.line == 7);
  CHECK(render_text(lines[0]).starts_with("cases.jsonl:7:"));
  auto none = f.problems("item: TEST-JG-001\n");
  CHECK(none[0].message.find("received_at") != std::string::npos);
}

TEST_CASE("supervise: a case from the decision that accepted it") {
  const auto& f = shared();
  std::ifstream in(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json", std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  diagnostics problems;
  auto app = eval::read_application(text, "app.json", *f.rules, problems);
  REQUIRE(app);
  auto decision = eval::evaluate(*f.rules, *app);
  auto c = supervise::case_from_decision(decision, *app->standard);
  CHECK(c.accepted_on == decision.schedule.accepted_on);
  CHECK_FALSE(c.steps.empty());
  auto s = supervise::supervise(*f.rules, *app->standard, c, app->submitted_at);
  CHECK(s.used == 0);
  CHECK(s.light == supervise::light::green);
  for (std::size_t i = 0; i < decision.schedule.steps.size(); ++i)
    for (const auto& st : s.steps)
      if (st.id == decision.schedule.steps[i].id && decision.schedule.steps[i].due) CHECK(st.due == decision.schedule.steps[i].due);
  // Nothing depends on anything but the inputs.
  CHECK(to_json(s) == to_json(supervise::supervise(*f.rules, *app->standard, c, app->submitted_at)));
}

TEST_CASE("supervise: a case's errors past a hundred are counted, not listed") {
  const auto& f = shared();
  std::string text = "item: TEST-JG-001\naccepted_on: 2025-09-26\nevents:\n";
  for (int i = 0; i < 300; ++i) text += "  - { at: 2025-09-26T09:30:00+08:00, kind: step_started, step: accept, nots: x }\n";
  auto p = f.problems(text);
  REQUIRE(p.size() == max_diagnostics + 1);
  CHECK(p[0].code == "E501");
  CHECK(p[0].where.line == 4);
  CHECK(p.back().message.starts_with("and "));
  // 300 unknown keys, and 299 starts of a step already started: 599 in all, 100 of them listed.
  CHECK(p.back().message == "and 499 more of the same kinds: E501 ×249, E507 ×250（另有499条同类问题未列出）");
}

TEST_CASE("supervise: a key given twice in a case is an error; a case is read as its format declares") {
  const auto& f = shared();
  auto p = f.problems("item: TEST-JG-001\naccepted_on: 2025-09-26\naccepted_on: 2025-09-29\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E509");
  CHECK(p[0].where.line == 3);
  CHECK(p[0].message == "key 'accepted_on' is given twice; the first is on line 2（键重复）");
  p = f.problems(R"({"item": "TEST-JG-001", "accepted_on": "2025-09-26", "events": [
  {"at": "2025-09-26T09:30:00+08:00", "kind": "step_started", "step": "accept", "step": "review"}]})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E509");
  CHECK(p[0].where.line == 2);
  // A trailing comma is not JSON, whatever YAML would make of it.
  const std::string trailing = R"({"item": "TEST-JG-001", "accepted_on": "2025-09-26",})";
  p = f.problems(trailing);
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E500");
  CHECK(p[0].where.column == trailing.size() - 1);
  diagnostics problems;
  CHECK(supervise::read_case(trailing, "case.yaml", *f.rules, problems, input_format::yaml));
  CHECK_FALSE(supervise::read_case(trailing, "case.json", *f.rules, problems, input_format::json));
}

TEST_CASE("supervise: a case of more than 10,000 events is refused at the first one past the limit") {
  const auto& f = shared();
  std::string head = "item: TEST-JG-001\naccepted_on: 2025-09-26\nevents:\n";
  std::string events;
  for (std::size_t i = 0; i < max_case_events; ++i)
    events += i % 2 ? "  - { at: 2025-09-29T09:00:00+08:00, kind: correction_resumed }\n"
                    : "  - { at: 2025-09-29T09:00:00+08:00, kind: correction_requested }\n";
  // 10,000 events read, and are supervised.
  auto c = f.read(head + events);
  CHECK(c.events.size() == max_case_events);
  auto s = supervise::supervise(*f.rules, *c.standard, c, *timestamp::parse("2025-10-09T10:00:00+08:00"));
  CHECK(s.errors.empty());
  CHECK(s.light);
  // One more is one too many.
  auto p = f.problems(head + events + "  - { at: 2025-09-29T09:00:00+08:00, kind: correction_requested }\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E510");
  CHECK(p[0].where.line == 3 + max_case_events + 1);
  CHECK(p[0].message == "the case has 10001 events, more than the limit of 10000（事件数超过上限）");
  // A case built by hand is held to the same limit.
  c.events.push_back(c.events.back());
  s = supervise::supervise(*f.rules, *c.standard, c, *timestamp::parse("2025-10-09T10:00:00+08:00"));
  REQUIRE(s.errors.size() == 1);
  CHECK(s.errors[0] == "the case has 10001 events, more than the limit of 10000");
  CHECK_FALSE(s.light);
}

TEST_CASE("supervise: 10,000 repeats of one event cost a hundred diagnostics, read in linear time") {
  const auto& f = shared();
  std::string text = R"({"item": "TEST-JG-001", "accepted_on": "2025-09-26", "events": [)";
  for (std::size_t i = 0; i < max_case_events; ++i)
    text += std::string(i ? "," : "") + R"({"at": "2025-09-29T09:00:00+08:00", "kind": "step_started", "step": "review"})";
  text += "]}";
  auto p = f.problems(text);
  REQUIRE(p.size() == max_diagnostics + 1);
  CHECK(p[0].code == "E507");
  CHECK(p[0].message == "step 'review' has already started");
  CHECK(p[0].source_line.size() <= max_excerpt_bytes);
  CHECK(p.back().message == "and 9899 more of the same kinds: E507 ×9899（另有9899条同类问题未列出）");
}
