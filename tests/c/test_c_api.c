/* The C API, compiled as C11: versions, loading, evaluation byte for byte against the golden
 * decision, the same bytes from several threads, every error path, the journal, and
 * load/evaluate/free loops that LeakSanitizer (the ASan build) checks for leaks.
 *
 *   test_c_api SOURCE_DIR SCRATCH_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <evenhand/c/evenhand.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

static char* read_file(const char* path, size_t* length) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* text = malloc((size_t)n + 1);
  if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
  text[n] = '\0';
  fclose(f);
  if (length) *length = (size_t)n;
  return text;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  if (!f) exit(2);
  fputs(text, f);
  fclose(f);
}

static char* join(const char* a, const char* b) {
  char* s = malloc(strlen(a) + strlen(b) + 2);
  if (!s) exit(2);
  sprintf(s, "%s/%s", a, b);
  return s;
}

#define APPLICATIONS 7
static const char* const application_files[APPLICATIONS] = {
    "food-business-restaurant.json",    "food-business-format-mismatch.json", "food-business-sushi-tolerated.json",
    "public-place-hotel.json",          "public-place-barbershop.json",       "radio-station-trunking-base.json",
    "radio-station-shortwave-100w.json"};

static const evenhand_ruleset* shared_rules;
static char* texts[APPLICATIONS];
static size_t lengths[APPLICATIONS];
static char* expected[APPLICATIONS]; /* single-threaded decisions */

static void test_versions(void) {
  CHECK(evenhand_abi_version() == EVENHAND_ABI_VERSION);
  CHECK(strcmp(evenhand_version(), "0.1.0") >= 0);
}

static void test_load_errors(const char* scratch) {
  evenhand_ruleset* rules = (evenhand_ruleset*)1;
  evenhand_error* err = NULL;
  char* missing = join(scratch, "no-such-ruleset");
  CHECK(evenhand_ruleset_load(missing, &rules, &err) == EVENHAND_UNREADABLE);
  CHECK(rules == NULL);
  CHECK(err != NULL && evenhand_error_code(err) == EVENHAND_UNREADABLE);
  CHECK(strlen(evenhand_error_message(err)) > 0);
  evenhand_error_free(err);
  free(missing);

  /* A ruleset.yaml with a key the format does not have: located at its line and column. */
  char* dir = join(scratch, "broken-ruleset");
  mkdir(dir, 0755);
  char* file = join(dir, "ruleset.yaml");
  write_file(file,
             "ruleset:\n"
             "  id: broken\n"
             "  name: broken\n"
             "  timezone: Asia/Shanghai\n"
             "  colour: blue\n");
  err = NULL;
  CHECK(evenhand_ruleset_load(dir, &rules, &err) == EVENHAND_RULESET_INVALID);
  CHECK(rules == NULL);
  CHECK(evenhand_error_code(err) == EVENHAND_RULESET_INVALID);
  CHECK(strstr(evenhand_error_file(err), "ruleset.yaml") != NULL);
  CHECK(evenhand_error_line(err) > 0 && evenhand_error_column(err) > 0);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"code\":\"E30") != NULL);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"line\":") != NULL);
  evenhand_error_free(err);
  free(file);
  free(dir);

  CHECK(evenhand_ruleset_load(NULL, &rules, NULL) == EVENHAND_INVALID_ARGUMENT); /* no error object wanted */
  evenhand_error_free(NULL);
  evenhand_string_free(NULL);
  evenhand_ruleset_free(NULL);
  evenhand_journal_close(NULL);
}

