/*
 * math.h. Every function uses only IEEE-754 operations that are correctly rounded on every ISA (add, subtract,
 * multiply, divide, square root, no fused multiply-add), so a program prints the same digits on aarch64 and
 * riscv64. Accuracy is within a few ulps of the exact result for ordinary arguments.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>

static uint64_t bits_of(double x)
{
    union { double d; uint64_t u; } v = {x};
    return v.u;
}

static double from_bits(uint64_t u)
{
    union { uint64_t u; double d; } v = {u};
    return v.d;
}


double sqrt(double x) { return __builtin_sqrt(x); }
float sqrtf(float x) { return __builtin_sqrtf(x); }
double fabs(double x) { return from_bits(bits_of(x) & ~(1ull << 63)); }
float fabsf(float x) { return (float)fabs(x); }
double copysign(double x, double y) { return from_bits((bits_of(x) & ~(1ull << 63)) | (bits_of(y) & (1ull << 63))); }

double trunc(double x)
{
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    if (e >= 52)
        return x;
    if (e < 0)
        return from_bits(u & (1ull << 63));
    return from_bits(u & ~((1ull << (52 - e)) - 1));
}

double floor(double x)
{
    double t = trunc(x);
    return t > x ? t - 1.0 : t;
}

double ceil(double x)
{
    double t = trunc(x);
    return t < x ? t + 1.0 : t;
}

float floorf(float x) { return (float)floor(x); }
float ceilf(float x) { return (float)ceil(x); }

double round(double x)
{
    double t = trunc(x), fraction = x - t;
    /* By the sign of x rather than fabs(x - t), which aarch64 fuses into FABD, an instruction of the SIMD group. */
    if (x >= 0 ? fraction >= 0.5 : fraction <= -0.5)
        t += copysign(1.0, x);
    return t;
}

long lround(double x) { return (long)round(x); }

double rint(double x)
{
    static const double two52 = 4503599627370496.0;
    if (!(fabs(x) < two52))
        return x;
    double r = x >= 0 ? (x + two52) - two52 : (x - two52) + two52;
    return copysign(r, x);
}

double nearbyint(double x) { return rint(x); }

double modf(double x, double *integer)
{
    double t = trunc(x);
    *integer = t;
    return isinf(x) ? copysign(0.0, x) : copysign(x - t, x);
}

double scalbn(double x, int n)
{
    while (n > 1023) {
        x *= 0x1p1023;
        n -= 1023;
        if (n > 1023 && isinf(x))
            return x;
    }
    while (n < -1022) {
        x *= 0x1p-969; /* 2^-1022 * 2^53: keeps precision while stepping into the subnormals */
        n += 969;
        if (n < -1022 && x == 0)
            return x;
    }
    return x * from_bits((uint64_t)(n + 1023) << 52);
}

double ldexp(double x, int n) { return scalbn(x, n); }

double frexp(double x, int *exponent)
{
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff);
    if (e == 0) {
        if (x == 0) {
            *exponent = 0;
            return x;
        }
        x *= 0x1p64;
        u = bits_of(x);
        e = (int)((u >> 52) & 0x7ff) - 64;
    } else if (e == 0x7ff) {
        *exponent = 0;
        return x;
    }
    *exponent = e - 1022;
    return from_bits((u & ~(0x7ffull << 52)) | (1022ull << 52));
}

/* Exact remainder: subtract y scaled by powers of two; each step is exact. */
double fmod(double x, double y)
{
    if (isnan(x) || isnan(y) || isinf(x) || y == 0)
        return (x * y) / (x * y);
    double ax = fabs(x), ay = fabs(y);
    if (ax < ay)
        return x;
    int ex, ey;
    frexp(ax, &ex);
    frexp(ay, &ey);
    double r = ax;
    for (int shift = ex - ey; shift >= 0 && r >= ay; shift--) {
        double t = scalbn(ay, shift);
        if (t <= r)
            r -= t;
    }
    return copysign(r, x);
}

float fmodf(float x, float y) { return (float)fmod(x, y); }
double fmin(double x, double y) { return isnan(x) ? y : isnan(y) ? x : x < y ? x : y; }
double fmax(double x, double y) { return isnan(x) ? y : isnan(y) ? x : x > y ? x : y; }

float expf(float x) { return (float)exp(x); }

float logf(float x) { return (float)log(x); }

float powf(float x, float y) { return (float)pow(x, y); }

/* Exact products without fused multiply-add: Veltkamp's split of each factor into 26-bit halves and Dekker's
   product, so a * b = *high + *low exactly (barring overflow and underflow of the partial products). */
static void split(double a, double *high, double *low)
{
    double c = 134217729.0 * a; /* 2^27 + 1 */
    *high = c - (c - a);
    *low = a - *high;
}

static void exact_product(double a, double b, double *high, double *low)
{
    double ah, al, bh, bl;
    split(a, &ah, &al);
    split(b, &bh, &bl);
    *high = a * b;
    *low = ((ah * bh - *high) + ah * bl + al * bh) + al * bl;
}

/*
 * exp, log and pow work in double-double arithmetic (a value as an unevaluated sum hi + lo): log returns about 67
 * bits, exp takes a double-double argument, so pow(x, y) = exp(y log x) loses nothing to the product. Each result is
 * rounded once at the end and so correctly rounded but for arguments whose exact result lies within about 2^-60
 * (relative) of a tie between two doubles; glibc is correctly rounded in the same sense, so both print the same
 * digits but for those rare cases.
 */
static void two_sum(double a, double b, double *sum, double *error)
{
    *sum = a + b;
    double b_virtual = *sum - a;
    *error = (a - (*sum - b_virtual)) + (b - b_virtual);
}

static const double ln2_high = 0x1.62e42fee00000p-1;  /* 32 bits: k ln2_high is exact for |k| < 2^21 */
static const double ln2_middle = 0x1.a39ef35793c76p-33;
static const double ln2_low = 0x1.cc01f97b57a08p-87;

/* log |x| for a finite x > 0 as hi + lo, within about 2^-67 of the value. */
static void log_dd(double x, double *hi, double *lo)
{
    int k;
    double m = frexp(x, &k); /* [0.5, 1) */
    if (m < M_SQRT1_2) {
        m *= 2;
        k--;
    }
    /* log m = 2 atanh(f), f = (m - 1) / (m + 1), |f| < 0.1716; m - 1 is exact, m + 1 a double-double. */
    double numerator = m - 1, dh, dl;
    two_sum(m, 1.0, &dh, &dl);
    double fh = numerator / dh, ph, pl;
    exact_product(fh, dh, &ph, &pl);
    double fl = (((numerator - ph) - pl) - fh * dl) / dh;
    /* 2 atanh(f) = 2f + 2f^3/3 + 2f^5/5 + ...: the first two terms in double-double, the rest in double. */
    double f2h, f2l, f3h, f3l;
    exact_product(fh, fh, &f2h, &f2l);
    f2l += 2 * fh * fl;
    exact_product(f2h, fh, &f3h, &f3l);
    f3l += f2l * fh + f2h * fl;
    double cube_h, cube_l; /* 2f^3/3; the error of 2/3 in a double is below what the sum keeps */
    exact_product(f3h, 2.0 / 3, &cube_h, &cube_l);
    cube_l += f3l * (2.0 / 3);
    double f2 = f2h, power = f3h * f2, tail = 0;
    for (int n = 5; n < 30; n += 2) {
        tail += 2 * power / n;
        power *= f2;
    }
    /* sum: k ln2 + 2f + 2f^3/3 + tail, largest first, errors collected in lo */
    double a, ae, b, be, c, ce;
    two_sum(k * ln2_high, 2 * fh, &a, &ae);
    two_sum(a, cube_h, &b, &be);
    two_sum(b, k * ln2_middle, &c, &ce);
    double low = ae + be + ce + 2 * fl + cube_l + tail + k * ln2_low;
    two_sum(c, low, hi, lo);
}

