/* Wide-character classes: ASCII's classes in the "C" locale; in "C.UTF-8" also the Latin-1 letters, and
   towupper/towlower map Latin-1 and the basic Greek and Cyrillic alphabets. Other scripts are not classified. */
#ifndef _WCTYPE_H
#define _WCTYPE_H
#include <wchar.h>
typedef int wctype_t;
int iswalnum(wint_t c);
int iswalpha(wint_t c);
int iswblank(wint_t c);
int iswcntrl(wint_t c);
int iswdigit(wint_t c);
int iswgraph(wint_t c);
int iswlower(wint_t c);
int iswprint(wint_t c);
int iswpunct(wint_t c);
int iswspace(wint_t c);
int iswupper(wint_t c);
int iswxdigit(wint_t c);
wint_t towlower(wint_t c);
wint_t towupper(wint_t c);
wctype_t wctype(const char *name);
int iswctype(wint_t c, wctype_t type);
#endif