static void test_evaluate(const char* source) {
  /* `evenhand eval` on this application, as of its submission, gives the golden decision. */
  char* golden_path = join(source, "tests/golden/food-business-licence/grant-restaurant.json");
  char* golden = read_file(golden_path, NULL);
  size_t n = strlen(golden);
  while (n > 0 && golden[n - 1] == '\n') golden[--n] = '\0';
  CHECK(strcmp(expected[0], golden) == 0);
  free(golden);
  free(golden_path);

  char* lint = NULL;
  CHECK(evenhand_ruleset_lint(shared_rules, &lint, NULL) == EVENHAND_OK);
  CHECK(lint != NULL && lint[0] == '[');
  evenhand_string_free(lint);
  CHECK(strcmp(evenhand_ruleset_id(shared_rules), "cn-demo") == 0);
  CHECK(strncmp(evenhand_ruleset_digest(shared_rules), "sha256:", 7) == 0);

  /* as_of moves the decision's as_of and nothing about the application. */
  char* later = NULL;
  CHECK(evenhand_evaluate(shared_rules, texts[0], lengths[0], NULL, "2026-02-12T10:00:00+08:00", &later, NULL) == EVENHAND_OK);
  CHECK(later && strstr(later, "\"as_of\":\"2026-02-12T02:00:00Z\"") != NULL);
  evenhand_string_free(later);
}

static void test_application_errors(void) {
  evenhand_error* err = NULL;
  char* decision = (char*)1;
  /* A JSON syntax error on line 3. */
  const char* torn = "{\n  \"item\": \"SCJG-XK-001\",\n  \"fields\": {,\n}\n";
  CHECK(evenhand_evaluate(shared_rules, torn, strlen(torn), "torn.json", NULL, &decision, &err) ==
        EVENHAND_APPLICATION_INVALID);
  CHECK(decision == NULL);
  CHECK(strcmp(evenhand_error_file(err), "torn.json") == 0);
  CHECK(evenhand_error_line(err) == 3);
  CHECK(evenhand_error_column(err) > 0);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"file\":\"torn.json\"") != NULL);
  evenhand_error_free(err);

  /* A field the item does not declare, located at its key. */
  const char* unknown =
      "item: SCJG-XK-001\n"
      "submitted_at: 2026-03-02T09:30:00+08:00\n"
      "fields:\n"
      "  applicant: { kind: enterprise }\n"
      "  colour: blue\n";
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, unknown, strlen(unknown), "unknown.yaml", NULL, &decision, &err) ==
        EVENHAND_APPLICATION_INVALID);
  CHECK(evenhand_error_line(err) == 5);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"code\":\"E40") != NULL);
  evenhand_error_free(err);

  /* A malformed as_of is the caller's mistake, not the application's. */
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, texts[0], lengths[0], NULL, "yesterday", &decision, &err) ==
        EVENHAND_INVALID_ARGUMENT);
  CHECK(strstr(evenhand_error_message(err), "yesterday") != NULL);
  CHECK(strcmp(evenhand_error_diagnostics(err), "[]") == 0);
  evenhand_error_free(err);

  /* An as_of before the submission (2026-02-10T09:30+08:00) is the caller's mistake too. */
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, texts[0], lengths[0], NULL, "2026-02-09T09:30:00+08:00", &decision, &err) ==
        EVENHAND_INVALID_ARGUMENT);
  CHECK(decision == NULL);
  CHECK(strstr(evenhand_error_message(err), "before the application was submitted") != NULL);
  evenhand_error_free(err);

  CHECK(evenhand_evaluate(NULL, texts[0], lengths[0], NULL, NULL, &decision, NULL) == EVENHAND_INVALID_ARGUMENT);
  CHECK(evenhand_evaluate(shared_rules, NULL, 0, NULL, NULL, &decision, NULL) == EVENHAND_INVALID_ARGUMENT);
}

/* The calendar's end is loud: the restaurant submitted 2027-01-05, when the demo calendar ends
 * 2026-12-31, has no deadlines; the status says so and names the year, and no decision comes out. */
