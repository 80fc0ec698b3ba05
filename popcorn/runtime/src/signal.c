/* signal.h: handlers for the signals a program sends itself. The emulator delivers nothing asynchronously, so a
   handler runs exactly when raise, kill (to this process) or abort sends its signal, on the sending thread. */
#include "internal.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct sigaction actions[NSIG];
static volatile int actions_lock;

static int valid(int signal) { return signal > 0 && signal < NSIG; }

int sigaction(int signal, const struct sigaction *action, struct sigaction *old)
{
    if (!valid(signal) || (action && (signal == SIGKILL || signal == SIGSTOP))) {
        errno = EINVAL;
        return -1;
    }
    __pc_lock(&actions_lock);
    if (old)
        *old = actions[signal];
    if (action)
        actions[signal] = *action;
    __pc_unlock(&actions_lock);
    return 0;
}

/* glibc's signal keeps the handler installed after it runs (BSD semantics). */
sighandler_t signal(int signal, sighandler_t handler)
{
    struct sigaction action = {handler, {{0}}, SA_RESTART}, old;
    return sigaction(signal, &action, &old) == 0 ? old.sa_handler : SIG_ERR;
}

/* Signals whose default action is to do nothing (Linux's SIGCHLD, SIGURG, SIGWINCH; SIGCONT continues). */
static int ignored_by_default(int signal)
{
    return signal == SIGCHLD || signal == SIGURG || signal == SIGWINCH || signal == SIGCONT;
}

int raise(int signal)
{
    if (!valid(signal)) {
        errno = EINVAL;
        return -1;
    }
    __pc_lock(&actions_lock);
    struct sigaction action = actions[signal];
    if (action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN && (action.sa_flags & SA_RESETHAND))
        actions[signal].sa_handler = SIG_DFL;
    __pc_unlock(&actions_lock);
    if (action.sa_handler == SIG_IGN || (action.sa_handler == SIG_DFL && ignored_by_default(signal)))
        return 0;
    if (action.sa_handler != SIG_DFL) {
        action.sa_handler(signal);
        return 0;
    }
    return (int)__pc_syscall_result(__pc_syscall3(SYS_tgkill, getpid(), gettid(), signal));
}

int kill(pid_t pid, int signal)
{
    if (pid == getpid() || pid == 0)
        return signal == 0 ? 0 : raise(signal);
    return (int)__pc_syscall_result(__pc_syscall2(SYS_kill, pid, signal));
}

/* abort runs a SIGABRT handler; if that returns, the default action ends the process anyway. Like glibc since 2.27,
   it does not flush streams. */
_Noreturn void abort(void)
{
    raise(SIGABRT);
    struct sigaction fallback = {SIG_DFL, {{0}}, 0};
    sigaction(SIGABRT, &fallback, 0);
    raise(SIGABRT);
    _exit(134);
}

int sigemptyset(sigset_t *set) { set->bits[0] = 0; return 0; }
int sigfillset(sigset_t *set) { set->bits[0] = ~0ul; return 0; }

static int set_bit(sigset_t *set, int signal, int on)
{
    if (!valid(signal)) {
        errno = EINVAL;
        return -1;
    }
    unsigned long bit = 1ul << (signal - 1);
    set->bits[0] = on ? set->bits[0] | bit : set->bits[0] & ~bit;
    return 0;
}

int sigaddset(sigset_t *set, int signal) { return set_bit(set, signal, 1); }
int sigdelset(sigset_t *set, int signal) { return set_bit(set, signal, 0); }

int sigismember(const sigset_t *set, int signal)
{
    if (!valid(signal)) {
        errno = EINVAL;
        return -1;
    }
    return (int)((set->bits[0] >> (signal - 1)) & 1);
}

/* glibc's descriptions. */
static const char *const signal_names[32] = {
    0, "Hangup", "Interrupt", "Quit", "Illegal instruction", "Trace/breakpoint trap", "Aborted", "Bus error",
    "Floating point exception", "Killed", "User defined signal 1", "Segmentation fault", "User defined signal 2",
    "Broken pipe", "Alarm clock", "Terminated", "Stack fault", "Child exited", "Continued", "Stopped (signal)",
    "Stopped", "Stopped (tty input)", "Stopped (tty output)", "Urgent I/O condition", "CPU time limit exceeded",
    "File size limit exceeded", "Virtual timer expired", "Profiling timer expired", "Window changed",
    "I/O possible", "Power failure", "Bad system call",
};

char *strsignal(int signal)
{
    static __thread char unknown[40];
    if (signal > 0 && signal < 32)
        return (char *)signal_names[signal];
    if (signal >= 34 && signal < NSIG) /* glibc's SIGRTMIN is 34: its threads library keeps 32 and 33 */
        snprintf(unknown, sizeof unknown, "Real-time signal %d", signal - 34);
    else
        snprintf(unknown, sizeof unknown, "Unknown signal %d", signal);
    return unknown;
}

void psignal(int signal, const char *prefix)
{
    if (prefix && *prefix)
        fprintf(stderr, "%s: %s\n", prefix, strsignal(signal));
    else
        fprintf(stderr, "%s\n", strsignal(signal));
}
