/*
 * lber_bench: the native reference of the ldapber benchmark suite.
 *
 * OpenLDAP's liblber, driven the way libldap and slapd drive it, on the same
 * PDUs as the Python contenders.  Built and run by bench/native/__init__.py;
 * see its docstring for what is measured and why it is fair.
 *
 * Usage:
 *   lber_bench [--rounds N] [--min-ns NS] [--stream FILE] [--encode-out FILE]
 *              [--no-der] [--no-time] CORPUS
 *
 * CORPUS holds the PDUs, each as
 *   [u32 LE name length][name][u32 LE PDU length][PDU bytes]
 * repeated to the end of the file.  --stream FILE is a raw buffer of PDUs back
 * to back.  --encode-out FILE receives, in the corpus format, what ber_printf
 * produced for each message it could build.  --no-time walks and encodes once
 * (counts and outputs only).  --no-der encodes with ber_alloc_t(0) instead of
 * LBER_USE_DER: liblber then writes every constructed length in the 4-byte
 * long form (30 84 00 00 00 xx) and skips the move that minimal lengths need.
 * The results go to stdout as one JSON object.
 *
 * DECODE WALK (timed per PDU): ber_init2 over the caller's bytes (no copy) on
 * a BerElement allocated once, then a recursive walk of every element:
 * constructed ones are entered with ber_first_element / ber_next_element
 * (and must end exactly where their length says), primitive ones are read
 * with the getter their type calls for: ber_get_int (INTEGER,
 * [APPLICATION 16] AbandonRequest), ber_get_enum, ber_get_boolean (BOOLEAN,
 * the [4] dnAttributes of an extensibleMatch), ber_get_null (NULL,
 * [APPLICATION 2] UnbindRequest) and, for every other primitive (OCTET
 * STRINGs and their context/application-tagged forms), ber_get_stringbv with
 * LBER_BV_NOTERM: pointer and length into the input, nothing allocated or
 * written.  Element count and primitive content bytes are reported for the
 * Python side to cross-check.
 *
 * ENCODE (timed per PDU): ber_alloc_t(LBER_USE_DER), as libldap allocates
 * its requests, then one ber_printf sequence per protocolOp kind, the format
 * strings libldap / slapd use ("{it{O{" ... "{O[W]}" ... for an entry), then
 * ber_flatten2 without copy and ber_free.  The field values come from a C
 * tree built once from the PDU, outside the timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lber.h>
#if defined(__has_include)
#if __has_include(<ldap_features.h>)
#include <ldap_features.h>
#endif
#endif

#define MAX_DEPTH 128
#define MAX_ROUNDS 1000

/* Tags the generic walk reads with a non-string getter. */
#define TAG_UNBIND ((ber_tag_t)0x42)      /* [APPLICATION 2] NULL */
#define TAG_ABANDON ((ber_tag_t)0x50)     /* [APPLICATION 16] MessageID */
#define TAG_EXTENSIBLE ((ber_tag_t)0xa9)  /* Filter extensibleMatch [9] */
#define TAG_DN_ATTRS ((ber_tag_t)0x84)    /* its dnAttributes [4] BOOLEAN */

static volatile uint64_t g_sink;

/* ------------------------------------------------------------------ */
/* Corpus                                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    char *name;
    struct berval pdu;
} sample;

static int read_file(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, got;
    char *p;

    if (f == NULL)
        return -1;
    p = malloc(cap);
    while (p != NULL && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *q = realloc(p, cap *= 2);
            if (q == NULL)
                free(p);
            p = q;
        }
    }
    if (p == NULL || ferror(f)) {
        free(p);
        fclose(f);
        return -1;
    }
    fclose(f);
    *buf = p;
    *len = n;
    return 0;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Splits the corpus buffer into samples (pointing into it). */
static int parse_corpus(char *buf, size_t len, sample **out, size_t *count)
{
    size_t pos = 0, n = 0, cap = 16;
    sample *s = malloc(cap * sizeof *s);

    if (s == NULL)
        return -1;
    while (pos < len) {
        uint32_t nlen, plen;
        if (len - pos < 4 || (nlen = get_u32((unsigned char *)buf + pos)) > len - pos - 4)
            goto bad;
        pos += 4;
        if (n == cap) {
            sample *t = realloc(s, (cap *= 2) * sizeof *s);
            if (t == NULL)
                goto bad;
            s = t;
        }
        s[n].name = malloc(nlen + 1);
        if (s[n].name == NULL)
            goto bad;
        memcpy(s[n].name, buf + pos, nlen);
        s[n].name[nlen] = '\0';
        pos += nlen;
        if (len - pos < 4 || (plen = get_u32((unsigned char *)buf + pos)) > len - pos - 4) {
            free(s[n].name);
            goto bad;
        }
        pos += 4;
        s[n].pdu.bv_val = buf + pos;
        s[n].pdu.bv_len = plen;
        pos += plen;
        n++;
    }
    *out = s;
    *count = n;
    return 0;
bad:
    while (n > 0)
        free(s[--n].name);
    free(s);
    return -1;
}

