/* Popcorn runtime internals shared by the portable sources and the per-ISA start-up code. */
#ifndef POPCORN_INTERNAL_H
#define POPCORN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Implemented per ISA in arch/<isa>/arch.c; the names (and so the addresses) are the same on every ISA. */
long __pc_syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5);
void __pc_set_thread_pointer(void *tp);
/* How far below the TLS block the thread pointer sits: aarch64 keeps a 16-byte TCB (rounded up to the block's
   alignment) below it, riscv64 points at the block itself. */
unsigned long __pc_thread_pointer_bias(unsigned long tls_align);
/* clone(2) with the child running fn(arg) on stack, then exiting with its result. */
long __pc_clone(unsigned long flags, void *stack, int *parent_tid, void *tls, int *child_tid, int (*fn)(void *), void *arg);

/* Asks the emulator at a migration point (nid -1: its policy decides) or for an explicit migration to node nid.
   Returns the node the thread runs on afterwards, plus 0x100 when it migrated, or a negated errno. The system call
   is its only instruction besides the return, so the frame that migrates is its caller's. */
long __pc_migrate_trap(long nid);

/* Portable entry called by _start with the initial stack pointer (argc, argv..., 0, envp..., 0, auxv...). */
_Noreturn void __pc_start_c(long *sp);

/* Linux asm-generic system-call numbers, shared by aarch64 and riscv64. */
enum {
    SYS_getcwd = 17, SYS_ioctl = 29, SYS_unlinkat = 35, SYS_openat = 56, SYS_close = 57, SYS_lseek = 62,
    SYS_read = 63, SYS_write = 64, SYS_fstat = 80, SYS_exit = 93, SYS_exit_group = 94,
    SYS_set_tid_address = 96, SYS_futex = 98, SYS_nanosleep = 101, SYS_clock_gettime = 113, SYS_sched_yield = 124,
    SYS_kill = 129, SYS_tgkill = 131, SYS_getpid = 172, SYS_gettid = 178, SYS_brk = 214, SYS_munmap = 215,
    SYS_clone = 220, SYS_mmap = 222, SYS_mprotect = 226, SYS_renameat2 = 276, SYS_getrandom = 278,
    /* Popcorn's own calls (outside Linux's numbering): migration and node queries. */
    SYS_popcorn_migrate = 4000, SYS_popcorn_node = 4001,
};

#define __pc_syscall0(n) __pc_syscall((n), 0, 0, 0, 0, 0, 0)
#define __pc_syscall1(n, a) __pc_syscall((n), (long)(a), 0, 0, 0, 0, 0)
#define __pc_syscall2(n, a, b) __pc_syscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define __pc_syscall3(n, a, b, c) __pc_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define __pc_syscall4(n, a, b, c, d) __pc_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define __pc_syscall6(n, a, b, c, d, e, f) __pc_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Sets errno from a raw system-call result and returns -1 on error, the result otherwise. */
long __pc_syscall_result(long raw);

/* TLS set-up for a new thread: the area must hold __pc_tls_area_size() bytes. Returns the thread pointer. */
size_t __pc_tls_area_size(void);
void *__pc_tls_init(void *area);

/* Called by longjmp (arch.c) for a jmp_buf filled on the other node: reports it and aborts. */
_Noreturn void __pc_longjmp_elsewhere(void);

/* Flushes every open stream (at exit). */
void __pc_stdio_flush_all(void);

/* Formats into a callback sink; the printf family is built on it. */
struct __pc_sink {
    void (*put)(struct __pc_sink *sink, const char *text, size_t length);
    size_t count;
};
#include <stdarg.h>
int __pc_format(struct __pc_sink *sink, const char *format, va_list args);

/* Characters for the scanf engine: get returns the next one or EOF, unget gives back the last one read. */
struct __pc_source {
    int (*get)(struct __pc_source *source);
    void (*unget)(struct __pc_source *source, int c);
};
int __pc_scan(struct __pc_source *source, const char *format, va_list args);



/* The bits glibc's character-class table uses; the is* and isw* functions return them. */
enum {
    CLASS_BLANK = 1, CLASS_CNTRL = 2, CLASS_PUNCT = 4, CLASS_ALNUM = 8, CLASS_UPPER = 256, CLASS_LOWER = 512,
    CLASS_ALPHA = 1024, CLASS_DIGIT = 2048, CLASS_XDIGIT = 4096, CLASS_SPACE = 8192, CLASS_PRINT = 16384,
    CLASS_GRAPH = 32768,
};

/* fenv.h: the ISA's floating-point flags and rounding mode in x86 glibc's encoding (arch.c), and the translation of
   register bits through a table of those values (fenv.c). */
unsigned __pc_fe_flags(void);
void __pc_fe_set_flags(unsigned flags);
unsigned __pc_fe_round(void);
void __pc_fe_set_round(unsigned round);
unsigned __pc_fe_decode(unsigned long bits, const unsigned *table, int count);
unsigned long __pc_fe_encode(unsigned value, const unsigned *table, int count);

/* A futex lock for the runtime's own shared state (stdio streams, the heap). */
void __pc_lock(volatile int *lock);
void __pc_unlock(volatile int *lock);
#endif