/* e^(hi + lo), |lo| at most an ulp or so of hi. */
static double exp_dd(double hi, double lo)
{
    if (hi > 709.8)
        return HUGE_VAL;
    if (hi < -745.2)
        return 0;
    double k = rint(hi * 1.4426950408889634);
    /* r = hi + lo - k ln2 as a double-double: k ln2_high is exact and close to hi (Sterbenz), the rest small */
    double r1 = hi - k * ln2_high, mh, ml, rh, rl;
    exact_product(k, ln2_middle, &mh, &ml);
    two_sum(r1, -mh, &rh, &rl);
    rl += lo - ml - k * ln2_low;
    /* e^r = 1 + r + r^2/2 + q, q = r^3/6 + ... in double; then times (1 + rl) */
    double sh, sl;
    exact_product(rh, rh, &sh, &sl);
    double term = sh * rh / 6, q = 0;
    for (int n = 4; n < 16 && term != 0; n++) {
        q += term;
        term = term * rh / n;
    }
    double ah, al, bh, bl;
    two_sum(1.0, rh, &ah, &al);
    two_sum(ah, sh * 0.5, &bh, &bl);
    double tail = al + bl + sl * 0.5 + q + rl * (1 + rh + sh * 0.5);
    return scalbn(bh + tail, (int)k);
}

double exp(double x)
{
    if (isnan(x))
        return x;
    return exp_dd(x, 0);
}

static const double inverse_ln2_high = 0x1.71547652b82fep+0, inverse_ln2_low = 0x1.777d0ffda0d24p-56;
static const double inverse_ln10_high = 0x1.bcb7b1526e50ep-2, inverse_ln10_low = 0x1.95355baaafad3p-57;
static const double ln2_dd_high = 0x1.62e42fefa39efp-1, ln2_dd_low = 0x1.abc9e3b39803fp-56;

/* (hi + lo)(c_hi + c_lo), rounded to a double */
static double times_dd(double hi, double lo, double c_hi, double c_lo, double *low)
{
    double ph, pl;
    exact_product(hi, c_hi, &ph, &pl);
    pl += hi * c_lo + lo * c_hi;
    double result, error;
    two_sum(ph, pl, &result, &error);
    if (low)
        *low = error;
    return result;
}

double exp2(double x)
{
    if (isnan(x))
        return x;
    if (x == rint(x) && fabs(x) < 1022)
        return scalbn(1.0, (int)x);
    double lo, hi = times_dd(x, 0, ln2_dd_high, ln2_dd_low, &lo);
    return exp_dd(hi, lo);
}

/* log's special values: NaN for a negative or NaN argument, -infinity for zero, +infinity for +infinity; 0 when
   the argument needs the computation. */
static int log_special(double x, double *result)
{
    if (isnan(x) || x < 0) {
        *result = __builtin_nan("");
        return 1;
    }
    if (x == 0 || isinf(x)) {
        *result = x == 0 ? -HUGE_VAL : x;
        return 1;
    }
    return 0;
}

double log(double x)
{
    double result, hi, lo;
    if (log_special(x, &result))
        return result;
    log_dd(x, &hi, &lo);
    return hi + lo;
}

double log2(double x)
{
    double result, hi, lo;
    if (log_special(x, &result))
        return result;
    int e;
    if (frexp(x, &e) == 0.5) /* a power of two: exact */
        return e - 1;
    log_dd(x, &hi, &lo);
    return times_dd(hi, lo, inverse_ln2_high, inverse_ln2_low, 0);
}

double log10(double x)
{
    double result, hi, lo;
    if (log_special(x, &result))
        return result;
    log_dd(x, &hi, &lo);
    return times_dd(hi, lo, inverse_ln10_high, inverse_ln10_low, 0); /* exact powers of ten give their exponent */
}

static int is_integer(double y) { return trunc(y) == y; }
static int is_odd_integer(double y) { return is_integer(y) && fabs(y) < 0x1p53 && fmod(fabs(y), 2.0) == 1.0; }

double pow(double x, double y)
{
    if (y == 0 || x == 1)
        return 1;
    if (isnan(x) || isnan(y))
        return x + y;
    if (x == 0) {
        if (y < 0)
            return is_odd_integer(y) ? copysign(HUGE_VAL, x) : HUGE_VAL;
        return is_odd_integer(y) ? x : 0;
    }
    if (isinf(y)) {
        double ax = fabs(x);
        if (ax == 1)
            return 1;
        return (ax > 1) == (y > 0) ? HUGE_VAL : 0;
    }
    if (isinf(x)) {
        double magnitude = y > 0 ? HUGE_VAL : 0;
        return x < 0 && is_odd_integer(y) ? -magnitude : magnitude;
    }
    if (x < 0 && !is_integer(y))
        return __builtin_nan("");
    /* |x|^y = e^(y log |x|), the product a double-double */
    double lh, ll, ph, pl;
    log_dd(fabs(x), &lh, &ll);
    if (fabs(y * lh) > 2000) /* certain overflow or underflow (and y too large for an exact product) */
        return exp_dd(y * lh, 0) * (x < 0 && is_odd_integer(y) ? -1 : 1);
    exact_product(y, lh, &ph, &pl);
    pl += y * ll;
    double hi, lo;
    two_sum(ph, pl, &hi, &lo);
    double magnitude = exp_dd(hi, lo);
    return x < 0 && is_odd_integer(y) ? -magnitude : magnitude;
}

/*
 * cbrt: x = m 2^(3k) with m in [1, 8); an estimate y of cbrt(m) within a few ulps, then one Newton step whose
 * residual y^3 - m is computed exactly enough (y^2 and y^2 y as exact products, the leading difference exact by
 * Sterbenz), so the step leaves an error near 2^-100 and the final subtraction rounds correctly but for cases
 * within that distance of a tie.
 */
double cbrt(double x)
{
    if (x == 0 || isnan(x) || isinf(x))
        return x;
    int e;
    double m = frexp(fabs(x), &e); /* [0.5, 1) */
    int k = (e + 2999) / 3 - 1000; /* floor((e - 1) / 3) + ... : e - 3k in [1, 3] */
    m = scalbn(m, e - 3 * k);      /* [1, 8) */
    double y = exp(log(m) / 3);
    double y2h, y2l, y3h, y3l, y3ll, unused;
    exact_product(y, y, &y2h, &y2l);
    exact_product(y2h, y, &y3h, &y3l);
    exact_product(y2l, y, &y3ll, &unused);
    double residual = ((y3h - m) + y3l) + y3ll;
    y -= residual / (3 * y2h);
    return copysign(scalbn(y, k), x);
}

/*
 * hypot: both scaled by a power of two into a safe range, x^2 + y^2 as an exact double-double sum of exact
 * products, its square root r, then r corrected by (s - r^2) / 2r with r^2 exact: correctly rounded but for cases
 * within about 2^-100 of a tie.
 */
