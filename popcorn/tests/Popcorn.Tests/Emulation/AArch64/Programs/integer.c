/* Integer differential test: every data-processing class clang emits, over edge values; printed in hex. */
#include "a64test.h"
volatile u64 vals[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x123456789abcdef0, 3, 63, 64, 31, 32};
#define N (sizeof(vals)/sizeof(vals[0]))
__attribute__((noinline)) u64 f(u64 a, u64 b) {
  u64 r = 0;
  r ^= a + b; r = r*31 + (a - b); r = r*31 + (a * b); r = r*31 + (b ? a / b : 7); r = r*31 + (b ? (u64)((i64)a / (i64)(b|1)) : 9);
  r = r*31 + ((u32)a + (u32)b); r = r*31 + ((u32)a * (u32)b); r = r*31 + (a << (b & 63)); r = r*31 + (a >> (b&63)); r = r*31 + (u64)((i64)a >> (b&63));
  r = r*31 + ((u32)a >> (b&31)); r = r*31 + (u64)(i32)((i32)a >> (b&31));
  r = r*31 + (a < b) + 2*((i64)a < (i64)b) + 4*((u32)a <= (u32)b) + 8*((i32)a >= (i32)b);
  r = r*31 + __builtin_clzll(a|1) + __builtin_ctzll(b|0x8000000000000000) + __builtin_popcountll(a);
  r = r*31 + __builtin_bswap64(a) + __builtin_bswap32((u32)b) + __builtin_bswap16((unsigned short)a);
  r = r*31 + (u64)((unsigned __int128)a * b >> 64) + (u64)((__int128)(i64)a * (i64)b >> 64);
  r = r*31 + (i64)(signed char)a + (i64)(short)b + (i64)(i32)a + (unsigned char)b + (unsigned short)a;
  r = r*31 + ((a >> 5) & 0x3ff) + ((a & 0xff) << 17) + (u64)(((i64)a << 3) >> 11);
  r = r*31 + (a == b ? 5 : a > b ? 11 : 17);
  r = r*31 + ((a & b) | (a ^ ~b)) + (a | 0xff00ff00ff00ff00ull) + (a & ~b);
  r = r*31 + (b ? a % b : 1) + ((i32)b ? (u64)((i32)a % ((i32)b|1)) : 3);
  return r;
}
void _start_c(void){
  u64 acc = 0;
  for (unsigned i = 0; i < N; i++) for (unsigned j = 0; j < N; j++) { u64 r = f(vals[i], vals[j]); acc = acc * 1000003 + r; hex(r); if ((j & 3) == 3) nl(); }
  nl(); hex(acc); nl();
}
