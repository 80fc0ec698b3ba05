/* Floating-point differential test: arithmetic, conversions, rounding and FPSR flags over edge values, in every FPCR rounding mode and with default NaN. */
#include "a64test.h"
typedef union { double d; u64 u; } DU; typedef union { float f; u32 u; } FU;
volatile u64 dv[] = {0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff4000000000001, 0xfff8000000000123, 0x0000000000000001, 0x000fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff, 0x3fe0000000000000, 0x4004000000000000, 0xc00c000000000000, 0x43e0000000000000, 0x43f0000000000000, 0xc3e0000000000001, 0x41dfffffffc00000, 0x3ff8000000000000, 0x400c000000000000, 0x3fb999999999999a, 0x4340000000000001};
volatile u32 fv[] = {0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0xffc00123, 1, 0x007fffff, 0x00800000, 0x7f7fffff, 0x3f000000, 0x40200000, 0xc0600000, 0x5f000000, 0x4f000000, 0x3dcccccd, 0x3fc00000};
#define ND (sizeof(dv)/sizeof(dv[0]))
#define NF (sizeof(fv)/sizeof(fv[0]))
static u64 fpsr(void){ u64 r; __asm__ volatile("mrs %0, fpsr":"=r"(r)); return r; }
static void clrfpsr(void){ __asm__ volatile("msr fpsr, xzr"); }
static void setfpcr(u64 v){ __asm__ volatile("msr fpcr, %0"::"r"(v)); }
#define OUT(x) do { hex(x); } while(0)
__attribute__((noinline)) void dd(double a, double b, double c) {
  DU r; clrfpsr();
  r.d = a + b; OUT(r.u); r.d = a - b; OUT(r.u); r.d = a * b; OUT(r.u); r.d = a / b; OUT(r.u);
  r.d = __builtin_sqrt(a); OUT(r.u); r.d = __builtin_fma(a, b, c); OUT(r.u); r.d = -__builtin_fma(a, b, c); OUT(r.u); r.d = __builtin_fma(-a, b, c); OUT(r.u);
  r.d = __builtin_fmin(a, b); OUT(r.u); r.d = __builtin_fmax(a, b); OUT(r.u);
  double mx; __asm__("fmax %d0, %d1, %d2":"=w"(mx):"w"(a),"w"(b)); r.d = mx; OUT(r.u);
  __asm__("fmin %d0, %d1, %d2":"=w"(mx):"w"(a),"w"(b)); r.d = mx; OUT(r.u);
  __asm__("fnmul %d0, %d1, %d2":"=w"(mx):"w"(a),"w"(b)); r.d = mx; OUT(r.u);
  __asm__("fabd %d0, %d1, %d2":"=w"(mx):"w"(a),"w"(b)); r.d = mx; OUT(r.u);
  OUT((a < b) | (a <= b) << 1 | (a == b) << 2 | (a != b) << 3 | (a > b) << 4 | __builtin_isunordered(a,b) << 5);
  OUT((u64)(long)a); OUT((u64)a); OUT((u64)(int)a); OUT((u64)(unsigned)a);
  OUT((u64)__builtin_lround(a)); OUT((u64)__builtin_llrint(a));
  r.d = __builtin_floor(a); OUT(r.u); r.d = __builtin_ceil(a); OUT(r.u); r.d = __builtin_trunc(a); OUT(r.u); r.d = __builtin_round(a); OUT(r.u); r.d = __builtin_rint(a); OUT(r.u); r.d = __builtin_nearbyint(a); OUT(r.u);
  FU f; f.f = (float)a; OUT(f.u); r.d = (double)(long)b; OUT(r.u); r.d = (double)(u64)(*(volatile u64*)&b); OUT(r.u);
  f.f = (float)(long)(*(volatile u64*)&b); OUT(f.u); f.f = (float)(u64)(*(volatile u64*)&b); OUT(f.u);
  r.d = __builtin_copysign(a, b); OUT(r.u); r.d = __builtin_fabs(a); OUT(r.u);
  OUT(fpsr()); nl();
}
__attribute__((noinline)) void ff(float a, float b, float c) {
  FU r; clrfpsr();
  r.f = a + b; OUT(r.u); r.f = a - b; OUT(r.u); r.f = a * b; OUT(r.u); r.f = a / b; OUT(r.u);
  r.f = __builtin_sqrtf(a); OUT(r.u); r.f = __builtin_fmaf(a, b, c); OUT(r.u);
  r.f = __builtin_fminf(a, b); OUT(r.u); r.f = __builtin_fmaxf(a, b); OUT(r.u);
  float fd; __asm__("fabd %s0, %s1, %s2":"=w"(fd):"w"(a),"w"(b)); r.f = fd; OUT(r.u);
  OUT((a < b) | (a <= b) << 1 | (a == b) << 2 | (a != b) << 3 | (a > b) << 4 | __builtin_isunordered(a,b) << 5);
  OUT((u64)(long)a); OUT((u64)a); OUT((u64)(int)a); OUT((u64)(unsigned)a);
  r.f = __builtin_floorf(a); OUT(r.u); r.f = __builtin_roundf(a); OUT(r.u); r.f = __builtin_rintf(a); OUT(r.u);
  DU d; d.d = (double)a; OUT(d.u); r.f = (float)(int)(*(volatile u32*)&b); OUT(r.u); r.f = (float)(*(volatile u32*)&b); OUT(r.u);
  OUT(fpsr()); nl();
}
void _start_c(void){
  for (int mode = 0; mode < 5; mode++) {
    setfpcr(mode == 4 ? (1ul << 25) : (u64)mode << 22);
    for (unsigned i = 0; i < ND; i++) for (unsigned j = 0; j < ND; j++) { DU a, b, c; a.u = dv[i]; b.u = dv[j]; c.u = dv[(i * 7 + j) % ND]; dd(a.d, b.d, c.d); }
    for (unsigned i = 0; i < NF; i++) for (unsigned j = 0; j < NF; j++) { FU a, b, c; a.u = fv[i]; b.u = fv[j]; c.u = fv[(i * 5 + j) % NF]; ff(a.f, b.f, c.f); }
  }
}
