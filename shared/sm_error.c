/* sm_error.c - messages and names for sm_err. */
#include "sm_error.h"

#include <stddef.h>
#include <stdio.h>

struct err_entry {
    sm_err code;
    const char *name;
    const char *msg;
};

static const struct err_entry err_table[] = {
#define SM_X_ENTRY(sym, code, name, msg) {sym, name, msg},
    SM_ERRORS(SM_X_ENTRY)
#undef SM_X_ENTRY
};

static const struct err_entry *find(sm_err err)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == err)
            return &err_table[i];
    return NULL;
}

const char *sm_strerror(sm_err err)
{
    const struct err_entry *e = find(err);
    return e ? e->msg : "unknown error";
}

const char *sm_errname(sm_err err)
{
    const struct err_entry *e = find(err);
    return e ? e->name : "unknown";
}

sm_layer sm_errlayer(sm_err err)
{
    switch ((int)err / 100) {
    case 0: return SM_LAYER_NONE;
    case 1: return SM_LAYER_INPUT;
    case 2: return SM_LAYER_LINK;
    case 3: return SM_LAYER_SECURITY;
    case 4: return SM_LAYER_APDU;
    case 5: return SM_LAYER_AXDR;
    case 6: return SM_LAYER_READINGS;
    case 7: return SM_LAYER_P1;
    case 8: return SM_LAYER_SML;
    case 9: return SM_LAYER_TIC;
    default: return SM_LAYER_NONE;
    }
}

const char *sm_layername(sm_layer layer)
{
    static const char *const names[] = {"none", "input", "link", "security",
                                        "apdu", "a-xdr", "readings", "p1", "sml", "tic"};
    if ((unsigned)layer < sizeof names / sizeof names[0])
        return names[layer];
    return "none";
}

size_t sm_choices_text(const char *const *names, size_t n, const char *extra, char *buf,
                       size_t cap)
{
    size_t len = 0, all = n + (extra != NULL);
    for (size_t i = 0; i < all; i++) {
        const char *sep = i == 0 ? "" : i + 1 == all ? " or " : ", ";
        int k = snprintf(buf + (len < cap ? len : cap), len < cap ? cap - len : 0, "%s%s", sep,
                         i < n ? names[i] : extra);
        len += k > 0 ? (size_t)k : 0;
    }
    if (all == 0 && cap > 0)
        buf[0] = '\0';
    return len;
}