double hypot(double x, double y)
{
    x = fabs(x);
    y = fabs(y);
    if (isinf(x) || isinf(y))
        return HUGE_VAL;
    if (isnan(x) || isnan(y))
        return x + y;
    double big = x > y ? x : y, small = x > y ? y : x;
    if (small == 0 || big > small * 0x1p60)
        return big + small;
    int scale = 0;
    if (big > 0x1p500) {
        scale = 600;
        big *= 0x1p-600;
        small *= 0x1p-600;
    } else if (small < 0x1p-450) {
        scale = -600;
        big *= 0x1p600;
        small *= 0x1p600;
    }
    double bh, bl, sh, sl;
    exact_product(big, big, &bh, &bl);
    exact_product(small, small, &sh, &sl);
    double sum = bh + sh, sum_error = (bh - sum) + sh; /* bh >= sh: Fast2Sum */
    double low = sum_error + bl + sl;
    double r = sqrt(sum + low), rh, rl;
    exact_product(r, r, &rh, &rl);
    double residual = (((sum - rh) - rl) + low);
    r += residual / (2 * r);
    return scalbn(r, scale);
}

double logb(double x)
{
    if (isnan(x))
        return x;
    if (isinf(x))
        return HUGE_VAL;
    if (x == 0)
        return -HUGE_VAL; /* a pole: -infinity, as glibc */
    int e;
    frexp(x, &e);
    return e - 1;
}

int ilogb(double x)
{
    if (isnan(x))
        return FP_ILOGBNAN;
    if (x == 0)
        return FP_ILOGB0;
    if (isinf(x))
        return INT_MAX;
    int e;
    frexp(x, &e);
    return e - 1;
}

double nextafter(double x, double y)
{
    if (isnan(x) || isnan(y))
        return x + y;
    if (x == y)
        return y;
    if (x == 0)
        return copysign(from_bits(1), y);
    uint64_t u = bits_of(x);
    u = (y > x) == (x > 0) ? u + 1 : u - 1;
    return from_bits(u);
}

float nextafterf(float x, float y)
{
    union { float f; uint32_t u; } v = {x};
    if (isnan(x) || isnan(y))
        return x + y;
    if (x == y)
        return y;
    if (x == 0) {
        v.u = 1;
        return copysignf(v.f, y);
    }
    v.u = (y > x) == (x > 0) ? v.u + 1 : v.u - 1;
    return v.f;
}

/* sin and cos of r = rh + rl, |r| <= pi/4: the leading terms (r - r^3/6, 1 - r^2/2) in double-double, the rest of
   the Taylor series in double, rounded once at the end. */
static double sin_kernel(double rh, double rl, double *low)
{
    double qh, ql, ch, cl, sixth, ph, pl;
    exact_product(rh, rh, &qh, &ql);
    exact_product(qh, rh, &ch, &cl);
    cl += ql * rh;
    sixth = ch / 6; /* r^3/6 as sixth + sixth_low */
    exact_product(sixth, 6, &ph, &pl);
    double sixth_low = (((ch - ph) - pl) + cl) / 6;
    double term = sixth * qh / 20, tail = 0; /* r^5/120, then alternating */
    for (int n = 6; n < 26 && term != 0; n += 2) {
        tail += term;
        term = -term * qh / (n * (n + 1));
    }
    double a, ae, result;
    two_sum(rh, -sixth, &a, &ae);
    two_sum(a, ae - sixth_low + tail + rl * (1 - qh * 0.5), &result, low);
    return result;
}

static double cos_kernel(double rh, double rl, double *low)
{
    double qh, ql;
    exact_product(rh, rh, &qh, &ql);
    ql += 2 * rh * rl;
    double term = qh * qh / 24, tail = 0; /* r^4/24, then alternating */
    for (int n = 5; n < 25 && term != 0; n += 2) {
        tail += term;
        term = -term * qh / (n * (n + 1));
    }
    double a, ae, result;
    two_sum(1.0, -qh * 0.5, &a, &ae);
    two_sum(a, ae - ql * 0.5 + tail, &result, low);
    return result;
}

/* The first 1,280 bits of the binary fraction 2/pi (computed with Machin's formula), for reducing large arguments. */
static const uint64_t two_over_pi_bits[20] = {
    0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull, 0xfe5163abdebbc561ull,
    0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull, 0xfe1deb1cb129a73eull, 0xe88235f52ebb4484ull,
    0xe99c7026b45f7e41ull, 0x3991d639835339f4ull, 0x9c845f8bbdf9283bull, 0x1ff897ffde05980full,
    0xef2f118b5a0a6d1full, 0x6d367ecf27cb09b7ull, 0x4f463f669e5fea2dull, 0x7527bac7ebe5f17bull,
    0x3d0739f78a5292eaull, 0x6bfb5fb11f8d5d08ull, 0x56033046fc7b6babull, 0xf0cfbc209af4361dull,
};

/* 64 bits of 2/pi starting at bit position `from` (bit 0 is the first after the binary point; before it, zeros). */
static uint64_t two_over_pi_window(int from)
{
    if (from < 0)
        return from <= -64 ? 0 : two_over_pi_window(0) >> -from;
    int word = from / 64, shift = from % 64;
    uint64_t high = two_over_pi_bits[word];
    return shift == 0 ? high : high << shift | two_over_pi_bits[word + 1] >> (64 - shift);
}

/*
 * Payne and Hanek's reduction for |x| >= 2^19: x = m 2^e with m a 53-bit integer, and x 2/pi mod 4 needs only the
 * bits of 2/pi from position e - 2 on (earlier ones give multiples of 4). m times 192 of those bits is exact in
 * integers; its top two bits are q mod 4 and the bits below the fraction, which times pi/2 is r.
 */
static int reduce_large(double x, double *r, double *r_low)
{
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff) - 1075;
    uint64_t m = (u & ((1ull << 52) - 1)) | (1ull << 52);
    int from = e - 2; /* at least -35 here, since |x| >= 2^19 */
    uint64_t w2 = two_over_pi_window(from), w1 = two_over_pi_window(from + 64), w0 = two_over_pi_window(from + 128);
    unsigned __int128 p0 = (unsigned __int128)m * w0, p1 = (unsigned __int128)m * w1, p2 = (unsigned __int128)m * w2;
    unsigned __int128 t1 = (p0 >> 64) + (uint64_t)p1;
    unsigned __int128 t2 = (p1 >> 64) + (uint64_t)p2 + (t1 >> 64);
    uint64_t r2 = (uint64_t)t2, r1 = (uint64_t)t1;
    /* The product is m W 2^(e - from - 192) = m W 2^-190: bits 190 and 191 (r2's top two) are q mod 4. */
    int q = (int)(r2 >> 62);
    uint64_t f_high = r2 << 2 | r1 >> 62, f_low = r1 << 2; /* the fraction, 128 bits */
    double sign = 1.0;
    if (f_high >> 63) { /* fraction >= 1/2: round q up; r is negative, its magnitude 1 - fraction */
        q++;
        sign = -1.0;
        f_high = ~f_high;
        f_low = ~f_low;
        if (++f_low == 0)
            f_high++;
    }
    /* fraction = f_high 2^-64 + f_low 2^-128 in [0, 1/2]; times pi/2 as a double-double */
    double fh = (double)(f_high >> 11) * 0x1p-53, fl = ((double)(f_high & 0x7ff) * 0x1p-64) + (double)f_low * 0x1p-128;
    static const double pio2_hi = 1.5707963267948966, pio2_lo = 6.123233995736766e-17;
    double ph, pl;
    exact_product(fh, pio2_hi, &ph, &pl);
    pl += fh * pio2_lo + fl * pio2_hi;
    two_sum(ph, pl, r, r_low);
    if ((x < 0) != (sign < 0)) {
        *r = -*r;
        *r_low = -*r_low;
    }
    if (x < 0)
        q = -q;
    return q & 3;
}