static int write_u32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Decode walk                                                         */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *end;       /* end of the buffer the BerElement reads */
    size_t elements;       /* elements visited */
    size_t prim_bytes;     /* content bytes of the primitive elements */
    uint64_t sink;         /* the values read, folded so none is dead */
    const char *error;     /* why the walk stopped, NULL if it did not */
} walk_state;

/* The current read position: the buffer end minus what is left. */
static const char *ber_position(BerElement *ber, const walk_state *w)
{
    return w->end - ber_remaining(ber);
}

/* Walks the element whose tag and length the caller has just peeked (as
 * ber_first_element / ber_next_element return them). */
static int walk_element(BerElement *ber, ber_tag_t tag, ber_len_t len, ber_tag_t parent, unsigned depth,
                        walk_state *w)
{
    ber_int_t num;
    struct berval bv;

    w->elements++;
    if (tag & LBER_CONSTRUCTED) {
        char *last;
        ber_tag_t t;

        if (depth >= MAX_DEPTH) {
            w->error = "nested too deep";
            return -1;
        }
        for (t = ber_first_element(ber, &len, &last); t != LBER_DEFAULT; t = ber_next_element(ber, &len, last)) {
            if (walk_element(ber, t, len, tag, depth + 1, w) < 0)
                return -1;
        }
        if (last == NULL || ber_position(ber, w) != last) {
            w->error = "bad tag or length, or an element overruns its constructed parent";
            return -1;
        }
        return 0;
    }
    w->prim_bytes += len;
    switch (tag) {
    case LBER_BOOLEAN:
        tag = ber_get_boolean(ber, &num);
        w->sink += (uint64_t)num;
        break;
    case LBER_INTEGER:
    case TAG_ABANDON:
        tag = ber_get_int(ber, &num);
        w->sink += (uint64_t)num;
        break;
    case LBER_ENUMERATED:
        tag = ber_get_enum(ber, &num);
        w->sink += (uint64_t)num;
        break;
    case LBER_NULL:
    case TAG_UNBIND:
        tag = ber_get_null(ber);
        break;
    default:
        if (tag == TAG_DN_ATTRS && parent == TAG_EXTENSIBLE) {
            tag = ber_get_boolean(ber, &num);
            w->sink += (uint64_t)num;
            break;
        }
        tag = ber_get_stringbv(ber, &bv, LBER_BV_NOTERM);
        w->sink += (uint64_t)(uintptr_t)bv.bv_val + bv.bv_len;
        break;
    }
    if (tag == LBER_DEFAULT) {
        w->error = "primitive value rejected";
        return -1;
    }
    return 0;
}

/* Walks the next top-level element (one PDU). */
static int walk_next(BerElement *ber, walk_state *w)
{
    ber_len_t len;
    ber_tag_t tag = ber_peek_tag(ber, &len);

    if (tag == LBER_DEFAULT) {
        w->error = "bad tag or length";
        return -1;
    }
    return walk_element(ber, tag, len, 0, 0, w);
}

/* Walks one PDU that must fill bv exactly. */
static int walk_pdu(BerElement *ber, struct berval *bv, walk_state *w)
{
    ber_init2(ber, bv, 0);
    w->end = bv->bv_val + bv->bv_len;
    if (walk_next(ber, w) < 0)
        return -1;
    if (ber_remaining(ber) != 0) {
        w->error = "trailing bytes after the PDU";
        return -1;
    }
    return 0;
}

