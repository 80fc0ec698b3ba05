/* RV64FD arithmetic, fused multiply-add, conversions, compares and classification over edge values in every
   rounding mode; each line has the result bits and the accrued flags (fflags). */
#include "rvtest.h"

static const u64 doubles[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff8000000000000, 0x4004000000000000,
    0xc004000000000000, 0x3fb999999999999a, 0x3fd5555555555555, 0x7fefffffffffffff, 0xffefffffffffffff, 0x0010000000000000,
    0x0000000000000001, 0x800fffffffffffff, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001,
    0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000, 0x41efffffffe00000, 0x4340000000000001, 0xc1e0000000200000,
};
#define DCOUNT (sizeof doubles / sizeof doubles[0])

static const u32 floats[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0xc0200000, 0x3dcccccd, 0x3eaaaaab, 0x7f7fffff,
    0xff7fffff, 0x00800000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x4f000000, 0xcf000000,
    0x5f800000, 0x4b800001,
};
#define FCOUNT (sizeof floats / sizeof floats[0])

static void set_rm(u64 rm) { __asm__ volatile("fsrm %0" : : "r"(rm)); __asm__ volatile("fsflags zero"); }
static u64 get_flags(void) { u64 f; __asm__ volatile("frflags %0" : "=r"(f)); return f; }

#define D2(op) static u64 d_##op(u64 a, u64 b) { u64 r; __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n " #op ".d ft2, ft0, ft1\n fmv.x.d %0, ft2" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2"); return r; }
D2(fadd) D2(fsub) D2(fmul) D2(fdiv) D2(fmin) D2(fmax) D2(fsgnj) D2(fsgnjn) D2(fsgnjx)
#define DCMP(op) static u64 d_##op(u64 a, u64 b) { u64 r; __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n " #op ".d %0, ft0, ft1" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1"); return r; }
DCMP(feq) DCMP(flt) DCMP(fle)
#define S2(op) static u64 s_##op(u64 a, u64 b) { u64 r; __asm__ volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n " #op ".s ft2, ft0, ft1\n fmv.x.w %0, ft2" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2"); return r; }
S2(fadd) S2(fsub) S2(fmul) S2(fdiv) S2(fmin) S2(fmax) S2(fsgnjn)
#define SCMP(op) static u64 s_##op(u64 a, u64 b) { u64 r; __asm__ volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n " #op ".s %0, ft0, ft1" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1"); return r; }
SCMP(feq) SCMP(flt) SCMP(fle)

#define D1(name, text) static u64 d_##name(u64 a) { u64 r; __asm__ volatile("fmv.d.x ft0, %1\n " text "\n" : "=r"(r) : "r"(a) : "ft0", "ft1"); return r; }
D1(fsqrt, "fsqrt.d ft1, ft0\n fmv.x.d %0, ft1")
D1(fclass, "fclass.d %0, ft0")
D1(cvt_w, "fcvt.w.d %0, ft0")
D1(cvt_wu, "fcvt.wu.d %0, ft0")
D1(cvt_l, "fcvt.l.d %0, ft0")
D1(cvt_lu, "fcvt.lu.d %0, ft0")
D1(cvt_w_rtz, "fcvt.w.d %0, ft0, rtz")
D1(cvt_s, "fcvt.s.d ft1, ft0\n fmv.x.w %0, ft1")
#define S1(name, text) static u64 s_##name(u64 a) { u64 r; __asm__ volatile("fmv.w.x ft0, %1\n " text "\n" : "=r"(r) : "r"(a) : "ft0", "ft1"); return r; }
S1(fsqrt, "fsqrt.s ft1, ft0\n fmv.x.w %0, ft1")
S1(fclass, "fclass.s %0, ft0")
S1(cvt_w, "fcvt.w.s %0, ft0")
S1(cvt_lu, "fcvt.lu.s %0, ft0")
S1(cvt_d, "fcvt.d.s ft1, ft0\n fmv.x.d %0, ft1")
#define I1(name, text) static u64 i_##name(u64 a) { u64 r; __asm__ volatile(text : "=r"(r) : "r"(a) : "ft0"); return r; }
I1(d_l, "fcvt.d.l ft0, %1\n fmv.x.d %0, ft0")
I1(d_lu, "fcvt.d.lu ft0, %1\n fmv.x.d %0, ft0")
I1(d_w, "fcvt.d.w ft0, %1\n fmv.x.d %0, ft0")
I1(s_l, "fcvt.s.l ft0, %1\n fmv.x.w %0, ft0")
I1(s_wu, "fcvt.s.wu ft0, %1\n fmv.x.w %0, ft0")
I1(unboxed, "fmv.d.x ft0, %1\n fadd.s ft0, ft0, ft0\n fmv.x.w %0, ft0")

