# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: how the sanitizers
# report. Any report ends the program with a non-zero exit code (so a test
# fails); leaks are reported at exit; the suppressions in
# tests/sanitizers/lsan.supp cover leaks inside system libraries only.
sanitizers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/sanitizers" && pwd)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$sanitizers_dir/lsan.supp:print_suppressions=0
