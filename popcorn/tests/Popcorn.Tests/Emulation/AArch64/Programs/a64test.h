/* Freestanding support for the AArch64 differential test programs: write/exit system calls and hex output. */
typedef unsigned long u64; typedef long i64; typedef unsigned int u32; typedef int i32;
static long sys3(long n, long a, long b, long c){ register long x8 __asm__("x8")=n; register long x0 __asm__("x0")=a; register long x1 __asm__("x1")=b; register long x2 __asm__("x2")=c; __asm__ volatile("svc #0":"+r"(x0):"r"(x8),"r"(x1),"r"(x2):"memory"); return x0; }
static void put(const char*s, long n){ sys3(64,1,(long)s,n); }
static long slen(const char*s){ long n=0; while(s[n]) n++; return n; }
static void puts_(const char*s){ put(s, slen(s)); }
static void hex(u64 v){ char b[19]; b[0]='0'; b[1]='x'; for(int i=0;i<16;i++){ int d=(v>>(60-4*i))&15; b[2+i]=d<10?'0'+d:'a'+d-10;} b[18]=' '; put(b,19); }
static void nl(void){ put("\n",1); }
void _start_c(void);
__attribute__((naked)) void _start(void){ __asm__("mov x29, #0\n bl _start_c\n mov x8, #93\n svc #0"); }
