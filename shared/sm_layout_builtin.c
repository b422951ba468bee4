/* sm_layout_builtin.c - the layouts built into the decoder: the constant set
 * that shared/layouts/gen_builtin made from shared/layouts/ at build time
 * (sm_layouts_builtin.c), and the users' files checked against it. */
#include "sm_layout.h"

const sm_layout_set *sm_layouts_builtin(void) { return &sm_builtin_layout_set; }

sm_err sm_layout_set_parse_user(sm_layout_set *s, const char *text, size_t len, const char *file,
                                sm_layout_error *err)
{
    return sm_layout_set_parse_except(s, text, len, file, &sm_builtin_layout_set, err);
}
