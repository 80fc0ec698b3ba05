/* Exclusives and acquire/release atomics, bit manipulation, 128-bit arithmetic, SIMD moves, fixed-point conversions, TPIDR_EL0 and NZCV. */
#include "a64test.h"
#include <stdatomic.h>
_Atomic long counter; _Atomic int flag; _Atomic short half; _Atomic unsigned char byte;
volatile u64 vals[] = {0, 1, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x123456789abcdef0, 0xf0f0f0f00f0f0f0f};
#define N (sizeof(vals)/sizeof(vals[0]))
struct big { u64 a, b, c, d; };
__attribute__((noinline)) void copy(struct big *d, const struct big *s) { *d = *s; }
__attribute__((noinline)) double fixed(long x, unsigned long y, int z) { return (double)x / 65536.0 + (double)y / 4.0 + (float)z / 2.0f; }
__attribute__((noinline)) long tofixed(double d) { return (long)(d * 1024.0); }
__attribute__((noinline)) u64 bits(u64 a, u64 b) {
  u64 r = __builtin_popcountll(a) + 3 * __builtin_popcount((u32)b);
  r = r * 31 + __builtin_bitreverse64(a) + __builtin_bitreverse32((u32)b);
  r = r * 31 + ((a << 17) | (b >> 47));
  r = r * 31 + (((a & 0xf00) >> 8) | ((b & 0xf) << 8));
  unsigned __int128 w = (unsigned __int128)a + b + ((unsigned __int128)b << 64); r = r * 31 + (u64)(w >> 64) + (u64)w;
  unsigned __int128 v = ((unsigned __int128)a << 64 | b) - ((unsigned __int128)b << 64 | a); r = r * 31 + (u64)(v >> 64) + (u64)v;
  r = r * 31 + ((i64)a > 5 && (i64)b < 100 ? 1 : 2);
  r = r * 31 + (a == 3 || b == 7 || a == b);
  r = r * 31 + (u64)((i64)a < 0 ? -(i64)a : (i64)a);
  union { double d; u64 u; } c; c.u = a; union { double d; u64 u; } e; e.u = b; c.d = __builtin_copysign(c.d, e.d); r = r * 31 + c.u;
  union { float f; u32 u; } g; g.u = (u32)a; union { float f; u32 u; } h; h.u = (u32)b; g.f = __builtin_copysignf(g.f, h.f); r = r * 31 + g.u;
  return r;
}
void _start_c(void){
  for (unsigned i = 0; i < N; i++) {
    atomic_fetch_add(&counter, (long)vals[i]); atomic_fetch_sub(&counter, 3);
    atomic_fetch_or(&flag, (int)vals[i]); atomic_fetch_and(&flag, 0x7f7f7f7f); atomic_fetch_xor(&half, (short)vals[i]);
    int expected = atomic_load(&flag); atomic_compare_exchange_strong(&flag, &expected, expected + 1);
    atomic_exchange(&byte, (unsigned char)(vals[i] + 1));
    hex(atomic_load(&counter)); hex((u64)atomic_load(&flag)); hex((u64)(unsigned short)atomic_load(&half)); hex(atomic_load(&byte)); nl();
  }
  for (unsigned i = 0; i < N; i++) { for (unsigned j = 0; j < N; j++) hex(bits(vals[i], vals[j])); nl(); }
  struct big s = {vals[1], vals[3], vals[5], vals[9]}, d; copy(&d, &s); hex(d.a ^ d.b ^ d.c ^ d.d); nl();
  for (unsigned i = 0; i < N; i++) { union { double d; u64 u; } f; f.d = fixed((long)vals[i], vals[i], (int)vals[i]); hex(f.u); hex((u64)tofixed(f.d)); } nl();
  u64 tp; __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp)); __asm__ volatile("msr tpidr_el0, %0" :: "r"(tp + 0x1000)); u64 tp2; __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp2)); hex(tp2 - tp);
  u64 nzcv; __asm__ volatile("cmp %1, #5\n mrs %0, nzcv" : "=r"(nzcv) : "r"(vals[2])); hex(nzcv); nl();
}
