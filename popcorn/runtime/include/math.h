#ifndef _MATH_H
#define _MATH_H
#define M_E 2.7182818284590452354
#define M_LOG2E 1.4426950408889634074
#define M_LOG10E 0.43429448190325182765
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_PI 3.14159265358979323846
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_SQRT2 1.41421356237309504880
#define M_SQRT1_2 0.70710678118654752440
#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf_sign(x) /* -1 for -inf, as glibc */
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x) __builtin_signbit(x)
#define FP_NAN 0
#define FP_INFINITE 1
#define FP_ZERO 2
#define FP_SUBNORMAL 3
#define FP_NORMAL 4
#define fpclassify(x) __builtin_fpclassify(FP_NAN, FP_INFINITE, FP_NORMAL, FP_SUBNORMAL, FP_ZERO, x)
#define isnormal(x) __builtin_isnormal(x)
#define isgreater(x, y) __builtin_isgreater(x, y)
#define isgreaterequal(x, y) __builtin_isgreaterequal(x, y)
#define isless(x, y) __builtin_isless(x, y)
#define islessequal(x, y) __builtin_islessequal(x, y)
#define islessgreater(x, y) __builtin_islessgreater(x, y)
#define isunordered(x, y) __builtin_isunordered(x, y)
double sqrt(double x);
double fabs(double x);
double floor(double x);
double ceil(double x);
double trunc(double x);
double round(double x);
double rint(double x);
double nearbyint(double x);
long lround(double x);
double fmod(double x, double y);
double modf(double x, double *integer);
double frexp(double x, int *exponent);
double ldexp(double x, int exponent);
double scalbn(double x, int exponent);
double copysign(double x, double y);
double fmin(double x, double y);
double fmax(double x, double y);
double exp(double x);
double exp2(double x);
double expm1(double x);
double log(double x);
double log2(double x);
double log10(double x);
double log1p(double x);
double pow(double x, double y);
double cbrt(double x);
double hypot(double x, double y);
double logb(double x);
int ilogb(double x);
double nextafter(double x, double y);
float nextafterf(float x, float y);
float logbf(float x);
int ilogbf(float x);
#define FP_ILOGB0 (-2147483647 - 1)
#define FP_ILOGBNAN 2147483647
double sin(double x);
double cos(double x);
double tan(double x);
double asin(double x);
double acos(double x);
double atan(double x);
double atan2(double y, double x);
double sinh(double x);
double cosh(double x);
double tanh(double x);
float sqrtf(float x);
float fabsf(float x);
float floorf(float x);
float ceilf(float x);
float sinf(float x);
float cosf(float x);
float expf(float x);
float logf(float x);
float powf(float x, float y);
float fmodf(float x, float y);
double fma(double x, double y, double z);
float fmaf(float x, float y, float z);
void sincos(double x, double *s, double *c);
void sincosf(float x, float *s, float *c);
double exp10(double x);
float exp10f(float x);
double remainder(double x, double y);
double fdim(double x, double y);
long long llround(double x);
long lrint(double x);
long long llrint(double x);
double nan(const char *tag);
double asinh(double x);
double acosh(double x);
double atanh(double x);
float truncf(float x);
float roundf(float x);
float rintf(float x);
float nearbyintf(float x);
long lroundf(float x);
long long llroundf(float x);
float copysignf(float x, float y);
float fminf(float x, float y);
float fmaxf(float x, float y);
float fdimf(float x, float y);
float modff(float x, float *integer);
float frexpf(float x, int *exponent);
float ldexpf(float x, int exponent);
float scalbnf(float x, int exponent);
float tanf(float x);
float asinf(float x);
float acosf(float x);
float atanf(float x);
float atan2f(float y, float x);
float sinhf(float x);
float coshf(float x);
float tanhf(float x);
float exp2f(float x);
float expm1f(float x);
float log2f(float x);
float log10f(float x);
float log1pf(float x);
float cbrtf(float x);
float hypotf(float x, float y);
double erf(double x);
double erfc(double x);
float erff(float x);
float erfcf(float x);
double tgamma(double x);
double lgamma(double x);
double lgamma_r(double x, int *sign);
float tgammaf(float x);
float lgammaf(float x);
extern int signgam;
#endif
