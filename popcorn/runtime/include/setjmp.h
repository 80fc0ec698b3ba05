/* Non-local jumps. A jmp_buf holds the registers of the node that filled it, so longjmp after the thread migrated to
   the other node since setjmp ends the program with a message instead of jumping into a frame of the wrong layout. */
#ifndef _SETJMP_H
#define _SETJMP_H
typedef long jmp_buf[32];
typedef long sigjmp_buf[32];
int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int value);
#define _setjmp(env) setjmp(env)
#define _longjmp(env, value) longjmp(env, value)
#define sigsetjmp(env, save) setjmp(env)
#define siglongjmp(env, value) longjmp(env, value)
#endif