static u64 d_fmadd(u64 a, u64 b, u64 c) { u64 r; __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmv.d.x ft2, %3\n fmadd.d ft3, ft0, ft1, ft2\n fmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); return r; }
static u64 d_fnmsub(u64 a, u64 b, u64 c) { u64 r; __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmv.d.x ft2, %3\n fnmsub.d ft3, ft0, ft1, ft2\n fmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); return r; }
static u64 s_fmadd(u64 a, u64 b, u64 c) { u64 r; __asm__ volatile("fmv.w.x ft0, %1\n fmv.w.x ft1, %2\n fmv.w.x ft2, %3\n fmadd.s ft3, ft0, ft1, ft2\n fmv.x.w %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); return r; }

struct op2 { const char *name; u64 (*fn)(u64, u64); };
struct op1 { const char *name; u64 (*fn)(u64); };

static const struct op2 dops[] = {
    {"fadd.d", d_fadd}, {"fsub.d", d_fsub}, {"fmul.d", d_fmul}, {"fdiv.d", d_fdiv}, {"fmin.d", d_fmin}, {"fmax.d", d_fmax},
    {"fsgnj.d", d_fsgnj}, {"fsgnjn.d", d_fsgnjn}, {"fsgnjx.d", d_fsgnjx}, {"feq.d", d_feq}, {"flt.d", d_flt}, {"fle.d", d_fle},
};
static const struct op2 sops[] = {
    {"fadd.s", s_fadd}, {"fsub.s", s_fsub}, {"fmul.s", s_fmul}, {"fdiv.s", s_fdiv}, {"fmin.s", s_fmin}, {"fmax.s", s_fmax},
    {"fsgnjn.s", s_fsgnjn}, {"feq.s", s_feq}, {"flt.s", s_flt}, {"fle.s", s_fle},
};
static const struct op1 d1ops[] = {
    {"fsqrt.d", d_fsqrt}, {"fclass.d", d_fclass}, {"fcvt.w.d", d_cvt_w}, {"fcvt.wu.d", d_cvt_wu}, {"fcvt.l.d", d_cvt_l},
    {"fcvt.lu.d", d_cvt_lu}, {"fcvt.w.d.rtz", d_cvt_w_rtz}, {"fcvt.s.d", d_cvt_s},
};
static const struct op1 s1ops[] = {
    {"fsqrt.s", s_fsqrt}, {"fclass.s", s_fclass}, {"fcvt.w.s", s_cvt_w}, {"fcvt.lu.s", s_cvt_lu}, {"fcvt.d.s", s_cvt_d},
};
static const struct op1 iops[] = {
    {"fcvt.d.l", i_d_l}, {"fcvt.d.lu", i_d_lu}, {"fcvt.d.w", i_d_w}, {"fcvt.s.l", i_s_l}, {"fcvt.s.wu", i_s_wu}, {"unboxed", i_unboxed},
};
static const u64 integers[] = {
    0, 1, 0xffffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000, 0x20000000000001, 0x20000000000003, 0xfffffffffffff801,
    0x7fffffff, 0x80000000, 0xffffffff, 0x1000001, 0xffffffff00000000, 0x123456789abcdef1,
};

static void line2(const char *name, u64 rm, u64 a, u64 b, u64 r)
{
    put_line(name, a, b, r);
    put_string("  rm ");
    put_hex(rm);
    put_string(" flags ");
    put_hex(get_flags());
    put_char('\n');
}

int main(void)
{
    for (u64 rm = 0; rm < 5; rm++) {
        for (unsigned i = 0; i < sizeof dops / sizeof dops[0]; i++) {
            for (unsigned a = 0; a < DCOUNT; a++) {
                for (unsigned b = 0; b < DCOUNT; b++) {
                    set_rm(rm);
                    u64 r = dops[i].fn(doubles[a], doubles[b]);
                    line2(dops[i].name, rm, doubles[a], doubles[b], r);
                }
            }
        }
        for (unsigned i = 0; i < sizeof sops / sizeof sops[0]; i++) {
            for (unsigned a = 0; a < FCOUNT; a++) {
                for (unsigned b = 0; b < FCOUNT; b++) {
                    set_rm(rm);
                    u64 r = sops[i].fn(floats[a], floats[b]);
                    line2(sops[i].name, rm, floats[a], floats[b], r);
                }
            }
        }
        for (unsigned i = 0; i < sizeof d1ops / sizeof d1ops[0]; i++) {
            for (unsigned a = 0; a < DCOUNT; a++) {
                set_rm(rm);
                u64 r = d1ops[i].fn(doubles[a]);
                line2(d1ops[i].name, rm, doubles[a], 0, r);
            }
        }
        for (unsigned i = 0; i < sizeof s1ops / sizeof s1ops[0]; i++) {
            for (unsigned a = 0; a < FCOUNT; a++) {
                set_rm(rm);
                u64 r = s1ops[i].fn(floats[a]);
                line2(s1ops[i].name, rm, floats[a], 0, r);
            }
        }
        for (unsigned i = 0; i < sizeof iops / sizeof iops[0]; i++) {
            for (unsigned a = 0; a < sizeof integers / sizeof integers[0]; a++) {
                set_rm(rm);
                u64 r = iops[i].fn(integers[a]);
                line2(iops[i].name, rm, integers[a], 0, r);
            }
        }
        for (unsigned a = 0; a < DCOUNT; a += 3) {
            for (unsigned b = 0; b < DCOUNT; b += 2) {
                for (unsigned c = 0; c < DCOUNT; c += 5) {
                    set_rm(rm);
                    line2("fmadd.d", rm, doubles[a] ^ doubles[c], doubles[b], d_fmadd(doubles[a], doubles[b], doubles[c]));
                    set_rm(rm);
                    line2("fnmsub.d", rm, doubles[a] ^ doubles[c], doubles[b], d_fnmsub(doubles[a], doubles[b], doubles[c]));
                }
            }
        }
        for (unsigned a = 0; a < FCOUNT; a += 3) {
            for (unsigned b = 0; b < FCOUNT; b += 2) {
                for (unsigned c = 0; c < FCOUNT; c += 5) {
                    set_rm(rm);
                    line2("fmadd.s", rm, floats[a] ^ ((u64)floats[c] << 32), floats[b], s_fmadd(floats[a], floats[b], floats[c]));
                }
            }
        }
    }
    return 0;
}

void _start(void)
{
    finish(main());
}