/* r = x - q pi/2 with a three-part pi/2 (Cody and Waite: q times the first part is exact while q < 2^19);
   returns q mod 4. */
static int reduce(double x, double *r, double *r_low)
{
    static const double pio2_1 = 1.57079632673412561417e+00;
    static const double pio2_2 = 6.07710050650619224932e-11;
    static const double pio2_3 = 2.02226624879595063154e-21;
    if (fabs(x) >= 0x1p19)
        return reduce_large(x, r, r_low);
    double q = rint(x * M_2_PI), s, e;
    /* q pio2_1 and q pio2_2 are exact (33-bit parts), so is x - q pio2_1; the rest is kept as a double-double */
    two_sum(x - q * pio2_1, -(q * pio2_2), &s, &e);
    two_sum(s, e - q * pio2_3, r, r_low);
    return (int)((long)q & 3);
}

/* sin (which 0) or cos (which 1) of x, as hi + *low. */
static double sin_or_cos(double x, int which, double *low)
{
    double r, r_low;
    int quadrant = (reduce(x, &r, &r_low) + which) & 3;
    double value = quadrant & 1 ? cos_kernel(r, r_low, low) : sin_kernel(r, r_low, low);
    if (quadrant & 2) {
        *low = -*low;
        return -value;
    }
    return value;
}

double sin(double x)
{
    if (isnan(x) || isinf(x))
        return x - x;
    if (x == 0)
        return x; /* keeps the sign of zero */
    double low;
    return sin_or_cos(x, 0, &low);
}

double cos(double x)
{
    if (isnan(x) || isinf(x))
        return x - x;
    double low;
    return sin_or_cos(x, 1, &low);
}

float sinf(float x) { return (float)sin(x); }
float cosf(float x) { return (float)cos(x); }
/* tan = sin / cos from their double-double values: the quotient, then one correction from the exact residual. */
double tan(double x)
{
    if (isnan(x) || isinf(x))
        return x - x;
    if (x == 0)
        return x;
    double sl, cl, sh = sin_or_cos(x, 0, &sl), ch = sin_or_cos(x, 1, &cl);
    double t = sh / ch, ph, pl;
    exact_product(t, ch, &ph, &pl);
    return t + (((sh - ph) - pl) + sl - t * cl) / ch;
}

static const double pi_high = 0x1.921fb54442d18p+1, pi_low = 0x1.1a62633145c07p-53; /* pi as a double-double */

/* (ah + al) / (bh + bl): the quotient, then one correction from its exact residual. */
static void divide_dd(double ah, double al, double bh, double bl, double *qh, double *ql)
{
    double q = ah / bh, ph, pl;
    exact_product(q, bh, &ph, &pl);
    double correction = (((ah - ph) - pl) + al - q * bl) / bh;
    two_sum(q, correction, qh, ql);
}

/* atan(num / den) for finite num, den >= 0, not both zero, as hi + lo: reduced to |t| <= tan(pi/8) through
   pi/2 - atan(1/t) and pi/4 + atan((t - 1)/(t + 1)) with every step a double-double; t - t^3/3 a double-double
   and the rest of the series a double. */
static void atan_dd(double num, double den, double *hi, double *lo)
{
    /* exact products split their factors with 2^27 + 1, which overflows above about 2^996 */
    if (num > 0x1p900 || den > 0x1p900) {
        num *= 0x1p-200;
        den *= 0x1p-200;
    } else if (num < 0x1p-900 && den < 0x1p-900) {
        num *= 0x1p200;
        den *= 0x1p200;
    }
    int swapped = num > den;
    if (swapped) {
        double larger = num;
        num = den;
        den = larger;
    }
    double th, tl, base = 0, base_low = 0;
    if (num > 0.41421356237309503 * den) {
        double ah, al, bh, bl;
        two_sum(num, -den, &ah, &al);
        two_sum(num, den, &bh, &bl);
        divide_dd(ah, al, bh, bl, &th, &tl);
        base = pi_high / 4;
        base_low = pi_low / 4;
    } else {
        divide_dd(num, 0, den, 0, &th, &tl);
    }
    double qh, ql, ch, cl, third, ph, pl;
    exact_product(th, th, &qh, &ql);
    exact_product(qh, th, &ch, &cl);
    cl += ql * th;
    third = ch / 3;
    exact_product(third, 3, &ph, &pl);
    double third_low = (((ch - ph) - pl) + cl) / 3;
    double power = ch * qh, tail = 0; /* t^5, then every other power with alternating signs */
    for (int n = 5; n < 60 && power != 0; n += 4) {
        tail += power / n - power * qh / (n + 2);
        power *= qh * qh;
    }
    double a, ae, b, be;
    two_sum(th, -third, &a, &ae);
    two_sum(base, a, &b, &be);
    double low = ae - third_low + tail + tl / (1 + qh) + be + base_low;
    if (swapped) { /* pi/2 - (b + low) */
        double c, ce;
        two_sum(pi_high / 2, -b, &c, &ce);
        low = ce + pi_low / 2 - low;
        b = c;
    }
    two_sum(b, low, hi, lo);
}

double atan(double x)
{
    if (isnan(x))
        return x;
    if (isinf(x))
        return copysign(pi_high / 2, x);
    if (x == 0)
        return x;
    double hi, lo;
    atan_dd(fabs(x), 1.0, &hi, &lo);
    return copysign(hi, x);
}

double atan2(double y, double x)
{
    if (isnan(x) || isnan(y))
        return x + y;
    if (isinf(x) || isinf(y)) {
        if (isinf(x) && isinf(y))
            return copysign(x > 0 ? pi_high / 4 : 3 * pi_high / 4, y);
        if (isinf(y))
            return copysign(pi_high / 2, y);
        return x > 0 ? copysign(0.0, y) : copysign(pi_high, y);
    }
    if (y == 0)
        return signbit(x) ? copysign(pi_high, y) : copysign(0.0, y);
    if (x == 0)
        return copysign(pi_high / 2, y);
    double hi, lo;
    atan_dd(fabs(y), fabs(x), &hi, &lo);
    if (x < 0) { /* pi - atan */
        double c, ce;
        two_sum(pi_high, -hi, &c, &ce);
        hi = c + (ce + pi_low - lo);
    }
    return copysign(hi, y);
}

/*
 * asin and acos in double-double arithmetic (the helpers below): the series to 0.5, above it
 * pi/2 - 2 asin sqrt((1 - |x|)/2) with 1 - |x| exact, each result rounded once, so they are correctly rounded but for
 * results within about 2^-60 of a tie, as glibc's (IBM's correctly rounded ones) are.
 */
static void add_dd(double ah, double al, double bh, double bl, double *h, double *l)
{
    double s, e;
    two_sum(ah, bh, &s, &e);
    two_sum(s, e + al + bl, h, l);
}

static void multiply_dd(double ah, double al, double bh, double bl, double *h, double *l)
{
    double ph, pl;
    exact_product(ah, bh, &ph, &pl);
    two_sum(ph, pl + ah * bl + al * bh, h, l);
}

static void sqrt_dd(double ah, double al, double *h, double *l)
{
    double root = sqrt(ah), ph, pl;
    if (root == 0) {
        *h = root;
        *l = 0;
        return;
    }
    exact_product(root, root, &ph, &pl);
    two_sum(root, (((ah - ph) - pl) + al) / (2 * root), h, l);
}

