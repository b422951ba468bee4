/* sm_limits.h - the core's fixed bounds, in one place.  Every buffer of the
 * core has one of these sizes; nothing is sized from wire data.  Input
 * beyond them is an error for that telegram (SM_ERR_OVERSIZE,
 * SM_ERR_AXDR_DEPTH, SM_ERR_AXDR_COUNT, SM_ERR_TOO_MANY_READINGS), never an
 * overflow. */
#ifndef SM_LIMITS_H
#define SM_LIMITS_H

#define SM_APDU_MAX 8192       /* largest APDU, after reassembly or decryption */
#define SM_LINK_FRAME_MAX 2050 /* largest frame: HDLC flag + 2047 + flag (M-Bus: 261) */
#define SM_MAX_FRAME_INFO 32   /* frames recorded per telegram for display */
#define SM_AXDR_MAX_DEPTH 16   /* A-XDR containers nested in a body */
#define SM_MAX_NODES 1024      /* A-XDR elements in a body */
#define SM_MAX_READINGS 256    /* readings in a telegram */
#define SM_P1_MAX SM_APDU_MAX  /* largest P1 telegram (real ones: about 2 KB at most) */
#define SM_TIC_MAX 4096        /* largest TIC frame (real ones: 1.3 KB three-phase standard) */

/* Fields of the core's caller-owned structs that callers must not touch:
 * read them through the accessor functions.  Outside the file that owns
 * them their names change, so that code which reaches in does not compile
 * (the owner defines SM_ALLOW_PRIVATE_ACCESS). */
#ifdef SM_ALLOW_PRIVATE_ACCESS
#define SM_PRIVATE(member) member
#else
#define SM_PRIVATE(member) private_##member
#endif

#endif
