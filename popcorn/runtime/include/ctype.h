#ifndef _CTYPE_H
#define _CTYPE_H
int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
/* LLVM's library-call simplifier turns isdigit(c) into a comparison whose value is 1, where glibc's table answers
   2048 (its macro reads the table): the call goes to another name, which the simplifier does not know. */
int __pc_isdigit(int c);
#define isdigit(c) __pc_isdigit(c)
int toupper(int c);
#endif