static void test_calendar_not_covered(void) {
  char* text = malloc(lengths[0] + 1);
  if (!text) exit(2);
  memcpy(text, texts[0], lengths[0] + 1);
  char* at = strstr(text, "2026-02-10T09:30:00+08:00");
  CHECK(at != NULL);
  if (at) memcpy(at, "2027-01-05T09:30:00+08:00", 25);
  char* decision = (char*)1;
  evenhand_error* err = NULL;
  CHECK(evenhand_evaluate(shared_rules, text, lengths[0], "app-2027.json", NULL, &decision, &err) ==
        EVENHAND_CALENDAR_NOT_COVERED);
  CHECK(decision == NULL);
  CHECK(evenhand_error_code(err) == EVENHAND_CALENDAR_NOT_COVERED);
  CHECK(strstr(evenhand_error_message(err), "2027") != NULL);
  evenhand_error_free(err);
  free(text);
}

static void test_supervise(const char* source) {
  char* path = join(source, "examples/cases/food-on-time.yaml");
  size_t length = 0;
  char* text = read_file(path, &length);
  char* status = NULL;
  evenhand_error* err = NULL;
  CHECK(evenhand_supervise(shared_rules, text, length, "food-on-time.yaml", "2026-03-03T10:00:00+08:00", &status, &err) ==
        EVENHAND_OK);
  CHECK(status && strstr(status, "\"light\":\"") != NULL && strstr(status, "\"application\":\"SCJG-2026-0227\"") != NULL);
  char* again = NULL;
  CHECK(evenhand_supervise(shared_rules, text, length, NULL, "2026-03-03T10:00:00+08:00", &again, NULL) == EVENHAND_OK);
  CHECK(again && status && strcmp(again, status) == 0);
  evenhand_string_free(again);
  evenhand_string_free(status);

  CHECK(evenhand_supervise(shared_rules, text, length, NULL, NULL, &status, &err) == EVENHAND_INVALID_ARGUMENT);
  CHECK(status == NULL && strstr(evenhand_error_message(err), "now") != NULL);
  evenhand_error_free(err);

  const char* bad = "item: SCJG-XK-001\nreceived_at: 2026-02-27T14:00:00+08:00\nevents:\n  - { at: 2026-02-28T09:00:00+08:00, kind: teleported }\n";
  err = NULL;
  CHECK(evenhand_supervise(shared_rules, bad, strlen(bad), "bad-case.yaml", "2026-03-03T10:00:00+08:00", &status, &err) ==
        EVENHAND_CASE_INVALID);
  CHECK(strcmp(evenhand_error_file(err), "bad-case.yaml") == 0 && evenhand_error_line(err) == 4);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"code\":\"E5") != NULL);
  evenhand_error_free(err);
  free(text);
  free(path);
}

