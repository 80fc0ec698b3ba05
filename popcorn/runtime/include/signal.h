#ifndef _SIGNAL_H
#define _SIGNAL_H
#define SIGABRT 6
#define SIGKILL 9
#define SIGSEGV 11
#define SIGTERM 15
int raise(int signal);
#endif
