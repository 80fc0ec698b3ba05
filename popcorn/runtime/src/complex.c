/* complex.h: the elementary functions from the real ones, with glibc's formulas for the common finite cases (csqrt,
   clog near |z| = 1, ctan's common denominator), so that results match glibc's wherever the real functions do.
   Arithmetic (the * and / operators) is the compiler's, with libgcc's __muldc3 and __divdc3. */
#include <complex.h>
#include <float.h>
#include <math.h>

static double _Complex make(double re, double im) { return __builtin_complex(re, im); }

double creal(double _Complex z) { return __real__ z; }
double cimag(double _Complex z) { return __imag__ z; }
double cabs(double _Complex z) { return hypot(__real__ z, __imag__ z); }
double carg(double _Complex z) { return atan2(__imag__ z, __real__ z); }
double _Complex conj(double _Complex z) { return make(__real__ z, -__imag__ z); }

double _Complex cproj(double _Complex z)
{
    if (isinf(__real__ z) || isinf(__imag__ z))
        return make(INFINITY, copysign(0.0, __imag__ z));
    return z;
}

double _Complex csqrt(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    if (isnan(re) || isnan(im) || isinf(re) || isinf(im)) {
        if (isinf(im))
            return make(INFINITY, im);
        if (isinf(re))
            return re < 0 ? make(isnan(im) ? im : 0, copysign(INFINITY, im)) : make(re, isnan(im) ? im : copysign(0.0, im));
        return make(__builtin_nan(""), __builtin_nan(""));
    }
    if (im == 0) {
        if (re < 0)
            return make(0, copysign(sqrt(-re), im));
        return make(fabs(sqrt(re)), copysign(0.0, im));
    }
    if (re == 0) {
        double r = fabs(im) >= 2 * DBL_MIN ? sqrt(0.5 * fabs(im)) : 0.5 * sqrt(2 * fabs(im));
        return make(r, copysign(r, im));
    }
    int scale = 0;
    if (fabs(re) > DBL_MAX / 4) {
        scale = 1;
        re = scalbn(re, -2);
        im = scalbn(im, -2);
    } else if (fabs(im) > DBL_MAX / 4) {
        scale = 1;
        re = fabs(re) >= 4 * DBL_MIN ? scalbn(re, -2) : 0;
        im = scalbn(im, -2);
    } else if (fabs(re) < 2 * DBL_MIN && fabs(im) < 2 * DBL_MIN) {
        scale = -((DBL_MANT_DIG + 1) / 2);
        re = scalbn(re, -2 * scale);
        im = scalbn(im, -2 * scale);
    }
    double d = hypot(re, im), r, s;
    if (re > 0) {
        r = sqrt(0.5 * (d + re));
        if (scale == 1 && fabs(im) < 1) {
            s = im / r;
            r = scalbn(r, scale);
            scale = 0;
        } else {
            s = 0.5 * (im / r);
        }
    } else {
        s = sqrt(0.5 * (d - re));
        if (scale == 1 && fabs(im) < 1) {
            r = fabs(im / s);
            s = scalbn(s, scale);
            scale = 0;
        } else {
            r = fabs(0.5 * (im / s));
        }
    }
    if (scale) {
        r = scalbn(r, scale);
        s = scalbn(s, scale);
    }
    return make(r, copysign(s, im));
}

double _Complex cexp(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    if (isfinite(re) && isfinite(im)) {
        double s = im, c = 1;
        if (fabs(im) > DBL_MIN)
            sincos(im, &s, &c);
        double t = (DBL_MAX_EXP - 1) * M_LN2;
        if (re > t) {
            double et = exp(t);
            re -= t;
            s *= et;
            c *= et;
            if (re > t) {
                re -= t;
                s *= et;
                c *= et;
            }
        }
        if (re > t)
            return make(DBL_MAX * c, DBL_MAX * s);
        double e = exp(re);
        return make(e * c, e * s);
    }
    if (isinf(re) && re < 0 && !isfinite(im))
        return make(0, copysign(0.0, im));
    if (isinf(re) && re > 0 && !isfinite(im))
        return make(re, isnan(im) ? im : __builtin_nan(""));
    if (isinf(re) && im == 0)
        return make(re < 0 ? 0 : re, im);
    if (isinf(re)) {
        double s, c;
        sincos(im, &s, &c);
        return re < 0 ? make(copysign(0.0, c), copysign(0.0, s)) : make(copysign(re, c), copysign(re, s));
    }
    if (isnan(re) && im == 0)
        return make(re, im);
    return make(__builtin_nan(""), __builtin_nan(""));
}

/* x^2 + y^2 - 1 for 0.5 <= x < 1, y <= x, with the squares as exact double-double products. */
static double x2y2m1(double x, double y)
{
    double xx = x * x, yy = y * y;
    double xl = __builtin_fma(x, x, -xx), yl = __builtin_fma(y, y, -yy);
    double s = (xx - 1) + yy;
    double err = ((xx - 1) - s) + yy;
    return s + (err + xl + yl);
}

