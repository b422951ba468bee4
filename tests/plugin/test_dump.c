/* test_dump.c - the plugin's DumpFile (plugin/smp_dump.c): the line format,
 * the header, splitting long reads, the size cap with one rotation, a file
 * that cannot be written; and that the dump, read back by smdecode's hex
 * reader rules (the '#' comments, the lines one stream), is the bytes. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smp_dump.h"
#include "test_util.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The bytes of a dump: hex digits outside comments, every line one stream. */
static size_t unhex(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    bool comment = false;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            comment = false;
        else if (*p == '#')
            comment = true;
        if (comment || *p == '\n' || *p == '\t')
            continue;
        int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
        CU_ASSERT_FATAL(v >= 0);
        if (half < 0) {
            half = v;
        } else {
            CU_ASSERT_FATAL(n < cap);
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    CU_ASSERT_EQUAL(half, -1);
    return n;
}

static void test_dump_lines(void)
{
    char dir[] = "/tmp/smp-dump-XXXXXX", path[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/home.dump", dir);
    smp_dump d;
    smp_dump_init(&d, path, 1000000, "meter \"home\"");
    char err[256] = "";
    static const uint8_t a[] = {0x68, 0xFA, 0xFA, 0x68, 0x00, 0x16};
    /* 2026-12-02T14:00:00.125Z */
    CU_ASSERT_TRUE(smp_dump_write(&d, a, sizeof a, 1796220000.125, err, sizeof err));
    CU_ASSERT_TRUE(smp_dump_write(&d, a, 2, 1796220001.5, err, sizeof err));
    CU_ASSERT_TRUE(smp_dump_write(&d, a, 0, 1796220002.0, err, sizeof err)); /* nothing */
    smp_dump_close(&d);
    const char *text = slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "# meter \"home\"\n"
                                 "68FAFA680016\t# 2026-12-02T14:00:00.125Z\n"
                                 "68FA\t# 2026-12-02T14:00:01.500Z\n");
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
    /* appended to, not replaced, when opened again (collectd restarted) */
    smp_dump_init(&d, path, 1000000, "meter \"home\"");
    CU_ASSERT_TRUE(smp_dump_write(&d, a + 5, 1, 1796220003.0, err, sizeof err));
    smp_dump_close(&d);
    text = slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "68FA\t# 2026-12-02T14:00:01.500Z\n16\t# 2026-12-02T14:00:03.000Z\n"));
    CU_ASSERT_PTR_NULL(strstr(text + 1, "# meter")); /* one header */
    unlink(path);
    rmdir(dir);
}

/* a read of more than 4096 bytes is split over lines; the bytes come back */
static void test_dump_long_read_and_rotation(void)
{
    char dir[] = "/tmp/smp-dump-XXXXXX", path[64], old[70];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.dump", dir);
    snprintf(old, sizeof old, "%s.1", path);
    static uint8_t big[10000], back[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    smp_dump d;
    smp_dump_init(&d, path, 100000, "m");
    char err[256];
    CU_ASSERT_TRUE_FATAL(smp_dump_write(&d, big, sizeof big, 1.0, err, sizeof err));
    smp_dump_close(&d);
    size_t len;
    const char *text = slurp(path, &len);
    CU_ASSERT_EQUAL(unhex(text, back, sizeof back), sizeof big);
    CU_ASSERT(memcmp(back, big, sizeof big) == 0);
    unsigned lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 1 + 3); /* header, 4096 + 4096 + 1808 bytes */
    unlink(path);

    /* the cap: 2 500 reads of 40 bytes (~110 bytes a line) under a 20 000-byte cap */
    smp_dump_init(&d, path, 20000, "m");
    uint64_t total = 0;
    for (unsigned i = 0; i < 2500; i++) {
        CU_ASSERT_TRUE_FATAL(smp_dump_write(&d, big + i % 100, 40, 2.0 + i, err, sizeof err));
        total += 40;
    }
    smp_dump_close(&d);
    struct stat st, st1;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL_FATAL(stat(old, &st1), 0);
    CU_ASSERT(st.st_size <= 20000);
    CU_ASSERT(st1.st_size <= 20000 && st1.st_size > 19000);
    /* each file starts with the header, and the newest one ends with the last read */
    text = slurp(path, &len);
    CU_ASSERT_EQUAL(strncmp(text, "# m\n", 4), 0);
    size_t nb = unhex(text, back, sizeof back);
    CU_ASSERT_EQUAL(nb % 40, 0);
    CU_ASSERT(memcmp(back + nb - 40, big + 2499 % 100, 40) == 0);
    text = slurp(old, &len);
    CU_ASSERT_EQUAL(strncmp(text, "# m\n", 4), 0);
    /* the two files together: the newest reads, in order, nothing torn */
    size_t n1 = unhex(text, back, sizeof back);
    CU_ASSERT_EQUAL(n1 % 40, 0);
    CU_ASSERT((n1 + nb) / 40 < 2500);
    unlink(path);
    unlink(old);
    rmdir(dir);
}

static void test_dump_errors(void)
{
    smp_dump d;
    char err[256] = "";
    static const uint8_t a[] = {1, 2, 3};
    smp_dump_init(&d, "/nonexistent-dir/x.dump", 100000, "m");
    CU_ASSERT_FALSE(smp_dump_write(&d, a, sizeof a, 1.0, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "DumpFile /nonexistent-dir/x.dump: No such file or directory");
    /* and again later (the directory may appear): still a clear error, no crash */
    CU_ASSERT_FALSE(smp_dump_write(&d, a, sizeof a, 2.0, err, sizeof err));
    smp_dump_close(&d);
    /* no path: nothing is written, no error */
    smp_dump_init(&d, "", 100000, "m");
    CU_ASSERT_TRUE(smp_dump_write(&d, a, sizeof a, 1.0, err, sizeof err));
    smp_dump_close(&d);
    /* a tiny cap is raised to the minimum */
    smp_dump_init(&d, "/tmp/x", 10, "m");
    CU_ASSERT_EQUAL(d.max_bytes, SMP_DUMP_MAX_MIN);
}

static const test_case dump_cases[] = {
    {"lines: hex, then the receive time; appended; one header", test_dump_lines},
    {"long reads split over lines; the size cap with one rotation", test_dump_long_read_and_rotation},
    {"a file that cannot be written; no path; the minimum cap", test_dump_errors},
    {NULL, NULL}};
const test_suite suite_dump = {"plugin: DumpFile", dump_cases};