/*
 * expm1, log1p and the hyperbolic functions are glibc's (fdlibm's, with glibc's polynomial evaluation order) over
 * this file's exp and log: they are not correctly rounded (an ulp off on 5-25% of arguments) but deterministic, so
 * a program prints glibc's digits for them wherever exp and log agree with glibc's. Their algorithms and coefficients,
 * and erf's and erfc's below, are fdlibm's, whose notice reads: "Copyright (C) 1993 by Sun Microsystems, Inc. All
 * rights reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and
 * distribute this software is freely granted, provided that this notice is preserved."
 */
static uint32_t high_word(double x) { return (uint32_t)(bits_of(x) >> 32); }
static uint32_t low_word(double x) { return (uint32_t)bits_of(x); }
static double with_high_word(double x, uint32_t high) { return from_bits((uint64_t)high << 32 | low_word(x)); }

static const double fd_ln2_hi = 6.93147180369123816490e-01, fd_ln2_lo = 1.90821492927058770002e-10;

double expm1(double x)
{
    static const double Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03,
                        Q3 = -7.93650757867487942473e-05, Q4 = 4.00821782732936239552e-06,
                        Q5 = -2.01099218183624371326e-07;
    uint32_t hx = high_word(x), negative = hx & 0x80000000;
    double y, hi, lo, c = 0, t, e;
    int k;
    hx &= 0x7fffffff;
    if (hx >= 0x4043687a) { /* |x| >= 56 ln2 */
        if (hx >= 0x40862e42) {
            if (hx >= 0x7ff00000)
                return isnan(x) ? x + x : negative ? -1.0 : x;
            if (x > 7.09782712893383973096e+02)
                return HUGE_VAL;
        }
        if (negative)
            return -1.0;
    }
    if (hx > 0x3fd62e42) { /* |x| > ln2 / 2 */
        if (hx < 0x3ff0a2b2) {
            k = negative ? -1 : 1;
            hi = negative ? x + fd_ln2_hi : x - fd_ln2_hi;
            lo = negative ? -fd_ln2_lo : fd_ln2_lo;
        } else {
            k = (int)(1.44269504088896338700e+00 * x + (negative ? -0.5 : 0.5));
            t = k;
            hi = x - t * fd_ln2_hi;
            lo = t * fd_ln2_lo;
        }
        x = hi - lo;
        c = (hi - x) - lo;
    } else if (hx < 0x3c900000) { /* |x| < 2^-54 */
        return x;
    } else {
        k = 0;
    }
    double hfx = 0.5 * x, hxs = x * hfx;
    double R1 = 1.0 + hxs * Q1, h2 = hxs * hxs, R2 = Q2 + hxs * Q3, h4 = h2 * h2, R3 = Q4 + hxs * Q5;
    double r1 = R1 + h2 * R2 + h4 * R3;
    t = 3.0 - r1 * hfx;
    e = hxs * ((r1 - t) / (6.0 - x * t));
    if (k == 0)
        return x - (x * e - hxs);
    e = (x * (e - c) - c);
    e -= hxs;
    if (k == -1)
        return 0.5 * (x - e) - 0.5;
    if (k == 1)
        return x < -0.25 ? -2.0 * (e - (x + 0.5)) : 1.0 + 2.0 * (x - e);
    if (k <= -2 || k > 56) {
        y = 1.0 - (e - x);
        y = k == 1024 ? y * 2.0 * 0x1p1023 : with_high_word(y, high_word(y) + ((uint32_t)k << 20));
        return y - 1.0;
    }
    if (k < 20) {
        t = from_bits((uint64_t)(0x3ff00000 - (0x200000 >> k)) << 32); /* 1 - 2^-k */
        y = t - (e - x);
    } else {
        t = from_bits((uint64_t)((0x3ff - k) << 20) << 32); /* 2^-k */
        y = x - (e + t);
        y += 1.0;
    }
    return with_high_word(y, high_word(y) + ((uint32_t)k << 20));
}

double log1p(double x)
{
    static const double Lp1 = 6.666666666666735130e-01, Lp2 = 3.999999999940941908e-01,
                        Lp3 = 2.857142874366239149e-01, Lp4 = 2.222219843214978396e-01,
                        Lp5 = 1.818357216161805012e-01, Lp6 = 1.531383769920937332e-01,
                        Lp7 = 1.479819860511658591e-01;
    int32_t hx = (int32_t)high_word(x), ax = hx & 0x7fffffff, k = 1, hu = 0;
    double f = 0, c = 0, u;
    if (hx < 0x3fda827a) { /* x < 0.41422 */
        if (ax >= 0x3ff00000) /* x <= -1 */
            return x == -1.0 ? -HUGE_VAL : __builtin_nan("");
        if (ax < 0x3e200000) /* |x| < 2^-29 */
            return ax < 0x3c900000 ? x : x - x * x * 0.5;
        if (hx > 0 || hx <= (int32_t)0xbfd2bec4) { /* -0.2929 < x < 0.41422 */
            k = 0;
            f = x;
            hu = 1;
        }
    } else if (hx >= 0x7ff00000) {
        return x + x;
    }
    if (k != 0) {
        if (hx < 0x43400000) {
            u = 1.0 + x;
            hu = (int32_t)high_word(u);
            k = (hu >> 20) - 1023;
            c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
            c /= u;
        } else {
            u = x;
            hu = (int32_t)high_word(u);
            k = (hu >> 20) - 1023;
            c = 0;
        }
        hu &= 0x000fffff;
        if (hu < 0x6a09e) {
            u = with_high_word(u, (uint32_t)hu | 0x3ff00000);
        } else {
            k += 1;
            u = with_high_word(u, (uint32_t)hu | 0x3fe00000);
            hu = (0x00100000 - hu) >> 2;
        }
        f = u - 1.0;
    }
    double hfsq = 0.5 * f * f, R;
    if (hu == 0) { /* |f| < 2^-20 */
        if (f == 0) {
            if (k == 0)
                return 0;
            c += k * fd_ln2_lo;
            return k * fd_ln2_hi + c;
        }
        R = hfsq * (1.0 - 0.66666666666666666 * f);
        return k == 0 ? f - R : k * fd_ln2_hi - ((R - (k * fd_ln2_lo + c)) - f);
    }
    double s = f / (2.0 + f), z = s * s;
    double R1 = z * Lp1, z2 = z * z, R2 = Lp2 + z * Lp3, z4 = z2 * z2, R3 = Lp4 + z * Lp5, z6 = z4 * z2,
           R4 = Lp6 + z * Lp7;
    R = R1 + z2 * R2 + z4 * R3 + z6 * R4;
    if (k == 0)
        return f - (hfsq - s * (hfsq + R));
    return k * fd_ln2_hi - ((hfsq - (s * (hfsq + R) + (k * fd_ln2_lo + c))) - f);
}

/* h e^|x| near overflow as (h exp(|x| / 2)) exp(|x| / 2), so that it overflows only where sinh and cosh do. */
static int near_overflow(double x, double h, double *result)
{
    uint32_t ix = high_word(x) & 0x7fffffff;
    if (ix < 0x408633ce || (ix == 0x408633ce && low_word(x) <= 0x8fb9f87du)) {
        double w = exp(0.5 * fabs(x)), t = h * w;
        *result = t * w;
        return 1;
    }
    return 0;
}

/* The sign goes on last (fdlibm multiplies by +-0.5, the same digits): a sign-dependent constant kept across the
   calls is a value outside the IR that no stack map records, and such a frame could not migrate. */
