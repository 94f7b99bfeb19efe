/* A C program against the installed C API: it links, and its header agrees with the library. */
#include <evenhand/c/evenhand.h>

#include <stdio.h>

int main(void) {
  evenhand_ruleset* rules = NULL;
  evenhand_error* error = NULL;
  if (evenhand_ruleset_load("/nonexistent", &rules, &error) != EVENHAND_UNREADABLE) return 1;
  evenhand_error_free(error);
  printf("abi %d\n", evenhand_abi_version() == EVENHAND_ABI_VERSION ? EVENHAND_ABI_VERSION : -1);
  return 0;
}