double _Complex clog(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    if (isinf(re) || isinf(im))
        return make(INFINITY, isnan(re) || isnan(im) ? __builtin_nan("") : atan2(im, re));
    if (isnan(re) || isnan(im))
        return make(__builtin_nan(""), __builtin_nan(""));
    if (re == 0 && im == 0)
        return make(-1 / fabs(re), signbit(re) ? copysign(M_PI, im) : copysign(0.0, im));
    double ax = fabs(re), ay = fabs(im), real;
    if (ax < ay) {
        double t = ax;
        ax = ay;
        ay = t;
    }
    if (ax == 1) {
        real = log1p(ay * ay) / 2;
    } else if (ax > 1 && ax < 2 && ay < 1) {
        double d2m1 = (ax - 1) * (ax + 1);
        if (ay >= DBL_EPSILON)
            d2m1 += ay * ay;
        real = log1p(d2m1) / 2;
    } else if (ax < 1 && ax >= 0.5 && ay < DBL_EPSILON / 2) {
        real = log1p((ax - 1) * (ax + 1)) / 2;
    } else if (ax < 1 && ax >= 0.5 && ax * ax + ay * ay >= 0.5) {
        real = log1p(x2y2m1(ax, ay)) / 2;
    } else {
        real = log(hypot(ax, ay));
    }
    return make(real, atan2(im, re));
}

double _Complex cpow(double _Complex z, double _Complex w) { return cexp(w * clog(z)); }

double _Complex csinh(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    double s, c;
    sincos(im, &s, &c);
    return make(sinh(re) * c, cosh(re) * s);
}

double _Complex ccosh(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    double s, c;
    sincos(im, &s, &c);
    return make(cosh(re) * c, sinh(re) * s);
}

double _Complex csin(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    double s, c;
    sincos(re, &s, &c);
    return make(s * cosh(im), c * sinh(im));
}

double _Complex ccos(double _Complex z) { return ccosh(make(-__imag__ z, __real__ z)); }

double _Complex ctan(double _Complex z)
{
    double re = __real__ z, im = __imag__ z;
    double sinrx = re, cosrx = 1;
    if (fabs(re) > DBL_MIN)
        sincos(re, &sinrx, &cosrx);
    if (fabs(im) > (DBL_MAX_EXP - 1) * M_LN2 / 2)
        return make(4 * sinrx * cosrx * exp(-2 * fabs(im)), copysign(1.0, im));
    double sinhix = im, coshix = 1;
    if (fabs(im) > DBL_MIN) {
        sinhix = sinh(im);
        coshix = cosh(im);
    }
    double den = fabs(sinhix) > fabs(cosrx) * DBL_EPSILON ? cosrx * cosrx + sinhix * sinhix : cosrx * cosrx;
    return make(sinrx * cosrx / den, sinhix * coshix / den);
}

double _Complex ctanh(double _Complex z)
{
    double _Complex t = ctan(make(-__imag__ z, __real__ z));
    return make(__imag__ t, -__real__ t);
}

double _Complex casinh(double _Complex z)
{
    double _Complex r = clog(z + csqrt(z * z + 1));
    return make(copysign(__real__ r, __real__ z), __imag__ r);
}

double _Complex casin(double _Complex z)
{
    double _Complex r = casinh(make(-__imag__ z, __real__ z));
    return make(__imag__ r, -__real__ r);
}

double _Complex cacos(double _Complex z)
{
    double _Complex r = casin(z);
    return make(M_PI_2 - __real__ r, -__imag__ r);
}

double _Complex cacosh(double _Complex z)
{
    double _Complex r = clog(z + csqrt(z + 1) * csqrt(z - 1));
    return make(fabs(__real__ r), __imag__ r);
}

double _Complex catanh(double _Complex z)
{
    double _Complex r = (clog(1 + z) - clog(1 - z)) / 2;
    return r;
}

double _Complex catan(double _Complex z)
{
    double _Complex r = catanh(make(-__imag__ z, __real__ z));
    return make(__imag__ r, -__real__ r);
}

static float _Complex narrow(double _Complex z) { return __builtin_complex((float)__real__ z, (float)__imag__ z); }
static double _Complex widen(float _Complex z) { return make(__real__ z, __imag__ z); }

float crealf(float _Complex z) { return __real__ z; }
float cimagf(float _Complex z) { return __imag__ z; }
float cabsf(float _Complex z) { return (float)cabs(widen(z)); }
float cargf(float _Complex z) { return (float)carg(widen(z)); }
float _Complex conjf(float _Complex z) { return __builtin_complex(__real__ z, -__imag__ z); }
float _Complex csqrtf(float _Complex z) { return narrow(csqrt(widen(z))); }
float _Complex cexpf(float _Complex z) { return narrow(cexp(widen(z))); }
float _Complex clogf(float _Complex z) { return narrow(clog(widen(z))); }
float _Complex cpowf(float _Complex z, float _Complex w) { return narrow(cpow(widen(z), widen(w))); }
