/* A hall system's acceptance handler in C, through evenhand's C API: load the ruleset once,
 * evaluate the applications on several threads, journal every decision before answering.
 *
 *   hall_acceptance_c RULESET_DIR APPLICATIONS_DIR JOURNAL [THREADS]
 *
 * Prints what examples/embed-cpp prints, byte for byte. Decisions come back as canonical JSON;
 * a real client would read them with its JSON library (cJSON, jansson); this one only needs
 * three values and finds them by their keys.
 */
#define _POSIX_C_SOURCE 200809L

#include <evenhand/c/evenhand.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FILES = 1024 };

struct work {
  const evenhand_ruleset* rules;
  evenhand_journal* journal;
  const char* dir;
  char* files[MAX_FILES];
  char* lines[MAX_FILES];
  int ok[MAX_FILES];
  size_t count;
  size_t next;
  pthread_mutex_t lock;
};

static char* read_file(const char* path, size_t* length) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char* text = malloc(cap);
  for (size_t got; text && (got = fread(text + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) text = realloc(text, cap *= 2);
  }
  fclose(f);
  if (text) *length = n;
  return text;
}

/* The string value of a top-level key of a canonical decision; keys are unique there and a
 * string value never holds an unescaped quote. */
static void string_value(const char* json, const char* key, char* out, size_t size) {
  char needle[64];
  snprintf(needle, sizeof needle, ",\"%s\":\"", key);
  const char* p = strstr(json, needle);
  out[0] = '\0';
  if (!p) return;
  p += strlen(needle);
  const char* end = strchr(p, '"');
  size_t n = (size_t)(end - p) < size - 1 ? (size_t)(end - p) : size - 1;
  memcpy(out, p, n);
  out[n] = '\0';
}

/* How many entries the notice has: each has exactly one "kind". */
static size_t notice_entries(const char* json) {
  const char* p = strstr(json, "\"notice\":[");
  const char* end = p ? strstr(p, "],\"outcome\":") : NULL;
  size_t n = 0;
  while (p && (p = strstr(p + 1, "\"kind\":\"")) && p < end) ++n;
  return n;
}

static void accept_one(struct work* w, size_t i) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", w->dir, w->files[i]);
  size_t length = 0;
  char* text = read_file(path, &length);
  char* line = malloc(4096);
  if (!text || !line) {
    snprintf(line ? line : "", line ? 4096 : 0, "%s: cannot read", w->files[i]);
    w->lines[i] = line;
    free(text);
    return;
  }
  char* decision = NULL;
  evenhand_error* err = NULL;
  /* Synced: the record is on disk before the applicant hears the outcome; concurrent appends
   * share one disk sync. */
  evenhand_status s = evenhand_journal_append(w->journal, text, length, w->files[i], NULL, EVENHAND_SYNCED, NULL,
                                              &decision, &err);
  if (s == EVENHAND_OK) {
    char stage[32], outcome[32];
    string_value(decision, "stage", stage, sizeof stage);
    string_value(decision, "outcome", outcome, sizeof outcome);
    snprintf(line, 4096, "%-52s %-10s %-17s %zu to supply", w->files[i], stage, outcome, notice_entries(decision));
    w->ok[i] = 1;
  } else {  /* located problems: the clerk shows them; nothing is decided or journalled */
    snprintf(line, 4096, "%s:%u:%u: %s", evenhand_error_file(err), evenhand_error_line(err),
             evenhand_error_column(err), evenhand_error_message(err));
  }
  w->lines[i] = line;
  evenhand_string_free(decision);
  evenhand_error_free(err);
  free(text);
}

static void* worker(void* arg) {
  struct work* w = arg;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    size_t i = w->next++;
    pthread_mutex_unlock(&w->lock);
    if (i >= w->count) return NULL;
    accept_one(w, i);
  }
}

static int by_name(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static int has_suffix(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    fputs("usage: hall_acceptance_c RULESET_DIR APPLICATIONS_DIR JOURNAL [THREADS]\n", stderr);
    return 2;
  }
  int threads = argc == 5 ? atoi(argv[4]) : 2;
  if (threads < 1 || threads > 64) threads = 2;
  if (evenhand_abi_version() != EVENHAND_ABI_VERSION) {
    fprintf(stderr, "built for evenhand ABI %d, running with %d\n", EVENHAND_ABI_VERSION, evenhand_abi_version());
    return 2;
  }

  /* Once, at start-up: loading checks every rule; the ruleset is immutable and shared. */
  evenhand_ruleset* rules = NULL;
  evenhand_error* err = NULL;
  if (evenhand_ruleset_load(argv[1], &rules, &err) != EVENHAND_OK) {
    fprintf(stderr, "%s:%u:%u: %s\n", evenhand_error_file(err), evenhand_error_line(err), evenhand_error_column(err),
            evenhand_error_message(err));
    evenhand_error_free(err);
    return 2;
  }

  static struct work w;
  w.rules = rules;
  w.dir = argv[2];
  pthread_mutex_init(&w.lock, NULL);
  DIR* d = opendir(argv[2]);
  if (!d) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  for (struct dirent* e; (e = readdir(d)) && w.count < MAX_FILES;)
    if (has_suffix(e->d_name, ".json") || has_suffix(e->d_name, ".yaml")) w.files[w.count++] = strdup(e->d_name);
  closedir(d);
  qsort(w.files, w.count, sizeof w.files[0], by_name);

  if (evenhand_journal_open(argv[3], rules, NULL, &w.journal, &err) != EVENHAND_OK) {
    fprintf(stderr, "%s:%u: %s\n", evenhand_error_file(err), evenhand_error_line(err), evenhand_error_message(err));
    return 1;
  }
  pthread_t pool[64];
  for (int t = 0; t < threads; ++t) pthread_create(&pool[t], NULL, worker, &w);
  for (int t = 0; t < threads; ++t) pthread_join(pool[t], NULL);

  printf("ruleset %s: %zu applications on %d threads\n", evenhand_ruleset_id(rules), w.count, threads);
  int all_ok = 1;
  for (size_t i = 0; i < w.count; ++i) {
    printf("%s\n", w.lines[i]);
    all_ok &= w.ok[i];
    free(w.lines[i]);
    free(w.files[i]);
  }
  evenhand_journal_close(w.journal);

  char* report = NULL;
  evenhand_status v = evenhand_journal_verify(argv[3], &report, &err);
  if (v == EVENHAND_OK) {
    const char* records = strstr(report, "\"records\":");
    printf("journal: %lld records, chain sound\n", records ? atoll(records + 10) : 0LL);
  } else {
    printf("journal: %s\n", evenhand_error_message(err));
    evenhand_error_free(err);
  }
  evenhand_string_free(report);
  evenhand_ruleset_free(rules);
  return all_ok && v == EVENHAND_OK ? 0 : 1;
}