double sinh(double x)
{
    uint32_t ix = high_word(x) & 0x7fffffff;
    double a = fabs(x), t, result;
    if (ix >= 0x7ff00000)
        return x + x;
    if (ix < 0x40360000) { /* |x| < 22 */
        if (ix < 0x3e300000) /* |x| < 2^-28 */
            return x;
        t = expm1(a);
        result = ix < 0x3ff00000 ? 0.5 * (2.0 * t - t * t / (t + 1.0)) : 0.5 * (t + t / (t + 1.0));
    } else if (ix < 0x40862e42) {
        result = 0.5 * exp(a);
    } else if (!near_overflow(x, 0.5, &result)) {
        result = HUGE_VAL;
    }
    return copysign(result, x);
}

double cosh(double x)
{
    uint32_t ix = high_word(x) & 0x7fffffff;
    double t, result;
    if (ix >= 0x7ff00000)
        return x * x;
    if (ix < 0x3fd62e43) { /* |x| < ln2 / 2 */
        if (ix < 0x3c800000)
            return 1.0;
        t = expm1(fabs(x));
        double w = 1.0 + t;
        return 1.0 + (t * t) / (w + w);
    }
    if (ix < 0x40360000) { /* |x| < 22 */
        t = exp(fabs(x));
        return 0.5 * t + 0.5 / t;
    }
    if (ix < 0x40862e42)
        return 0.5 * exp(fabs(x));
    if (near_overflow(x, 0.5, &result))
        return result;
    return HUGE_VAL;
}

double tanh(double x)
{
    uint32_t jx = high_word(x), ix = jx & 0x7fffffff;
    double t, z;
    if (ix >= 0x7ff00000)
        return (jx & 0x80000000) ? 1.0 / x - 1.0 : 1.0 / x + 1.0;
    if (ix < 0x40360000) { /* |x| < 22 */
        if (x == 0)
            return x;
        if (ix < 0x3c800000) /* |x| < 2^-55 */
            return x * (1.0 + x);
        if (ix >= 0x3ff00000) {
            t = expm1(2.0 * fabs(x));
            z = 1.0 - 2.0 / (t + 2.0);
        } else {
            t = expm1(-2.0 * fabs(x));
            z = -t / (t + 2.0);
        }
    } else {
        z = 1.0;
    }
    return (jx & 0x80000000) ? -z : z;
}

static const double fd_ln2 = 6.93147180559945286227e-01;

double asinh(double x)
{
    uint32_t ix = high_word(x) & 0x7fffffff;
    double w, a = fabs(x);
    if (ix < 0x3e300000) /* |x| < 2^-28 */
        return x;
    if (ix > 0x41b00000) { /* |x| > 2^28 */
        if (ix >= 0x7ff00000)
            return x + x;
        w = log(a) + fd_ln2;
    } else if (ix > 0x40000000) { /* 2 < |x| <= 2^28 */
        w = log(2.0 * a + 1.0 / (sqrt(a * a + 1.0) + a));
    } else {
        double t = a * a;
        w = log1p(a + t / (1.0 + sqrt(1.0 + t)));
    }
    return copysign(w, x);
}

double acosh(double x)
{
    uint32_t hx = high_word(x);
    if ((int32_t)hx < 0x3ff00000) /* x < 1 */
        return __builtin_nan("");
    if (hx >= 0x41b00000) /* x >= 2^28 */
        return hx >= 0x7ff00000 ? x + x : log(x) + fd_ln2;
    if (x == 1.0)
        return 0.0;
    if (hx > 0x40000000) /* 2 < x < 2^28 */
        return log(2.0 * x - 1.0 / (x + sqrt(x * x - 1.0)));
    double t = x - 1.0;
    return log1p(t + sqrt(2.0 * t + t * t));
}

double atanh(double x)
{
    double a = fabs(x), t;
    if (isless(a, 0.5)) {
        if (a < 0x1p-28)
            return x;
        t = a + a;
        t = 0.5 * log1p(t + t * a / (1.0 - a));
    } else if (isless(a, 1.0)) {
        t = 0.5 * log1p((a + a) / (1.0 - a));
    } else if (isgreater(a, 1.0)) {
        return __builtin_nan("");
    } else {
        return isnan(x) ? x : copysign(HUGE_VAL, x);
    }
    return copysign(t, x);
}

/*
 * erf and erfc are glibc's (fdlibm's rational approximations on [0, 0.84375), [0.84375, 1.25), [1.25, 1/0.35) and
 * [1/0.35, 28), in glibc's evaluation order) over this file's exp.
 */
static const double erx = 8.45062911510467529297e-01, efx = 1.28379167095512586316e-01;

/* r/s of erf(x) = x + x r/s for |x| < 0.84375, z = x^2. */
static double erf_ratio(double z)
{
    static const double pp0 = 1.28379167095512558561e-01, pp1 = -3.25042107247001499370e-01,
                        pp2 = -2.84817495755985104766e-02, pp3 = -5.77027029648944159157e-03,
                        pp4 = -2.37630166566501626084e-05, qq1 = 3.97917223959155352819e-01,
                        qq2 = 6.50222499887672944485e-02, qq3 = 5.08130628187576562776e-03,
                        qq4 = 1.32494738004321644526e-04, qq5 = -3.96022827877536812320e-06;
    double r1 = pp0 + z * pp1, z2 = z * z, r2 = pp2 + z * pp3, z4 = z2 * z2;
    double s1 = 1.0 + z * qq1, s2 = qq2 + z * qq3, s3 = qq4 + z * qq5;
    double r = r1 + z2 * r2 + z4 * pp4, s = s1 + z2 * s2 + z4 * s3;
    return r / s;
}

/* P/Q of erf(|x|) = erx + P/Q for 0.84375 <= |x| < 1.25, s = |x| - 1. */
static double erf_middle(double s)
{
    static const double pa0 = -2.36211856075265944077e-03, pa1 = 4.14856118683748331666e-01,
                        pa2 = -3.72207876035701323847e-01, pa3 = 3.18346619901161753674e-01,
                        pa4 = -1.10894694282396677476e-01, pa5 = 3.54783043256182359371e-02,
                        pa6 = -2.16637559486879084300e-03, qa1 = 1.06420880400844228286e-01,
                        qa2 = 5.40397917702171048937e-01, qa3 = 7.18286544141962662868e-02,
                        qa4 = 1.26171219808761642112e-01, qa5 = 1.36370839120290507362e-02,
                        qa6 = 1.19844998467991074170e-02;
    double P1 = pa0 + s * pa1, s2 = s * s, Q1 = 1.0 + s * qa1, s4 = s2 * s2, P2 = pa2 + s * pa3, s6 = s4 * s2;
    double Q2 = qa2 + s * qa3, P3 = pa4 + s * pa5, Q3 = qa4 + s * qa5;
    double P = P1 + s2 * P2 + s4 * P3 + s6 * pa6, Q = Q1 + s2 * Q2 + s4 * Q3 + s6 * qa6;
    return P / Q;
}

/* x erfc(x) e^(x^2) ... as fdlibm: exp(-z^2 - 0.5625) exp((z - x)(z + x) + R/S) for 1.25 <= x < 28, with the first
   rational approximation below the high word near_limit (erf and erfc cut at 1/0.35 one bit apart). */