/* Bounded input: a declared format, a size limit, keys given twice, and a hundred diagnostics. */
static void test_bounded_input(void) {
  evenhand_error* err = NULL;
  char* decision = (char*)1;
  /* A trailing comma: not JSON, though YAML would read it. */
  const char* trailing = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-03-02T09:30:00+08:00\",}";
  CHECK(evenhand_evaluate(shared_rules, trailing, strlen(trailing), "trailing.json", NULL, &decision, &err) ==
        EVENHAND_APPLICATION_INVALID);
  CHECK(decision == NULL);
  CHECK(evenhand_error_line(err) == 1 && evenhand_error_column(err) == strlen(trailing) - 1);
  CHECK(strstr(evenhand_error_message(err), "a comma before '}'") != NULL);
  evenhand_error_free(err);
  err = NULL;
  CHECK(evenhand_evaluate_format(shared_rules, trailing, strlen(trailing), "trailing.json", EVENHAND_FORMAT_JSON, NULL,
                                 &decision, &err) == EVENHAND_APPLICATION_INVALID);
  evenhand_error_free(err);
  /* Declared YAML: YAML's rules. */
  CHECK(evenhand_evaluate_format(shared_rules, trailing, strlen(trailing), "t.yaml", EVENHAND_FORMAT_YAML, NULL,
                                 &decision, NULL) == EVENHAND_OK);
  CHECK(decision && strstr(decision, "\"outcome\":") != NULL);
  evenhand_string_free(decision);
  CHECK(evenhand_evaluate_format(shared_rules, texts[0], lengths[0], NULL, (evenhand_format)7, NULL, &decision, NULL) ==
        EVENHAND_INVALID_ARGUMENT);
  CHECK(decision == NULL);

  /* A key given twice: located at the second. */
  const char* twice = "{\"item\": \"SCJG-XK-001\",\n \"item\": \"SCJG-XK-001\"}";
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, twice, strlen(twice), "twice.json", NULL, &decision, &err) ==
        EVENHAND_APPLICATION_INVALID);
  CHECK(evenhand_error_line(err) == 2 && evenhand_error_column(err) == 2);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"code\":\"E405\"") != NULL);
  evenhand_error_free(err);

  /* Larger than 4 MiB: refused unread. */
  size_t big = 4 * 1024 * 1024 + 1;
  char* huge = malloc(big);
  if (!huge) exit(2);
  memset(huge, ' ', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, huge, big, "huge.json", NULL, &decision, &err) == EVENHAND_APPLICATION_INVALID);
  CHECK(strstr(evenhand_error_diagnostics(err), "\"code\":\"E406\"") != NULL);
  evenhand_error_free(err);
  free(huge);

  /* 1,000 unknown fields: 100 diagnostics and one counting the other 900. */
  size_t room = 200 + 1000 * 32;
  char* many = malloc(room);
  if (!many) exit(2);
  size_t n = (size_t)sprintf(many, "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-03-02T09:30:00+08:00\", \"fields\": {");
  for (int i = 0; i < 1000; ++i) n += (size_t)sprintf(many + n, "%s\"unknown_%d\": 1", i ? ", " : "", i);
  n += (size_t)sprintf(many + n, "}}");
  err = NULL;
  CHECK(evenhand_evaluate(shared_rules, many, n, "many.json", NULL, &decision, &err) == EVENHAND_APPLICATION_INVALID);
  const char* all = evenhand_error_diagnostics(err);
  size_t listed = 0;
  for (const char* p = all; (p = strstr(p, "\"code\":\"E401\"")) != NULL; ++p) ++listed;
  CHECK(listed == 100);
  CHECK(strstr(all, "and 900 more of the same kinds: E401 ×900") != NULL);
  evenhand_error_free(err);
  free(many);

  /* A case, declared. */
  const char* case_text = "{\"item\": \"SCJG-XK-001\", \"accepted_on\": \"2026-02-06\",}";
  char* status = NULL;
  CHECK(evenhand_supervise_format(shared_rules, case_text, strlen(case_text), NULL, EVENHAND_FORMAT_JSON,
                                  "2026-03-03T10:00:00+08:00", &status, NULL) == EVENHAND_CASE_INVALID);
  CHECK(evenhand_supervise_format(shared_rules, case_text, strlen(case_text), NULL, EVENHAND_FORMAT_YAML,
                                  "2026-03-03T10:00:00+08:00", &status, NULL) == EVENHAND_OK);
  evenhand_string_free(status);
}

enum { THREADS = 4, ROUNDS = 25 };

static void* evaluate_all(void* arg) {
  long* mismatches = arg;
  for (int r = 0; r < ROUNDS; ++r)
    for (int i = 0; i < APPLICATIONS; ++i) {
      char* d = NULL;
      evenhand_error* err = NULL;
      if (evenhand_evaluate(shared_rules, texts[i], lengths[i], application_files[i], NULL, &d, &err) != EVENHAND_OK ||
          strcmp(d, expected[i]) != 0)
        ++*mismatches;
      evenhand_string_free(d);
      evenhand_error_free(err);
    }
  return NULL;
}

static void test_threads(void) {
  pthread_t threads[THREADS];
  long mismatches[THREADS] = {0};
  for (int t = 0; t < THREADS; ++t) CHECK(pthread_create(&threads[t], NULL, evaluate_all, &mismatches[t]) == 0);
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(threads[t], NULL);
    CHECK(mismatches[t] == 0);
  }
}

static evenhand_journal* shared_journal;

