/* RV64IM register-register and immediate operations over edge values; every result printed. */
#include "rvtest.h"

static const u64 values[] = {
    0, 1, 2, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
    0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe, 0x123456789abcdef0, 0xfedcba9876543210,
};
#define COUNT (sizeof values / sizeof values[0])

#define BINARY(op) \
    static u64 op_##op(u64 a, u64 b) { u64 r; __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
BINARY(add) BINARY(sub) BINARY(sll) BINARY(srl) BINARY(sra) BINARY(slt) BINARY(sltu) BINARY(xor) BINARY(or) BINARY(and)
BINARY(addw) BINARY(subw) BINARY(sllw) BINARY(srlw) BINARY(sraw)
BINARY(mul) BINARY(mulh) BINARY(mulhu) BINARY(mulhsu) BINARY(mulw)
BINARY(div) BINARY(divu) BINARY(rem) BINARY(remu) BINARY(divw) BINARY(divuw) BINARY(remw) BINARY(remuw)

#define IMMEDIATE(name, op, imm) \
    static u64 name(u64 a) { u64 r; __asm__ volatile(#op " %0, %1, " #imm : "=r"(r) : "r"(a)); return r; }
IMMEDIATE(op_addi_2047, addi, 2047)
IMMEDIATE(op_addi_m2048, addi, -2048)
IMMEDIATE(op_slti_m1, slti, -1)
IMMEDIATE(op_sltiu_m1, sltiu, -1)
IMMEDIATE(op_xori_m1, xori, -1)
IMMEDIATE(op_ori_1365, ori, 1365)
IMMEDIATE(op_andi_m16, andi, -16)
IMMEDIATE(op_slli_63, slli, 63)
IMMEDIATE(op_srli_63, srli, 63)
IMMEDIATE(op_srai_63, srai, 63)
IMMEDIATE(op_slli_1, slli, 1)
IMMEDIATE(op_srai_7, srai, 7)
IMMEDIATE(op_addiw_m1, addiw, -1)
IMMEDIATE(op_addiw_2047, addiw, 2047)
IMMEDIATE(op_slliw_31, slliw, 31)
IMMEDIATE(op_srliw_31, srliw, 31)
IMMEDIATE(op_sraiw_31, sraiw, 31)
IMMEDIATE(op_sraiw_0, sraiw, 0)

struct binary { const char *name; u64 (*fn)(u64, u64); };
struct unary { const char *name; u64 (*fn)(u64); };

static const struct binary binaries[] = {
    {"add", op_add}, {"sub", op_sub}, {"sll", op_sll}, {"srl", op_srl}, {"sra", op_sra}, {"slt", op_slt}, {"sltu", op_sltu},
    {"xor", op_xor}, {"or", op_or}, {"and", op_and}, {"addw", op_addw}, {"subw", op_subw}, {"sllw", op_sllw}, {"srlw", op_srlw},
    {"sraw", op_sraw}, {"mul", op_mul}, {"mulh", op_mulh}, {"mulhu", op_mulhu}, {"mulhsu", op_mulhsu}, {"mulw", op_mulw},
    {"div", op_div}, {"divu", op_divu}, {"rem", op_rem}, {"remu", op_remu}, {"divw", op_divw}, {"divuw", op_divuw},
    {"remw", op_remw}, {"remuw", op_remuw},
};

static const struct unary unaries[] = {
    {"addi2047", op_addi_2047}, {"addi-2048", op_addi_m2048}, {"slti-1", op_slti_m1}, {"sltiu-1", op_sltiu_m1},
    {"xori-1", op_xori_m1}, {"ori1365", op_ori_1365}, {"andi-16", op_andi_m16}, {"slli63", op_slli_63}, {"srli63", op_srli_63},
    {"srai63", op_srai_63}, {"slli1", op_slli_1}, {"srai7", op_srai_7}, {"addiw-1", op_addiw_m1}, {"addiw2047", op_addiw_2047},
    {"slliw31", op_slliw_31}, {"srliw31", op_srliw_31}, {"sraiw31", op_sraiw_31}, {"sraiw0", op_sraiw_0},
};

static volatile unsigned char bytes[16] = {0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xff, 0xff, 0xef, 0xbe, 0xad, 0xde, 0x78, 0x56, 0x34, 0x92};

int main(void)
{
    for (unsigned i = 0; i < sizeof binaries / sizeof binaries[0]; i++) {
        for (unsigned a = 0; a < COUNT; a++) {
            for (unsigned b = 0; b < COUNT; b++) {
                put_line(binaries[i].name, values[a], values[b], binaries[i].fn(values[a], values[b]));
            }
        }
    }
    for (unsigned i = 0; i < sizeof unaries / sizeof unaries[0]; i++) {
        for (unsigned a = 0; a < COUNT; a++) {
            put_line(unaries[i].name, values[a], 0, unaries[i].fn(values[a]));
        }
    }
    /* Loads of every width and signedness at every offset, aligned and not. */
    for (int offset = 0; offset < 8; offset++) {
        const volatile unsigned char *p = bytes + offset;
        u64 lb, lbu, lh, lhu, lw, lwu, ld;
        __asm__ volatile("lb %0, 0(%1)" : "=r"(lb) : "r"(p));
        __asm__ volatile("lbu %0, 0(%1)" : "=r"(lbu) : "r"(p));
        __asm__ volatile("lh %0, 0(%1)" : "=r"(lh) : "r"(p));
        __asm__ volatile("lhu %0, 0(%1)" : "=r"(lhu) : "r"(p));
        __asm__ volatile("lw %0, 0(%1)" : "=r"(lw) : "r"(p));
        __asm__ volatile("lwu %0, 0(%1)" : "=r"(lwu) : "r"(p));
        __asm__ volatile("ld %0, 0(%1)" : "=r"(ld) : "r"(p));
        put_line("lb/lbu", (u64)offset, lb, lbu);
        put_line("lh/lhu", (u64)offset, lh, lhu);
        put_line("lw/lwu", (u64)offset, lw, lwu);
        put_line("ld", (u64)offset, 0, ld);
    }
    return 0;
}

void _start(void)
{
    finish(main());
}
