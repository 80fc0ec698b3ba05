/*
 * math.h. Every function uses only IEEE-754 operations that are correctly rounded on every ISA (add, subtract,
 * multiply, divide, square root, no fused multiply-add), so a program prints the same digits on aarch64 and
 * riscv64. Accuracy is within a few ulps of the exact result for ordinary arguments.
 */
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

static const double ln2_hi = 6.93147180369123816490e-01; /* upper bits of ln 2, exact in fewer than 53 bits */
static const double ln2_lo = 1.90821492927058770002e-10;  /* ln 2 - ln2_hi */

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

double expm1(double x)
{
    if (fabs(x) < 0.5) {
        double term = x, sum = x;
        for (int n = 2; n < 20; n++) {
            term = term * x / n;
            sum += term;
        }
        return sum;
    }
    return exp(x) - 1;
}

float logf(float x) { return (float)log(x); }

double log1p(double x)
{
    double u = 1 + x;
    if (u == 1)
        return x;
    return log(u) * (x / (u - 1));
}

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

double asin(double x) { return fabs(x) > 1 ? __builtin_nan("") : atan2(x, sqrt((1 - x) * (1 + x))); }
double acos(double x) { return fabs(x) > 1 ? __builtin_nan("") : atan2(sqrt((1 - x) * (1 + x)), x); }
double sinh(double x) { return fabs(x) < 0.5 ? (expm1(x) - expm1(-x)) / 2 : (exp(x) - exp(-x)) / 2; }
double cosh(double x) { return (exp(x) + exp(-x)) / 2; }

double tanh(double x)
{
    if (fabs(x) > 22)
        return copysign(1.0, x);
    double e = expm1(2 * fabs(x));
    return copysign(e / (e + 2), x);
}

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
double asinh(double x) { return fabs(x) < 0x1p-28 ? x : copysign(log1p(fabs(x) + x * x / (1 + sqrt(1 + x * x))), x); }
double acosh(double x) { return x < 1 ? __builtin_nan("") : log(x + sqrt((x - 1) * (x + 1))); }
double atanh(double x) { return fabs(x) > 1 ? __builtin_nan("") : copysign(0.5 * log1p(2 * fabs(x) / (1 - fabs(x))), x); }

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