static void* append_all(void* arg) {
  long* failed = arg;
  for (int i = 0; i < APPLICATIONS; ++i) {
    uint64_t seq = 0;
    evenhand_durability how = i % 2 ? EVENHAND_SYNCED : EVENHAND_BUFFERED;
    if (evenhand_journal_append(shared_journal, texts[i], lengths[i], NULL, NULL, how, &seq, NULL, NULL) != EVENHAND_OK ||
        seq == 0)
      ++*failed;
  }
  return NULL;
}

static void test_journal(const char* scratch) {
  char* path = join(scratch, "decisions.jsonl");
  remove(path);
  evenhand_error* err = NULL;
  CHECK(evenhand_journal_open(path, shared_rules, "hall-secret", &shared_journal, &err) == EVENHAND_OK);
  uint64_t seq = 0;
  char* decision = NULL;
  CHECK(evenhand_journal_append(shared_journal, texts[0], lengths[0], NULL, NULL, EVENHAND_SYNCED, &seq, &decision, NULL) ==
        EVENHAND_OK);
  CHECK(seq == 1);
  CHECK(decision && strcmp(decision, expected[0]) == 0);
  evenhand_string_free(decision);

  pthread_t threads[THREADS];
  long failed[THREADS] = {0};
  for (int t = 0; t < THREADS; ++t) CHECK(pthread_create(&threads[t], NULL, append_all, &failed[t]) == 0);
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(threads[t], NULL);
    CHECK(failed[t] == 0);
  }
  /* An invalid application appends nothing. */
  const char* bad = "{\"item\": \"SCJG-XK-001\", \"fields\": 3}";
  err = NULL;
  CHECK(evenhand_journal_append(shared_journal, bad, strlen(bad), NULL, NULL, EVENHAND_SYNCED, &seq, NULL, &err) ==
        EVENHAND_APPLICATION_INVALID);
  evenhand_error_free(err);
  CHECK(evenhand_journal_append(shared_journal, texts[0], lengths[0], NULL, NULL, (evenhand_durability)7, &seq, NULL, NULL) ==
        EVENHAND_INVALID_ARGUMENT);
  /* Declared YAML, a JSON application is still read (JSON is YAML); declared JSON, a trailing comma is not. */
  const char* trailing = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-03-02T09:30:00+08:00\",}";
  CHECK(evenhand_journal_append_format(shared_journal, trailing, strlen(trailing), NULL, EVENHAND_FORMAT_JSON, NULL,
                                       EVENHAND_SYNCED, &seq, NULL, NULL) == EVENHAND_APPLICATION_INVALID);
  CHECK(evenhand_journal_append_format(shared_journal, texts[0], lengths[0], NULL, EVENHAND_FORMAT_YAML, NULL,
                                       EVENHAND_SYNCED, &seq, NULL, NULL) == EVENHAND_OK);
  CHECK(evenhand_journal_sync(shared_journal, NULL) == EVENHAND_OK);
  evenhand_journal_close(shared_journal);

  char* report = NULL;
  CHECK(evenhand_journal_verify(path, &report, NULL) == EVENHAND_OK);
  char want[64];
  snprintf(want, sizeof want, "\"records\":%d", 2 + THREADS * APPLICATIONS);
  CHECK(report && strstr(report, want) != NULL && strstr(report, "\"ok\":true") != NULL);
  evenhand_string_free(report);

  /* A torn last line (a writer died mid-line): verify reports it at its line; the next handle
   * mends it, keeping the bytes it cuts in PATH.torn.1, and extends the chain. */
  FILE* f = fopen(path, "ab");
  fputs("{\"application\":", f);
  fclose(f);
  err = NULL;
  CHECK(evenhand_journal_verify(path, &report, &err) == EVENHAND_JOURNAL_DAMAGED);
  CHECK(report && strstr(report, "\"ok\":false") != NULL && strstr(report, "\"problem\":\"torn\"") != NULL);
  CHECK(evenhand_error_line(err) == (uint32_t)(3 + THREADS * APPLICATIONS));
  evenhand_string_free(report);
  evenhand_error_free(err);
  evenhand_journal* j = NULL;
  CHECK(evenhand_journal_open(path, shared_rules, "hall-secret", &j, NULL) == EVENHAND_OK);
  CHECK(evenhand_journal_append(j, texts[0], lengths[0], NULL, NULL, EVENHAND_SYNCED, &seq, NULL, NULL) == EVENHAND_OK);
  CHECK(seq == (uint64_t)(3 + THREADS * APPLICATIONS));
  evenhand_journal_close(j);
  char torn[4096];
  snprintf(torn, sizeof torn, "%s.torn.1", path);
  size_t torn_length = 0;
  char* torn_bytes = read_file(torn, &torn_length);
  CHECK(torn_bytes && torn_length == strlen("{\"application\":"));
  free(torn_bytes);
  remove(torn);
  CHECK(evenhand_journal_verify(path, &report, NULL) == EVENHAND_OK);
  evenhand_string_free(report);

  /* A last record that is not sound is refused, not extended. */
  char* edited = join(scratch, "edited.jsonl");
  write_file(edited, "{\"application\":{},\"decision\":{},\"hash\":\"sha256:00\",\"masked\":[],\"prev\":\"sha256:00\",\"seq\":1}\n");
  j = (evenhand_journal*)1;
  err = NULL;
  CHECK(evenhand_journal_open(edited, shared_rules, NULL, &j, &err) == EVENHAND_JOURNAL_DAMAGED);
  CHECK(j == NULL);
  CHECK(strcmp(evenhand_error_file(err), edited) == 0);
  evenhand_error_free(err);
  remove(edited);
  free(edited);

  char* missing = join(scratch, "no-such-journal.jsonl");
  err = NULL;
  CHECK(evenhand_journal_verify(missing, &report, &err) == EVENHAND_UNREADABLE);
  CHECK(report == NULL);
  evenhand_error_free(err);
  free(missing);
  free(path);
}