/* Walks a buffer of PDUs back to back; *pdus receives their number. */
static int walk_stream(BerElement *ber, struct berval *bv, walk_state *w, size_t *pdus)
{
    size_t n = 0;

    ber_init2(ber, bv, 0);
    w->end = bv->bv_val + bv->bv_len;
    while (ber_remaining(ber) > 0) {
        if (walk_next(ber, w) < 0)
            return -1;
        n++;
    }
    *pdus = n;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The value tree the encoders take their fields from (built untimed)  */
/* ------------------------------------------------------------------ */

typedef struct node {
    ber_tag_t tag;
    int constructed;
    ber_int_t num;          /* INTEGER / ENUMERATED / BOOLEAN value */
    struct berval bv;       /* other primitives: the value, in the PDU */
    struct node *kids;
    size_t nkids;
    struct berval *vals;    /* constructed: its primitive kids' values as a
                               BerVarray (for "W"), bv_val NULL at the end */
} node;

static char empty_value[1] = "";

static void free_tree(node *n)
{
    size_t i;

    for (i = 0; i < n->nkids; i++)
        free_tree(&n->kids[i]);
    free(n->kids);
    free(n->vals);
}

static int read_tree(BerElement *ber, node *n, ber_tag_t parent, unsigned depth)
{
    ber_len_t len;
    ber_tag_t tag = ber_peek_tag(ber, &len);

    memset(n, 0, sizeof *n);
    if (tag == LBER_DEFAULT || depth >= MAX_DEPTH)
        return -1;
    n->tag = tag;
    if (tag & LBER_CONSTRUCTED) {
        char *last;
        ber_tag_t t;
        size_t cap = 0, i;

        n->constructed = 1;
        for (t = ber_first_element(ber, &len, &last); t != LBER_DEFAULT; t = ber_next_element(ber, &len, last)) {
            if (n->nkids == cap) {
                node *k = realloc(n->kids, (cap = cap ? cap * 2 : 4) * sizeof *k);
                if (k == NULL)
                    return -1;
                n->kids = k;
            }
            if (read_tree(ber, &n->kids[n->nkids], tag, depth + 1) < 0) {
                free_tree(&n->kids[n->nkids]);
                return -1;
            }
            n->nkids++;
        }
        if (last == NULL)
            return -1;
        n->vals = calloc(n->nkids + 1, sizeof *n->vals);
        if (n->vals == NULL)
            return -1;
        for (i = 0; i < n->nkids; i++)
            n->vals[i] = n->kids[i].bv;
        return 0;
    }
    switch (tag) {
    case LBER_BOOLEAN:
        tag = ber_get_boolean(ber, &n->num);
        break;
    case LBER_INTEGER:
    case TAG_ABANDON:
        tag = ber_get_int(ber, &n->num);
        break;
    case LBER_ENUMERATED:
        tag = ber_get_enum(ber, &n->num);
        break;
    case LBER_NULL:
    case TAG_UNBIND:
        tag = ber_get_null(ber);
        break;
    default:
        if (tag == TAG_DN_ATTRS && parent == TAG_EXTENSIBLE) {
            tag = ber_get_boolean(ber, &n->num);
            break;
        }
        tag = ber_get_stringbv(ber, &n->bv, LBER_BV_NOTERM);
        if (n->bv.bv_val == NULL)  /* "W" stops at a NULL bv_val */
            n->bv.bv_val = empty_value;
        break;
    }
    return tag == LBER_DEFAULT ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Encoders: one ber_printf builder per protocolOp kind                */
/* ------------------------------------------------------------------ */

static const char *g_why;  /* why the last builder gave up */
static int g_ber_options = LBER_USE_DER;  /* what libldap allocates with */

#define NEED(cond, reason)        \
    do {                          \
        if (!(cond)) {            \
            g_why = (reason);     \
            return -1;            \
        }                         \
    } while (0)
#define PUT(args)                                 \
    do {                                          \
        if (ber_printf args == -1) {              \
            g_why = "ber_printf failed";          \
            return -1;                            \
        }                                         \
    } while (0)
#define T(tag) ((ber_tag_t)(tag))

static int prim(const node *n, ber_tag_t tag)
{
    return !n->constructed && n->tag == tag;
}

static int cons(const node *n, ber_tag_t tag)
{
    return n->constructed && n->tag == tag;
}

/* A constructed node whose kids are all primitive (values for "W"). */
static int value_list(const node *n, ber_tag_t tag)
{
    size_t i;

    if (!cons(n, tag))
        return 0;
    for (i = 0; i < n->nkids; i++)
        if (n->kids[i].constructed)
            return 0;
    return 1;
}

/* SEQUENCE { type, SET OF value }: PartialAttribute / Attribute. */
static int attribute(const node *a)
{
    return cons(a, LBER_SEQUENCE) && a->nkids == 2 && prim(&a->kids[0], LBER_OCTETSTRING) &&
           value_list(&a->kids[1], LBER_SET);
}

typedef int (*builder)(BerElement *ber, ber_int_t id, const node *op);

static int put_filter(BerElement *ber, const node *f, unsigned depth)
{
    size_t i;

    NEED(depth < MAX_DEPTH, "filter nested too deep");
    switch (f->tag) {
    case 0xa0: /* and */
    case 0xa1: /* or */
        PUT((ber, "t{", f->tag));
        for (i = 0; i < f->nkids; i++)
            if (put_filter(ber, &f->kids[i], depth + 1) < 0)
                return -1;
        PUT((ber, "}"));
        return 0;
    case 0xa2: /* not */
        NEED(f->nkids == 1, "not filter without exactly one operand");
        PUT((ber, "t{", f->tag));
        if (put_filter(ber, &f->kids[0], depth + 1) < 0)
            return -1;
        PUT((ber, "}"));
        return 0;
    case 0xa3: /* equalityMatch */
    case 0xa5: /* greaterOrEqual */
    case 0xa6: /* lessOrEqual */
    case 0xa8: /* approxMatch */
        NEED(f->nkids == 2 && prim(&f->kids[0], LBER_OCTETSTRING) && prim(&f->kids[1], LBER_OCTETSTRING),
             "malformed attribute value assertion");
        PUT((ber, "t{OO}", f->tag, &f->kids[0].bv, &f->kids[1].bv));
        return 0;
    case 0xa4: { /* substrings */
        const node *subs;
        NEED(f->nkids == 2 && prim(&f->kids[0], LBER_OCTETSTRING) && value_list(&f->kids[1], LBER_SEQUENCE),
             "malformed substrings filter");
        subs = &f->kids[1];
        PUT((ber, "t{O{", f->tag, &f->kids[0].bv));
        for (i = 0; i < subs->nkids; i++) {
            NEED(subs->kids[i].tag >= 0x80 && subs->kids[i].tag <= 0x82, "unknown substring choice");
            PUT((ber, "tO", subs->kids[i].tag, &subs->kids[i].bv));
        }
        PUT((ber, "}}"));
        return 0;
    }
    case 0x87: /* present */
        PUT((ber, "tO", f->tag, &f->bv));
        return 0;
    case 0xa9: /* extensibleMatch */
        PUT((ber, "t{", f->tag));
        for (i = 0; i < f->nkids; i++) {
            const node *k = &f->kids[i];
            if (prim(k, TAG_DN_ATTRS))
                PUT((ber, "tb", k->tag, k->num));
            else {
                NEED(prim(k, 0x81) || prim(k, 0x82) || prim(k, 0x83), "unknown extensibleMatch field");
                PUT((ber, "tO", k->tag, &k->bv));
            }
        }
        PUT((ber, "}"));
        return 0;
    default:
        g_why = "unknown filter choice";
        return -1;
    }
}

static int b_bind_request(BerElement *ber, ber_int_t id, const node *op)
{
    const node *auth;

    NEED(op->nkids == 3 && prim(&op->kids[0], LBER_INTEGER) && prim(&op->kids[1], LBER_OCTETSTRING),
         "malformed BindRequest");
    auth = &op->kids[2];
    if (prim(auth, 0x80)) { /* simple */
        PUT((ber, "{it{iOtO}", id, op->tag, op->kids[0].num, &op->kids[1].bv, auth->tag, &auth->bv));
        return 0;
    }
    NEED(value_list(auth, 0xa3) && auth->nkids >= 1 && auth->nkids <= 2, "BindRequest authentication not simple or SASL");
    PUT((ber, "{it{iOt{O", id, op->tag, op->kids[0].num, &op->kids[1].bv, auth->tag, &auth->kids[0].bv));
    if (auth->nkids == 2)
        PUT((ber, "O", &auth->kids[1].bv));
    PUT((ber, "}}"));
    return 0;
}

/* LDAPResult and the responses that extend it with tagged primitives. */
static int b_result(BerElement *ber, ber_int_t id, const node *op)
{
    size_t i = 3;

    NEED(op->nkids >= 3 && prim(&op->kids[0], LBER_ENUMERATED) && prim(&op->kids[1], LBER_OCTETSTRING) &&
             prim(&op->kids[2], LBER_OCTETSTRING),
         "malformed LDAPResult");
    PUT((ber, "{it{eOO", id, op->tag, op->kids[0].num, &op->kids[1].bv, &op->kids[2].bv));
    if (i < op->nkids && op->kids[i].tag == 0xa3) { /* referral */
        NEED(value_list(&op->kids[i], 0xa3), "malformed referral");
        PUT((ber, "t{W}", op->kids[i].tag, op->kids[i].vals));
        i++;
    }
    for (; i < op->nkids; i++) {
        const node *k = &op->kids[i];
        /* BindResponse serverSaslCreds [7]; ExtendedResponse responseName
         * [10] and responseValue [11] */
        NEED(!k->constructed && ((op->tag == 0x61 && k->tag == 0x87) ||
                                 (op->tag == 0x78 && (k->tag == 0x8a || k->tag == 0x8b))),
             "unknown field after LDAPResult");
        PUT((ber, "tO", k->tag, &k->bv));
    }
    PUT((ber, "}"));
    return 0;
}

static int b_search_request(BerElement *ber, ber_int_t id, const node *op)
{
    const node *k = op->kids;

    NEED(op->nkids == 8 && prim(&k[0], LBER_OCTETSTRING) && prim(&k[1], LBER_ENUMERATED) &&
             prim(&k[2], LBER_ENUMERATED) && prim(&k[3], LBER_INTEGER) && prim(&k[4], LBER_INTEGER) &&
             prim(&k[5], LBER_BOOLEAN) && value_list(&k[7], LBER_SEQUENCE),
         "malformed SearchRequest");
    PUT((ber, "{it{Oeeiib", id, op->tag, &k[0].bv, k[1].num, k[2].num, k[3].num, k[4].num, k[5].num));
    if (put_filter(ber, &k[6], 0) < 0)
        return -1;
    PUT((ber, "{W}}", k[7].vals));
    return 0;
}

/* SearchResultEntry and AddRequest: name, SEQUENCE OF attribute. */
static int b_entry(BerElement *ber, ber_int_t id, const node *op)
{
    const node *attrs;
    size_t i;

    NEED(op->nkids == 2 && prim(&op->kids[0], LBER_OCTETSTRING) && cons(&op->kids[1], LBER_SEQUENCE),
         "malformed entry");
    attrs = &op->kids[1];
    PUT((ber, "{it{O{", id, op->tag, &op->kids[0].bv));
    for (i = 0; i < attrs->nkids; i++) {
        const node *a = &attrs->kids[i];
        NEED(attribute(a), "malformed attribute");
        PUT((ber, "{O[W]}", &a->kids[0].bv, a->kids[1].vals));
    }
    PUT((ber, "}}"));
    return 0;
}

static int b_modify_request(BerElement *ber, ber_int_t id, const node *op)
{
    const node *changes;
    size_t i;

    NEED(op->nkids == 2 && prim(&op->kids[0], LBER_OCTETSTRING) && cons(&op->kids[1], LBER_SEQUENCE),
         "malformed ModifyRequest");
    changes = &op->kids[1];
    PUT((ber, "{it{O{", id, op->tag, &op->kids[0].bv));
    for (i = 0; i < changes->nkids; i++) {
        const node *c = &changes->kids[i], *a;
        NEED(cons(c, LBER_SEQUENCE) && c->nkids == 2 && prim(&c->kids[0], LBER_ENUMERATED) &&
                 attribute(&c->kids[1]),
             "malformed change");
        a = &c->kids[1];
        PUT((ber, "{e{O[W]}}", c->kids[0].num, &a->kids[0].bv, a->kids[1].vals));
    }
    PUT((ber, "}}"));
    return 0;
}

static int b_del_request(BerElement *ber, ber_int_t id, const node *op)
{
    NEED(!op->constructed, "malformed DelRequest");
    PUT((ber, "{itO", id, op->tag, &op->bv));
    return 0;
}

static int b_modify_dn_request(BerElement *ber, ber_int_t id, const node *op)
{
    const node *k = op->kids;

    NEED((op->nkids == 3 || (op->nkids == 4 && prim(&k[3], 0x80))) && prim(&k[0], LBER_OCTETSTRING) &&
             prim(&k[1], LBER_OCTETSTRING) && prim(&k[2], LBER_BOOLEAN),
         "malformed ModifyDNRequest");
    PUT((ber, "{it{OOb", id, op->tag, &k[0].bv, &k[1].bv, k[2].num));
    if (op->nkids == 4)
        PUT((ber, "tO", k[3].tag, &k[3].bv));
    PUT((ber, "}"));
    return 0;
}

static int b_compare_request(BerElement *ber, ber_int_t id, const node *op)
{
    const node *ava;

    NEED(op->nkids == 2 && prim(&op->kids[0], LBER_OCTETSTRING) && value_list(&op->kids[1], LBER_SEQUENCE) &&
             op->kids[1].nkids == 2,
         "malformed CompareRequest");
    ava = &op->kids[1];
    PUT((ber, "{it{O{OO}}", id, op->tag, &op->kids[0].bv, &ava->kids[0].bv, &ava->kids[1].bv));
    return 0;
}

static int b_abandon_request(BerElement *ber, ber_int_t id, const node *op)
{
    NEED(!op->constructed, "malformed AbandonRequest");
    PUT((ber, "{iti", id, op->tag, op->num));
    return 0;
}

static int b_unbind_request(BerElement *ber, ber_int_t id, const node *op)
{
    NEED(!op->constructed, "malformed UnbindRequest");
    PUT((ber, "{itn", id, op->tag));
    return 0;
}

/* SearchResultReference: SEQUENCE OF URI. */
static int b_search_reference(BerElement *ber, ber_int_t id, const node *op)
{
    NEED(value_list(op, op->tag), "malformed SearchResultReference");
    PUT((ber, "{it{W}", id, op->tag, op->vals));
    return 0;
}

/* ExtendedRequest ([0] name, [1] value) and IntermediateResponse ([0], [1]
 * both optional): a sequence of tagged octet strings. */
static int b_tagged_strings(BerElement *ber, ber_int_t id, const node *op)
{
    size_t i;

    NEED(value_list(op, op->tag) && op->nkids <= 2, "malformed extended operation");
    NEED(op->tag != 0x77 || (op->nkids >= 1 && op->kids[0].tag == 0x80), "ExtendedRequest without a name");
    PUT((ber, "{it{", id, op->tag));
    for (i = 0; i < op->nkids; i++) {
        NEED(op->kids[i].tag == 0x80 + i || (op->tag == 0x79 && op->kids[i].tag == 0x81), "unknown field");
        PUT((ber, "tO", op->kids[i].tag, &op->kids[i].bv));
    }
    PUT((ber, "}"));
    return 0;
}

static int put_controls(BerElement *ber, const node *ctls)
{
    size_t i;

    PUT((ber, "t{", ctls->tag));
    for (i = 0; i < ctls->nkids; i++) {
        const node *c = &ctls->kids[i];
        size_t j = 1;
        NEED(value_list(c, LBER_SEQUENCE) && c->nkids >= 1 && c->nkids <= 3 && c->kids[0].tag == LBER_OCTETSTRING,
             "malformed control");
        PUT((ber, "{O", &c->kids[0].bv));
        if (j < c->nkids && c->kids[j].tag == LBER_BOOLEAN)
            PUT((ber, "b", c->kids[j++].num));
        if (j < c->nkids && c->kids[j].tag == LBER_OCTETSTRING)
            PUT((ber, "O", &c->kids[j++].bv));
        NEED(j == c->nkids, "malformed control");
        PUT((ber, "}"));
    }
    PUT((ber, "}"));
    return 0;
}

static builder builder_for(ber_tag_t op)
{
    switch (op) {
    case 0x60: return b_bind_request;
    case 0x61: /* BindResponse */
    case 0x65: /* SearchResultDone */
    case 0x67: /* ModifyResponse */
    case 0x69: /* AddResponse */
    case 0x6b: /* DelResponse */
    case 0x6d: /* ModifyDNResponse */
    case 0x6f: /* CompareResponse */
    case 0x78: /* ExtendedResponse */
        return b_result;
    case 0x42: return b_unbind_request;
    case 0x63: return b_search_request;
    case 0x64: return b_entry;       /* SearchResultEntry */
    case 0x66: return b_modify_request;
    case 0x68: return b_entry;       /* AddRequest */
    case 0x4a: return b_del_request;
    case 0x6c: return b_modify_dn_request;
    case 0x6e: return b_compare_request;
    case 0x50: return b_abandon_request;
    case 0x73: return b_search_reference;
    case 0x77: /* ExtendedRequest */
    case 0x79: /* IntermediateResponse */
        return b_tagged_strings;
    default: return NULL;
    }
}

static const char *kind_name(ber_tag_t op)
{
    switch (op) {
    case 0x60: return "BindRequest";
    case 0x61: return "BindResponse";
    case 0x42: return "UnbindRequest";
    case 0x63: return "SearchRequest";
    case 0x64: return "SearchResultEntry";
    case 0x65: return "SearchResultDone";
    case 0x73: return "SearchResultReference";
    case 0x66: return "ModifyRequest";
    case 0x67: return "ModifyResponse";
    case 0x68: return "AddRequest";
    case 0x69: return "AddResponse";
    case 0x4a: return "DelRequest";
    case 0x6b: return "DelResponse";
    case 0x6c: return "ModifyDNRequest";
    case 0x6d: return "ModifyDNResponse";
    case 0x6e: return "CompareRequest";
    case 0x6f: return "CompareResponse";
    case 0x50: return "AbandonRequest";
    case 0x77: return "ExtendedRequest";
    case 0x78: return "ExtendedResponse";
    case 0x79: return "IntermediateResponse";
    default: return NULL;
    }
}

/* Checks the LDAPMessage envelope once; *fn receives the op's builder. */
static const char *encodable(const node *m, builder *fn)
{
    if (!cons(m, LBER_SEQUENCE) || m->nkids < 2 || m->nkids > 3 || !prim(&m->kids[0], LBER_INTEGER))
        return "not an LDAPMessage";
    if (m->nkids == 3 && !cons(&m->kids[2], 0xa0))
        return "unknown field after the protocolOp";
    if ((*fn = builder_for(m->kids[1].tag)) == NULL)
        return "no ber_printf builder for this protocolOp";
    return NULL;
}

static int build_message(BerElement *ber, const node *m, builder fn)
{
    if (fn(ber, m->kids[0].num, &m->kids[1]) < 0)
        return -1;
    if (m->nkids == 3 && put_controls(ber, &m->kids[2]) < 0)
        return -1;
    PUT((ber, "}"));
    return 0;
}

/* One encode as timed: allocate, print, flatten without copy, free. */
static int encode_once(const node *m, builder fn, uint64_t *sink, FILE *out, const char *name)
{
    BerElement *ber = ber_alloc_t(g_ber_options);
    struct berval bv;
    int rc = -1;

    if (ber == NULL) {
        g_why = "ber_alloc_t failed";
        return -1;
    }
    if (build_message(ber, m, fn) == 0) {
        if (ber_flatten2(ber, &bv, 0) != 0) {
            g_why = "ber_flatten2 failed";
        } else {
            *sink += bv.bv_len;
            rc = (int)(bv.bv_len > INT_MAX ? INT_MAX : bv.bv_len);
            if (out != NULL) {
                size_t nlen = strlen(name);
                if (write_u32(out, (uint32_t)nlen) < 0 || fwrite(name, 1, nlen, out) != nlen ||
                    write_u32(out, (uint32_t)bv.bv_len) < 0 || fwrite(bv.bv_val, 1, bv.bv_len, out) != bv.bv_len) {
                    g_why = "cannot write the encode output";
                    rc = -1;
                }
            }
        }
    }
    ber_free(ber, 1);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    BerElement *ber;   /* decode: the reusable reader */
    struct berval *pdu;
    const node *tree;  /* encode: the values */
    builder fn;
    size_t pdus;       /* stream: PDUs expected */
} job;

typedef int (*timed_fn)(job *j, size_t iters);

static int run_decode(job *j, size_t iters)
{
    walk_state w;
    uint64_t sink = 0;

    while (iters--) {
        w.elements = w.prim_bytes = 0;
        w.sink = 0;
        w.error = NULL;
        if (walk_pdu(j->ber, j->pdu, &w) < 0)
            return -1;
        sink += w.sink + w.elements;
    }
    g_sink += sink;
    return 0;
}

static int run_encode(job *j, size_t iters)
{
    uint64_t sink = 0;

    while (iters--)
        if (encode_once(j->tree, j->fn, &sink, NULL, NULL) < 0)
            return -1;
    g_sink += sink;
    return 0;
}

static int run_stream(job *j, size_t iters)
{
    walk_state w;
    size_t pdus;
    uint64_t sink = 0;

    while (iters--) {
        w.elements = w.prim_bytes = 0;
        w.sink = 0;
        w.error = NULL;
        if (walk_stream(j->ber, j->pdu, &w, &pdus) < 0 || pdus != j->pdus)
            return -1;
        sink += w.sink + w.elements;
    }
    g_sink += sink;
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median ns per call over `rounds` rounds of `*iters` calls each, *iters
 * calibrated so that a round lasts at least min_ns.  -1 on error. */
static double time_median(timed_fn fn, job *j, int rounds, uint64_t min_ns, size_t *iters)
{
    double per_call[MAX_ROUNDS];
    size_t n = 1;
    uint64_t t;
    int r;

    for (;;) {
        t = now_ns();
        if (fn(j, n) < 0)
            return -1;
        t = now_ns() - t;
        if (t >= min_ns || n >= ((size_t)1 << 40))
            break;
        if (t < min_ns / 64)
            n *= 16;
        else
            n = (size_t)((double)n * 1.25 * (double)min_ns / (double)t) + 1;
    }
    for (r = 0; r < rounds; r++) {
        t = now_ns();
        if (fn(j, n) < 0)
            return -1;
        per_call[r] = (double)(now_ns() - t) / (double)n;
    }
    qsort(per_call, (size_t)rounds, sizeof per_call[0], cmp_double);
    *iters = n;
    return rounds % 2 ? per_call[rounds / 2] : (per_call[rounds / 2 - 1] + per_call[rounds / 2]) / 2;
}

/* ------------------------------------------------------------------ */
/* JSON output                                                         */
/* ------------------------------------------------------------------ */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_str_or_null(const char *s)
{
    if (s == NULL)
        fputs("null", stdout);
    else
        json_str(s);
}

static void json_num_or_null(double v)
{
    if (v < 0)
        fputs("null", stdout);
    else
        printf("%.1f", v);
}

static int find_lber(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (info->dlpi_name != NULL && strstr(info->dlpi_name, "liblber") != NULL) {
        *(const char **)data = info->dlpi_name;
        return 1;
    }
    return 0;
}

static void print_library(void)
{
    const char *loaded = NULL;
    char real[PATH_MAX];

    fputs("\"liblber\": {", stdout);
#ifdef LDAP_VENDOR_VERSION
    printf("\"vendor_version\": \"%d.%d.%d\", ", LDAP_VENDOR_VERSION_MAJOR, LDAP_VENDOR_VERSION_MINOR,
           LDAP_VENDOR_VERSION_PATCH);
#else
    fputs("\"vendor_version\": null, ", stdout);
#endif
#ifdef LDAP_VENDOR_NAME
    fputs("\"vendor_name\": ", stdout);
    json_str(LDAP_VENDOR_NAME);
    fputs(", ", stdout);
#endif
    dl_iterate_phdr(find_lber, &loaded);
    fputs("\"library\": ", stdout);
    json_str_or_null(loaded != NULL && realpath(loaded, real) != NULL ? real : loaded);
    fputs("}", stdout);
}

/* ------------------------------------------------------------------ */

static int usage(void)
{
    fputs("usage: lber_bench [--rounds N] [--min-ns NS] [--stream FILE] [--encode-out FILE] [--no-der] [--no-time] CORPUS\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    int rounds = 15, timed = 1, i;
    uint64_t min_ns = 2000000;
    const char *corpus_path = NULL, *stream_path = NULL, *encode_path = NULL;
    char *corpus_buf = NULL, *stream_buf = NULL;
    size_t corpus_len = 0, stream_len = 0, nsamples = 0, k, iters;
    sample *samples = NULL;
    FILE *encode_out = NULL;
    BerElement *reader;
    job j = {0};
    double ns;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1 || rounds > MAX_ROUNDS)
                return usage();
        } else if (strcmp(argv[i], "--min-ns") == 0 && i + 1 < argc) {
            min_ns = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc) {
            stream_path = argv[++i];
        } else if (strcmp(argv[i], "--encode-out") == 0 && i + 1 < argc) {
            encode_path = argv[++i];
        } else if (strcmp(argv[i], "--no-der") == 0) {
            g_ber_options = 0;
        } else if (strcmp(argv[i], "--no-time") == 0) {
            timed = 0;
        } else if (argv[i][0] == '-' || corpus_path != NULL) {
            return usage();
        } else {
            corpus_path = argv[i];
        }
    }
    if (corpus_path == NULL)
        return usage();
    if (read_file(corpus_path, &corpus_buf, &corpus_len) < 0) {
        fprintf(stderr, "lber_bench: cannot read %s: %s\n", corpus_path, strerror(errno));
        return 1;
    }
    if (parse_corpus(corpus_buf, corpus_len, &samples, &nsamples) < 0) {
        fprintf(stderr, "lber_bench: %s is not a corpus file\n", corpus_path);
        return 1;
    }
    if (stream_path != NULL && read_file(stream_path, &stream_buf, &stream_len) < 0) {
        fprintf(stderr, "lber_bench: cannot read %s: %s\n", stream_path, strerror(errno));
        return 1;
    }
    if (encode_path != NULL && (encode_out = fopen(encode_path, "wb")) == NULL) {
        fprintf(stderr, "lber_bench: cannot write %s: %s\n", encode_path, strerror(errno));
        return 1;
    }
    reader = ber_alloc_t(0);
    if (reader == NULL) {
        fputs("lber_bench: ber_alloc_t failed\n", stderr);
        return 1;
    }

    putchar('{');
    print_library();
    printf(", \"ber_options\": \"%s\", \"rounds\": %d, \"min_round_ns\": %llu, \"timed\": %s, \"messages\": {",
           g_ber_options ? "LBER_USE_DER" : "0", timed ? rounds : 0, (unsigned long long)min_ns, timed ? "true" : "false");
    for (k = 0; k < nsamples; k++) {
        sample *s = &samples[k];
        walk_state w = {0};
        node tree;
        builder fn = NULL;
        const char *decode_error = NULL, *encode_error = NULL, *kind = NULL;
        double decode_ns = -1, encode_ns = -1;
        size_t decode_iters = 0, encode_iters = 0;
        int encoded_len = -1, have_tree = 0;
        uint64_t sink = 0;

        if (walk_pdu(reader, &s->pdu, &w) < 0) {
            decode_error = w.error;
            encode_error = "liblber rejected the PDU";
        } else {
            ber_init2(reader, &s->pdu, 0);
            if (read_tree(reader, &tree, 0, 0) < 0) {
                free_tree(&tree);
                encode_error = "cannot read the PDU into a value tree";
            } else {
                have_tree = 1;
                if (tree.nkids >= 2)
                    kind = kind_name(tree.kids[1].tag);
                if ((encode_error = encodable(&tree, &fn)) == NULL &&
                    (encoded_len = encode_once(&tree, fn, &sink, encode_out, s->name)) < 0)
                    encode_error = g_why;
            }
            j.ber = reader;
            j.pdu = &s->pdu;
            if (timed) {
                decode_ns = time_median(run_decode, &j, rounds, min_ns, &decode_iters);
                if (decode_ns < 0)
                    decode_error = "walk failed while timed";
            }
            if (timed && encode_error == NULL) {
                j.tree = &tree;
                j.fn = fn;
                encode_ns = time_median(run_encode, &j, rounds, min_ns, &encode_iters);
                if (encode_ns < 0)
                    encode_error = g_why;
            }
        }
        g_sink += sink;
        printf("%s\n", k ? "," : "");
        json_str(s->name);
        printf(": {\"bytes\": %zu, \"kind\": ", (size_t)s->pdu.bv_len);
        json_str_or_null(kind);
        printf(", \"elements\": %zu, \"primitive_bytes\": %zu, \"decode_ns\": ", decode_error ? (size_t)0 : w.elements,
               decode_error ? (size_t)0 : w.prim_bytes);
        json_num_or_null(decode_ns);
        printf(", \"decode_iterations\": %zu, \"decode_error\": ", decode_iters);
        json_str_or_null(decode_error);
        fputs(", \"encode_ns\": ", stdout);
        json_num_or_null(encode_error ? -1 : encode_ns);
        printf(", \"encode_iterations\": %zu, \"encode_bytes\": ", encode_iters);
        if (encoded_len < 0 || encode_error != NULL)
            fputs("null", stdout);
        else
            printf("%d", encoded_len);
        fputs(", \"encode_error\": ", stdout);
        json_str_or_null(encode_error);
        putchar('}');
        if (have_tree)
            free_tree(&tree);
    }
    fputs("}, \"stream\": ", stdout);
    if (stream_buf == NULL) {
        fputs("null", stdout);
    } else {
        struct berval bv;
        walk_state w = {0};
        size_t pdus = 0;
        const char *error = NULL;

        bv.bv_val = stream_buf;
        bv.bv_len = stream_len;
        iters = 0;
        ns = -1;
        if (walk_stream(reader, &bv, &w, &pdus) < 0) {
            error = w.error;
        } else if (timed) {
            j.ber = reader;
            j.pdu = &bv;
            j.pdus = pdus;
            ns = time_median(run_stream, &j, rounds, min_ns, &iters);
            if (ns < 0)
                error = "walk failed while timed";
        }
        printf("{\"bytes\": %zu, \"pdus\": %zu, \"elements\": %zu, \"primitive_bytes\": %zu, \"ns\": ", stream_len,
               pdus, w.elements, w.prim_bytes);
        json_num_or_null(ns);
        printf(", \"iterations\": %zu, \"mb_per_s\": ", iters);
        json_num_or_null(ns > 0 ? (double)stream_len * 1e3 / ns : -1);
        fputs(", \"msgs_per_s\": ", stdout);
        json_num_or_null(ns > 0 ? (double)pdus * 1e9 / ns : -1);
        fputs(", \"error\": ", stdout);
        json_str_or_null(error);
        putchar('}');
    }
    puts("}");

    ber_init2(reader, NULL, 0); /* the reader never owned a buffer */
    ber_free(reader, 0);
    if (encode_out != NULL && fclose(encode_out) != 0) {
        fprintf(stderr, "lber_bench: cannot write %s\n", encode_path);
        return 1;
    }
    for (k = 0; k < nsamples; k++)
        free(samples[k].name);
    free(samples);
    free(corpus_buf);
    free(stream_buf);
    return fflush(stdout) == 0 ? 0 : 1;
}
