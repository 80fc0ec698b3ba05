#undef assert
#ifdef NDEBUG
#define assert(condition) ((void)0)
#else
_Noreturn void __pc_assert_fail(const char *expression, const char *file, int line, const char *function);
#define assert(condition) ((condition) ? (void)0 : __pc_assert_fail(#condition, __FILE__, __LINE__, __func__))
#endif
#ifndef __cplusplus
#define static_assert _Static_assert
#endif