/* Several handles on one file, in this process and in others: one chain, every record. */
static void test_journal_writers(const char* scratch) {
  char* path = join(scratch, "shared.jsonl");
  remove(path);
  evenhand_journal *a = NULL, *b = NULL;
  CHECK(evenhand_journal_open(path, shared_rules, NULL, &a, NULL) == EVENHAND_OK);
  CHECK(evenhand_journal_open(path, shared_rules, NULL, &b, NULL) == EVENHAND_OK);
  uint64_t seq = 0;
  CHECK(evenhand_journal_append(a, texts[0], lengths[0], NULL, NULL, EVENHAND_BUFFERED, &seq, NULL, NULL) == EVENHAND_OK && seq == 1);
  CHECK(evenhand_journal_append(b, texts[1], lengths[1], NULL, NULL, EVENHAND_BUFFERED, &seq, NULL, NULL) == EVENHAND_OK && seq == 2);
  CHECK(evenhand_journal_append(a, texts[2], lengths[2], NULL, NULL, EVENHAND_SYNCED, &seq, NULL, NULL) == EVENHAND_OK && seq == 3);
  evenhand_journal_close(a);
  evenhand_journal_close(b);

  enum { PROCESSES = 3, APPENDS = 15 };
  pid_t children[PROCESSES];
  int acks[PROCESSES];
  for (int p = 0; p < PROCESSES; ++p) {
    int fds[2];
    CHECK(pipe(fds) == 0);
    children[p] = fork();
    if (children[p] == 0) {
      close(fds[0]);
      evenhand_journal* j = NULL;
      if (evenhand_journal_open(path, shared_rules, NULL, &j, NULL) != EVENHAND_OK) _exit(3);
      for (int i = 0; i < APPENDS; ++i) {
        uint64_t s = 0;
        int k = (p + i) % APPLICATIONS;
        if (evenhand_journal_append(j, texts[k], lengths[k], NULL, NULL, i % 2 ? EVENHAND_SYNCED : EVENHAND_BUFFERED, &s, NULL,
                                    NULL) != EVENHAND_OK)
          _exit(4);
        if (write(fds[1], &s, sizeof s) != (ssize_t)sizeof s) _exit(5);
      }
      evenhand_journal_close(j);
      _exit(0);
    }
    close(fds[1]);
    acks[p] = fds[0];
  }
  int seen[3 + PROCESSES * APPENDS + 1] = {0};
  for (int p = 0; p < PROCESSES; ++p) {
    uint64_t s;
    while (read(acks[p], &s, sizeof s) == (ssize_t)sizeof s) {
      CHECK(s > 3 && s <= 3 + PROCESSES * APPENDS);
      if (s > 3 && s <= 3 + PROCESSES * APPENDS) ++seen[s];
    }
    close(acks[p]);
    int status = 0;
    waitpid(children[p], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  for (int s = 4; s <= 3 + PROCESSES * APPENDS; ++s) CHECK(seen[s] == 1); /* each acknowledged once */
  char* report = NULL;
  CHECK(evenhand_journal_verify(path, &report, NULL) == EVENHAND_OK);
  char want[64];
  snprintf(want, sizeof want, "\"records\":%d", 3 + PROCESSES * APPENDS);
  CHECK(report && strstr(report, want) != NULL);
  evenhand_string_free(report);
  free(path);
}

/* Everything allocated is freed: LeakSanitizer reports otherwise when the program exits. */
static void test_loops(const char* ruleset_dir) {
  for (int round = 0; round < 3; ++round) {
    evenhand_ruleset* rules = NULL;
    CHECK(evenhand_ruleset_load(ruleset_dir, &rules, NULL) == EVENHAND_OK);
    for (int k = 0; k < 20; ++k) {
      char* d = NULL;
      evenhand_error* err = NULL;
      CHECK(evenhand_evaluate(rules, texts[k % APPLICATIONS], lengths[k % APPLICATIONS], NULL, NULL, &d, &err) == EVENHAND_OK);
      evenhand_string_free(d);
      const char* bad = "{\"item\": \"NO-SUCH-ITEM\"}";
      CHECK(evenhand_evaluate(rules, bad, strlen(bad), NULL, NULL, &d, &err) == EVENHAND_APPLICATION_INVALID);
      evenhand_error_free(err);
    }
    evenhand_ruleset_free(rules);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fputs("usage: test_c_api SOURCE_DIR SCRATCH_DIR\n", stderr);
    return 2;
  }
  const char* source = argv[1];
  const char* scratch = argv[2];
  mkdir(scratch, 0755);
  char* ruleset_dir = join(source, "rulesets/cn-demo");
  char* apps = join(source, "examples/applications");
  for (int i = 0; i < APPLICATIONS; ++i) {
    char* p = join(apps, application_files[i]);
    texts[i] = read_file(p, &lengths[i]);
    free(p);
  }

  test_versions();
  test_load_errors(scratch);
  evenhand_ruleset* rules = NULL;
  evenhand_error* err = NULL;
  if (evenhand_ruleset_load(ruleset_dir, &rules, &err) != EVENHAND_OK) {
    fprintf(stderr, "cannot load %s: %s\n", ruleset_dir, evenhand_error_message(err));
    return 1;
  }
  shared_rules = rules;
  for (int i = 0; i < APPLICATIONS; ++i) {
    err = NULL;
    if (evenhand_evaluate(rules, texts[i], lengths[i], application_files[i], NULL, &expected[i], &err) != EVENHAND_OK) {
      fprintf(stderr, "%s:%u:%u: %s\n", evenhand_error_file(err), evenhand_error_line(err), evenhand_error_column(err),
              evenhand_error_message(err));
      return 1;
    }
  }
  test_evaluate(source);
  test_application_errors();
  test_calendar_not_covered();
  test_bounded_input();
  test_threads();
  test_supervise(source);
  test_journal(scratch);
  test_journal_writers(scratch);
  test_loops(ruleset_dir);

  evenhand_ruleset_free(rules);
  for (int i = 0; i < APPLICATIONS; ++i) {
    free(texts[i]);
    evenhand_string_free(expected[i]);
  }
  free(apps);
  free(ruleset_dir);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  puts("C API: all checks passed");
  return 0;
}
