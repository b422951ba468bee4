/* gen_builtin.c - the built-in layouts as constant C data (sm_layouts_builtin.c),
 * run at build time: gen_builtin FILE... > sm_layouts_builtin.c
 *
 * Each file is read by the same parser as the files users add
 * (sm_layout.c); a file that does not parse fails the build with its
 * FILE:LINE: message.  The output holds the parsed set as one constant
 * sm_layout_set (its pointers are address constants into itself), so the
 * decoder needs neither a first-use parse nor a lock, and the files' texts
 * (for the tests and for reference). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_layout.h"

static sm_layout_set set;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            if (!(buf = realloc(buf, cap))) {
                fputs("gen_builtin: out of memory\n", stderr);
                exit(1);
            }
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    if (ferror(f)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void bytes(const char *name, const uint8_t *p, size_t n)
{
    printf("static const unsigned char %s[] = {", name);
    for (size_t i = 0; i < n; i++)
        printf("%s0x%02x,", i % 16 ? "" : "\n    ", p[i]);
    printf("\n    0x00};\n");
}

/* A pointer into the set's text, as an address constant (or NULL). */
static void text_ref(const char *p)
{
    if (!p) {
        printf("NULL");
        return;
    }
    if (p < set.text || p >= set.text + set.ntext) {
        fputs("gen_builtin: a layout's text outside the set\n", stderr);
        exit(1);
    }
    printf("&sm_builtin_layout_set.text[%zu]", (size_t)(p - set.text));
}

static void field(const sm_layout_field *f)
{
    printf("{%u, {%u, %u, %u, %u, %u, %u}, %d, %u}", f->flags, f->obis.a, f->obis.b, f->obis.c,
           f->obis.d, f->obis.e, f->obis.f, f->scaler, f->unit);
}

static void layout(const sm_layout *l, char *const *files, int nfiles)
{
    int fi = 0;
    while (fi < nfiles && strcmp(l->file, base_name(files[fi])) != 0)
        fi++;
    if (fi == nfiles) {
        fputs("gen_builtin: a layout from no file\n", stderr);
        exit(1);
    }
    printf("    {.name = ");
    text_ref(l->name);
    printf(", .description = ");
    text_ref(l->description);
    printf(", .source = ");
    text_ref(l->source);
    printf(",\n     .file = \"%s\", .line = %u, .form = %u, .class_rules = %u, .count = %u,\n",
           base_name(files[fi]), l->line, l->form, l->class_rules, l->count);
    if (l->types)
        printf("     .types = &sm_builtin_layout_set.types[%zu],\n", (size_t)(l->types - set.types));
    printf("     .match = {");
    if (!l->nmatch)
        printf("{0}");
    for (unsigned i = 0; i < l->nmatch; i++) {
        const sm_layout_match *m = &l->match[i];
        printf("{%u, %u, %u, (const uint8_t *)", m->pos, m->kind, m->type);
        text_ref((const char *)m->bytes);
        printf(", %u}, ", m->len);
    }
    printf("}, .nmatch = %u,\n", l->nmatch);
    if (l->nfields)
        printf("     .fields = &sm_builtin_layout_set.fields[%zu], .nfields = %u,\n",
               (size_t)(l->fields - set.fields), l->nfields);
    printf("     .last_field = %s, .last = ", l->last_field ? "true" : "false");
    field(&l->last);
    if (l->nimplied)
        printf(",\n     .implied = &sm_builtin_layout_set.implied[%zu], .nimplied = %u",
               (size_t)(l->implied - set.implied), l->nimplied);
    printf("},\n");
}

static void obis(const sm_obis *o)
{
    printf("{%u, %u, %u, %u, %u, %u}", o->a, o->b, o->c, o->d, o->e, o->f);
}

