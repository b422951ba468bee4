/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: `make check` uses it (built with the project's compiler and,
 * in the sanitizer build, ASan + UBSan) to replay the checked-in corpus and
 * every input that ever crashed a target (fuzz/regress/).  Arguments are
 * files or directories (their regular files, not recursive).  Exit 0 when
 * every input ran; 2 when an argument cannot be read or no input was found
 * (a replay of nothing would prove nothing).  A violated property aborts. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    uint8_t *buf;
    size_t n = fuzz_read_file(path, &buf);
    if (!buf) {
        fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long inputs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) != 0)
                return 2;
            inputs++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, alphasort);
        if (n < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        for (int j = 0; j < n; j++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[j]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(path) != 0)
                    return 2;
                inputs++;
            }
            free(names[j]);
        }
        free(names);
    }
    if (inputs == 0) {
        fprintf(stderr, "replay: no input\n");
        return 2;
    }
    printf("replay: %lu inputs, no property violated\n", inputs);
    return 0;
}