static double erfc_tail(double x, uint32_t ix, uint32_t near_limit)
{
    static const double ra0 = -9.86494403484714822705e-03, ra1 = -6.93858572707181764372e-01,
                        ra2 = -1.05586262253232909814e+01, ra3 = -6.23753324503260060396e+01,
                        ra4 = -1.62396669462573470355e+02, ra5 = -1.84605092906711035994e+02,
                        ra6 = -8.12874355063065934246e+01, ra7 = -9.81432934416914548592e+00,
                        sa1 = 1.96512716674392571292e+01, sa2 = 1.37657754143519042600e+02,
                        sa3 = 4.34565877475229228821e+02, sa4 = 6.45387271733267880336e+02,
                        sa5 = 4.29008140027567833386e+02, sa6 = 1.08635005541779435134e+02,
                        sa7 = 6.57024977031928170135e+00, sa8 = -6.04244152148580987438e-02,
                        rb0 = -9.86494292470009928597e-03, rb1 = -7.99283237680523006574e-01,
                        rb2 = -1.77579549177547519889e+01, rb3 = -1.60636384855821916062e+02,
                        rb4 = -6.37566443368389627722e+02, rb5 = -1.02509513161107724954e+03,
                        rb6 = -4.83519191608651397019e+02, sb1 = 3.03380607434824582924e+01,
                        sb2 = 3.25792512996573918826e+02, sb3 = 1.53672958608443695994e+03,
                        sb4 = 3.19985821950859553908e+03, sb5 = 2.55305040643316442583e+03,
                        sb6 = 4.74528541206955367215e+02, sb7 = -2.24409524465858183362e+01;
    double s = 1.0 / (x * x), R, S;
    double s2 = s * s, s4 = s2 * s2, s6 = s4 * s2;
    if (ix < near_limit) {
        double R1 = ra0 + s * ra1, S1 = 1.0 + s * sa1, R2 = ra2 + s * ra3, S2 = sa2 + s * sa3, s8 = s4 * s4;
        double R3 = ra4 + s * ra5, S3 = sa4 + s * sa5, R4 = ra6 + s * ra7, S4 = sa6 + s * sa7;
        R = R1 + s2 * R2 + s4 * R3 + s6 * R4;
        S = S1 + s2 * S2 + s4 * S3 + s6 * S4 + s8 * sa8;
    } else {
        double R1 = rb0 + s * rb1, S1 = 1.0 + s * sb1, R2 = rb2 + s * rb3, S2 = sb2 + s * sb3;
        double R3 = rb4 + s * rb5, S3 = sb4 + s * sb5, S4 = sb6 + s * sb7;
        R = R1 + s2 * R2 + s4 * R3 + s6 * rb6;
        S = S1 + s2 * S2 + s4 * S3 + s6 * S4;
    }
    double z = from_bits(bits_of(x) & 0xffffffff00000000ULL);
    return exp(-z * z - 0.5625) * exp((z - x) * (z + x) + R / S);
}

double erf(double x)
{
    uint32_t hx = high_word(x), ix = hx & 0x7fffffff;
    int negative = (hx & 0x80000000) != 0;
    if (ix >= 0x7ff00000)
        return isnan(x) ? x + x : negative ? -1.0 : 1.0;
    if (ix < 0x3feb0000) { /* |x| < 0.84375 */
        if (ix < 0x3e300000) /* |x| < 2^-28 */
            return ix < 0x00800000 ? 0.0625 * (16.0 * x + (16.0 * efx) * x) : x + efx * x;
        return x + x * erf_ratio(x * x);
    }
    if (ix < 0x3ff40000) { /* |x| < 1.25 */
        double q = erf_middle(fabs(x) - 1.0);
        return negative ? -erx - q : erx + q;
    }
    if (ix >= 0x40180000) /* |x| >= 6 */
        return negative ? -1.0 : 1.0;
    double r = erfc_tail(fabs(x), ix, 0x4006db6e);
    return negative ? r / fabs(x) - 1.0 : 1.0 - r / fabs(x);
}

double erfc(double x)
{
    uint32_t hx = high_word(x), ix = hx & 0x7fffffff;
    int negative = (hx & 0x80000000) != 0;
    if (ix >= 0x7ff00000)
        return isnan(x) ? x + x : negative ? 2.0 : 0.0;
    if (ix < 0x3feb0000) { /* |x| < 0.84375 */
        if (ix < 0x3c700000) /* |x| < 2^-56 */
            return 1.0 - x;
        double y = erf_ratio(x * x);
        if ((int32_t)hx < 0x3fd00000) /* x < 1/4 */
            return 1.0 - (x + x * y);
        double r = x * y;
        r += x - 0.5;
        return 0.5 - r;
    }
    if (ix < 0x3ff40000) { /* |x| < 1.25 */
        double q = erf_middle(fabs(x) - 1.0);
        return negative ? 1.0 + (erx + q) : (1.0 - erx) - q;
    }
    if (ix < 0x403c0000) { /* |x| < 28 */
        if (negative && ix >= 0x40180000) /* x <= -6 */
            return 2.0;
        double r = erfc_tail(fabs(x), ix, 0x4006db6d);
        if (!negative) {
            double result = r / fabs(x);
            if (result == 0)
                errno = ERANGE;
            return result;
        }
        return 2.0 - r / fabs(x);
    }
    if (negative)
        return 2.0;
    errno = ERANGE;
    return 0.0;
}

float erff(float x) { return (float)erf(x); }
float erfcf(float x) { return (float)erfc(x); }

/* asin z for 0 <= z <= 0.5 as a double-double: z + z^3/6 + 3z^5/40 double-double, the rest of the series in double. */
static void asin_small(double zh, double zl, double *h, double *l)
{
    double sh, sl, ch, cl, th, tl, fh, fl, uh, ul, ah, al;
    multiply_dd(zh, zl, zh, zl, &sh, &sl);
    multiply_dd(sh, sl, zh, zl, &ch, &cl);
    divide_dd(ch, cl, 6, 0, &th, &tl);
    multiply_dd(ch, cl, sh, sl, &fh, &fl);
    divide_dd(3 * fh, 3 * fl, 40, 0, &uh, &ul);
    /* c_n z^(2n+1), c_n = c_(n-1) (2n-1)^2 / (2n (2n+1)), from n = 3 */
    double coefficient = 3.0 / 40, power = fh, tail = 0;
    for (int n = 3; n < 40; n++) {
        coefficient *= (double)(2 * n - 1) * (2 * n - 1) / ((2.0 * n) * (2 * n + 1));
        power *= sh;
        tail += coefficient * power;
    }
    add_dd(th, tl, uh, ul + tail, &ah, &al);
    add_dd(zh, zl, ah, al, h, l);
}

/* asin |x| for |x| <= 1 as a double-double: the series to 0.5, above it pi/2 - 2 asin sqrt((1 - |x|)/2). */
static void asin_dd(double a, double *h, double *l)
{
    if (a <= 0.5) {
        asin_small(a, 0, h, l);
        return;
    }
    double zh, zl, sh, sl;
    sqrt_dd((1 - a) * 0.5, 0, &zh, &zl); /* 1 - a is exact for a >= 0.5 */
    asin_small(zh, zl, &sh, &sl);
    add_dd(pi_high / 2, pi_low / 2, -2 * sh, -2 * sl, h, l);
}

double asin(double x)
{
    double a = fabs(x), h, l;
    if (isnan(x) || a < 0x1p-27)
        return x;
    if (a > 1)
        return __builtin_nan("");
    asin_dd(a, &h, &l);
    return copysign(h + l, x);
}

double acos(double x)
{
    double a = fabs(x), h, l;
    if (isnan(x))
        return x;
    if (a > 1)
        return __builtin_nan("");
    if (a <= 0.5) { /* pi/2 - asin x */
        asin_small(a, 0, &h, &l);
        if (x < 0) {
            h = -h;
            l = -l;
        }
        add_dd(pi_high / 2, pi_low / 2, -h, -l, &h, &l);
        return h + l;
    }
    double zh, zl, sh, sl; /* 2 asin sqrt((1 - |x|)/2), from pi when x < 0 */
    sqrt_dd((1 - a) * 0.5, 0, &zh, &zl);
    asin_small(zh, zl, &sh, &sl);
    if (x > 0)
        return 2 * sh + 2 * sl;
    add_dd(pi_high, pi_low, -2 * sh, -2 * sl, &h, &l);
    return h + l;
}

