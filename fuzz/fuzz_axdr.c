/* fuzz_axdr.c - the A-XDR decoder (IEC 62056-6-2 Data).
 *
 * Byte 0 sets the node capacity (1..1024 over a few steps); the rest is one
 * Data element.  Properties: when the tree reads, its root's subtree is
 * every node, depths step by at most one, every node lies inside the input,
 * and sm_axdr_skip() consumes exactly the bytes the tree did. */
#include "fuzz.h"
#include "sm_axdr.h"
#include "sm_decoder.h"

static sm_node nodes[SM_MAX_NODES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {1, 2, 7, 64, 255, SM_MAX_NODES};
    if (size < 1)
        return 0;
    size_t cap = caps[data[0] % (sizeof caps / sizeof caps[0])];
    data++;
    size--;
    sm_cur c = sm_cur_make(data, size);
    size_t n = 0;
    sm_err e = sm_axdr_tree(&c, nodes, cap, &n);
    if (e != SM_OK) {
        size_t off = sm_cur_off(&c);
        if (off > size)
            FUZZ_FAIL("error offset %zu beyond %zu bytes", off, size);
        return 0;
    }
    if (n == 0 || n > cap || nodes[0].subtree != n || nodes[0].item.offset != 0)
        FUZZ_FAIL("tree of %zu nodes, root subtree %u", n, (unsigned)nodes[0].subtree);
    size_t end = sm_cur_off(&c);
    double sink = 0;
    for (size_t i = 0; i < n; i++) {
        const sm_axdr_item *it = &nodes[i].item;
        if (i && nodes[i].depth > nodes[i - 1].depth + 1)
            FUZZ_FAIL("depth jumps at node %zu", i);
        if (nodes[i].subtree < 1 || i + nodes[i].subtree > n)
            FUZZ_FAIL("subtree of node %zu out of range", i);
        if (it->offset >= end || (it->bytes && (it->bytes < data || it->bytes + it->len > data + end)))
            FUZZ_FAIL("node %zu outside the element", i);
        if (!sm_axdr_type_name(it->type) || !sm_axdr_gurux_name(it->type))
            FUZZ_FAIL("node %zu has a type without a name", i);
        if (sm_axdr_is_numeric(it->type))
            sink += sm_axdr_as_double(it);
    }
    (void)sink;
    sm_cur s = sm_cur_make(data, size);
    if (sm_axdr_skip(&s) != SM_OK || sm_cur_off(&s) != end)
        FUZZ_FAIL("skip and tree disagree about the element's end (%zu)", end);
    return 0;
}