static void quirk(const sm_quirk *q)
{
    printf("    {.name = ");
    text_ref(q->name);
    printf(", .description = ");
    text_ref(q->description);
    printf(", .source = ");
    text_ref(q->source);
    printf(",\n     .file = \"%s\", .line = %u, .makers = {", q->file, q->line);
    for (unsigned i = 0; i < q->nmakers; i++)
        printf("\"%.3s\", ", q->makers[i]);
    printf("}, .nmakers = %u,\n     .number_from = \"%s\", .number_below = \"%s\", "
           ".firmware = ", q->nmakers, q->number_from, q->number_below);
    text_ref(q->firmware);
    printf(",\n     .actions = {");
    for (unsigned i = 0; i < q->nactions; i++) {
        const sm_quirk_action *a = &q->actions[i];
        printf("{%u, %u, %u, ", a->kind, a->bit, a->width);
        obis(&a->code);
        printf(", ");
        obis(&a->status);
        printf(", ");
        obis(&a->as);
        printf("}, ");
    }
    printf("}, .nactions = %u},\n", q->nactions);
}

int main(int argc, char **argv)
{
    sm_layout_set_init(&set);
    char *texts[64];
    size_t lens[64];
    if (argc - 1 > 64) {
        fputs("gen_builtin: too many files\n", stderr);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        texts[i - 1] = slurp(argv[i], &lens[i - 1]);
        sm_layout_error err;
        if (sm_layout_set_parse(&set, texts[i - 1], lens[i - 1], base_name(argv[i]), &err)) {
            fprintf(stderr, "%s:%u: %s\n", argv[i], err.line, err.message);
            for (int k = 0; k < i; k++)
                free(texts[k]);
            return 1;
        }
    }
    printf("/* generated by shared/layouts/gen_builtin from the files of shared/layouts/:\n"
           " * do not edit */\n#include \"sm_layout.h\"\n\n");
    for (int i = 0; i < argc - 1; i++) {
        char name[32];
        snprintf(name, sizeof name, "file_%d", i);
        bytes(name, (const uint8_t *)texts[i], lens[i]);
    }
    printf("const sm_layout_file sm_builtin_layout_files[] = {\n");
    for (int i = 0; i < argc - 1; i++)
        printf("    {\"%s\", (const char *)file_%d},\n", base_name(argv[i + 1]), i);
    printf("};\nconst size_t sm_builtin_layout_files_count = %d;\n\n", argc - 1);

    printf("const sm_layout_set sm_builtin_layout_set = {\n  .layouts = {\n");
    for (size_t i = 0; i < set.n; i++)
        layout(&set.layouts[i], argv + 1, argc - 1);
    printf("  },\n  .n = %zu,\n  .fields = {\n", set.n);
    for (size_t i = 0; i < set.nfields; i++) {
        printf("    ");
        field(&set.fields[i]);
        printf(",\n");
    }
    printf("  },\n  .nfields = %zu,\n  .types = {", set.nfields);
    for (size_t i = 0; i < set.ntypes; i++)
        printf("%s%u,", i % 16 ? "" : "\n    ", set.types[i]);
    printf("\n  },\n  .ntypes = %zu,\n  .implied = {\n", set.ntypes);
    for (size_t i = 0; i < set.nimplied; i++) {
        const sm_implied *m = &set.implied[i];
        printf("    {%u, %u, %u, %d, %u, %u},\n", m->c, m->d, m->e, m->scaler, m->unit, m->fit);
    }
    printf("  },\n  .nimplied = %zu,\n  .quirks = {\n", set.nimplied);
    for (size_t i = 0; i < set.nquirks; i++)
        quirk(&set.quirks[i]);
    printf("  },\n  .nquirks = %zu,\n  .text = {", set.nquirks);
    for (size_t i = 0; i < set.ntext; i++) {
        unsigned char c = (unsigned char)set.text[i];
        printf(c < 0x80 ? "%s%u," : "%s(char)0x%02x,", i % 16 ? "" : "\n    ", c);
    }
    printf("\n  },\n  .ntext = %zu,\n};\n", set.ntext);
    for (int i = 0; i < argc - 1; i++)
        free(texts[i]);
    return ferror(stdout) ? 1 : 0;
}