/*
 * tgamma and lgamma: Lanczos' approximation (g = 7, nine terms) from 0.5 up, Euler's reflection below it, Stirling's
 * series for lgamma of large arguments, exact products for tgamma of small integers. Within a few ulps; not glibc's
 * algorithms, so their last digits may differ from glibc's.
 */
int signgam;

/* sin(pi x) with x reduced exactly (fmod by 2 is exact) so that integers give exact zeros. */
static double sin_pi(double x)
{
    double r = fmod(x, 2.0);
    if (r < -1)
        r += 2;
    else if (r > 1)
        r -= 2;
    if (r == 0 || r == 1 || r == -1)
        return copysign(0.0, x);
    if (fabs(r) > 0.5)
        r = copysign(1.0, r) - r; /* sin(pi (1 - r)) = sin(pi r) */
    return sin(pi_high * r + pi_low * r);
}

/* Gamma(x) for x >= 0.5 by Lanczos; scaled as exp(-t) t^(x+0.5) in two halves so that it overflows only at the end. */
static double gamma_lanczos(double x)
{
    static const double p[9] = {0.99999999999980993, 676.5203681218851, -1259.1392167224028,
                                771.32342877765313, -176.61502916214059, 12.507343278686905,
                                -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    double z = x - 1, a = p[0], t = z + 7.5;
    for (int i = 1; i < 9; i++)
        a += p[i] / (z + i);
    double half = pow(t, (z + 0.5) * 0.5);
    return 2.5066282746310002 * a * (half * exp(-t)) * half;
}

double tgamma(double x)
{
    if (isnan(x))
        return x;
    if (x == 0)
        return copysign(HUGE_VAL, x);
    if (isinf(x))
        return x > 0 ? x : __builtin_nan("");
    if (x < 0 && x == trunc(x))
        return __builtin_nan("");
    if (x > 171.7)
        return HUGE_VAL;
    if (x == trunc(x) && x <= 23) {
        double product = 1;
        for (int i = 2; i < (int)x; i++)
            product *= i;
        return product;
    }
    if (x < 0.5)
        return pi_high / (sin_pi(x) * gamma_lanczos(1 - x));
    return gamma_lanczos(x);
}

/* lgamma of x < 0.5 (not a pole) by reflection, and of x >= 15 by Stirling's series: out of line, so that what one
   branch keeps across its calls is not a value of the others that no stack map records. */
static __attribute__((noinline)) double lgamma_reflected(double x, int *sign)
{
    int ignored;
    double other = lgamma_r(1 - x, &ignored), s = sin_pi(x);
    *sign = s < 0 ? -1 : 1;
    return log(pi_high / fabs(s)) - other;
}

static __attribute__((noinline)) double lgamma_stirling(double x)
{
    double inverse = 1 / x, square = inverse * inverse;
    double series = inverse * (1.0 / 12 - square * (1.0 / 360 - square * (1.0 / 1260 - square / 1680)));
    return (x - 0.5) * log(x) - x + 0.91893853320467274 + series;
}

double lgamma_r(double x, int *sign)
{
    *sign = 1;
    if (isnan(x))
        return x;
    if (isinf(x) || (x <= 0 && x == trunc(x)))
        return HUGE_VAL;
    if (x == 1 || x == 2)
        return 0;
    if (x < 0.5)
        return lgamma_reflected(x, sign);
    return x < 15 ? log(gamma_lanczos(x)) : lgamma_stirling(x);
}

double lgamma(double x) { return lgamma_r(x, &signgam); }
float tgammaf(float x) { return (float)tgamma(x); }
float lgammaf(float x) { return (float)lgamma(x); }

/* Fused multiply-add: one rounding, an instruction on both ISAs (fmadd), so both print the same digits. */
double fma(double x, double y, double z) { return __builtin_fma(x, y, z); }
float fmaf(float x, float y, float z) { return __builtin_fmaf(x, y, z); }

/* Targets of LLVM's library-call simplifier, which rewrites sin(x) and cos(x) of one x into sincos and
   pow(10, x) into exp10 in code that never names them. */
void sincos(double x, double *s, double *c)
{
    *s = sin(x);
    *c = cos(x);
}

void sincosf(float x, float *s, float *c)
{
    *s = sinf(x);
    *c = cosf(x);
}

double exp10(double x) { return pow(10.0, x); }
float exp10f(float x) { return (float)pow(10.0, x); }

double remainder(double x, double y)
{
    if (isnan(x) || isnan(y) || isinf(x) || y == 0)
        return (x * y) / (x * y);
    double r = fmod(x, y), ay = fabs(y), ar = fabs(r);
    /* r is exact and |r| < |y|; step to the nearer multiple, to the even quotient on a tie. */
    if (ar > ay - ar || (ar == ay - ar && fmod(fabs((x - r) / y), 2.0) == 1.0))
        r -= copysign(ay, r);
    return r;
}

double fdim(double x, double y) { return isnan(x) || isnan(y) ? x + y : x > y ? x - y : 0.0; }
long long llround(double x) { return (long long)round(x); }
long lrint(double x) { return (long)rint(x); }
long long llrint(double x) { return (long long)rint(x); }
double nan(const char *tag) { (void)tag; return __builtin_nan(""); }

/* Single-precision forms: the double function rounded once more, so both ISAs agree bit for bit. */
float truncf(float x) { return (float)trunc(x); }
float roundf(float x) { return (float)round(x); }
float rintf(float x) { return (float)rint(x); }
float nearbyintf(float x) { return (float)rint(x); }
long lroundf(float x) { return (long)round(x); }
long long llroundf(float x) { return (long long)round(x); }
float copysignf(float x, float y) { return (float)copysign(x, y); }
float fminf(float x, float y) { return (float)fmin(x, y); }
float fmaxf(float x, float y) { return (float)fmax(x, y); }
float fdimf(float x, float y) { return (float)fdim(x, y); }
float modff(float x, float *integer)
{
    double i, f = modf(x, &i);
    *integer = (float)i;
    return (float)f;
}
float frexpf(float x, int *exponent) { return (float)frexp(x, exponent); }
float ldexpf(float x, int n) { return (float)scalbn(x, n); }
float scalbnf(float x, int n) { return (float)scalbn(x, n); }
float tanf(float x) { return (float)tan(x); }
float asinf(float x) { return (float)asin(x); }
float acosf(float x) { return (float)acos(x); }
float atanf(float x) { return (float)atan(x); }
float atan2f(float y, float x) { return (float)atan2(y, x); }
float sinhf(float x) { return (float)sinh(x); }
float coshf(float x) { return (float)cosh(x); }
float tanhf(float x) { return (float)tanh(x); }
float exp2f(float x) { return (float)exp2(x); }
float expm1f(float x) { return (float)expm1(x); }
float log2f(float x) { return (float)log2(x); }
float log10f(float x) { return (float)log10(x); }
float log1pf(float x) { return (float)log1p(x); }
float cbrtf(float x) { return (float)cbrt(x); }
float hypotf(float x, float y) { return (float)hypot(x, y); }
float logbf(float x) { return (float)logb(x); }
int ilogbf(float x) { return ilogb(x); }
