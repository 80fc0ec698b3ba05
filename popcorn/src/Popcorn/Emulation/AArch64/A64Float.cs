using System.Numerics;
using System.Runtime.CompilerServices;
using Rounding = Popcorn.Emulation.AArch64.A64DecodeTable.Rounding;

namespace Popcorn.Emulation.AArch64;

/// <summary>
/// Scalar floating point with the Arm rules on top of the host's IEEE arithmetic (which already rounds to nearest
/// even): NaN propagation (signalling NaNs first, then the first operand; quieted), the positive default NaN for
/// invalid operations and under FPCR.DN, FPCR's directed rounding modes (the host result nudged by one ulp using its
/// exact error term), and the cumulative FPSR flags. Generic over <see cref="float"/> and <see cref="double"/>.
/// </summary>
/// <remarks>
/// Exactness is decided by error-free transformations (TwoSum, FMA residuals); in the subnormal range the residual
/// itself can round away, so Inexact and Underflow there are best effort. FPCR.FZ (flush to zero) is not modelled.
/// </remarks>
internal static class A64Float
{
    public const ulong InvalidOperation = 1 << 0;
    public const ulong DivideByZero = 1 << 1;
    public const ulong Overflow = 1 << 2;
    public const ulong Underflow = 1 << 3;
    public const ulong Inexact = 1 << 4;
    public const ulong DefaultNaNBit = 1 << 25;

    /// <summary>FPCR.RMode as a <see cref="Rounding"/>.</summary>
    public static Rounding Mode(ulong fpcr) => (Rounding)((fpcr >> 22) & 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits<T>(T x) where T : IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? BitConverter.DoubleToUInt64Bits(Unsafe.As<T, double>(ref x)) : BitConverter.SingleToUInt32Bits(Unsafe.As<T, float>(ref x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T FromBits<T>(ulong bits) where T : IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            var d = BitConverter.UInt64BitsToDouble(bits);
            return Unsafe.As<double, T>(ref d);
        }
        var f = BitConverter.UInt32BitsToSingle((uint)bits);
        return Unsafe.As<float, T>(ref f);
    }

    private static ulong QuietBit<T>() => typeof(T) == typeof(double) ? 1UL << 51 : 1UL << 22;

    /// <summary>The Arm default NaN: positive, quiet, zero payload.</summary>
    public static T DefaultNaN<T>() where T : IBinaryFloatingPointIeee754<T> =>
        FromBits<T>(typeof(T) == typeof(double) ? 0x7FF8_0000_0000_0000UL : 0x7FC0_0000UL);

    public static bool IsSignalingNaN<T>(T x) where T : IBinaryFloatingPointIeee754<T> => T.IsNaN(x) && (Bits(x) & QuietBit<T>()) == 0;

    private static T Quiet<T>(T x) where T : IBinaryFloatingPointIeee754<T> => FromBits<T>(Bits(x) | QuietBit<T>());

    /// <summary>FPProcessNaN: the quieted NaN (Invalid if it was signalling), or the default NaN under FPCR.DN.</summary>
    public static T ProcessNaN<T>(T x, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (IsSignalingNaN(x))
        {
            fpsr |= InvalidOperation;
        }
        return (fpcr & DefaultNaNBit) != 0 ? DefaultNaN<T>() : Quiet(x);
    }

    /// <summary>
    /// The NaN result of an operation whose host result was NaN: FPProcessNaNs over the operands in order, or the
    /// default NaN with Invalid when no operand was a NaN (inf − inf, 0 × inf, 0 / 0, sqrt of a negative).
    /// </summary>
    public static T NaNResult<T>(T a, T b, T c, int operands, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (IsSignalingNaN(a))
        {
            return ProcessNaN(a, fpcr, ref fpsr);
        }
        if (operands > 1 && IsSignalingNaN(b))
        {
            return ProcessNaN(b, fpcr, ref fpsr);
        }
        if (operands > 2 && IsSignalingNaN(c))
        {
            return ProcessNaN(c, fpcr, ref fpsr);
        }
        if (T.IsNaN(a))
        {
            return ProcessNaN(a, fpcr, ref fpsr);
        }
        if (operands > 1 && T.IsNaN(b))
        {
            return ProcessNaN(b, fpcr, ref fpsr);
        }
        if (operands > 2 && T.IsNaN(c))
        {
            return ProcessNaN(c, fpcr, ref fpsr);
        }
        fpsr |= InvalidOperation;
        return DefaultNaN<T>();
    }

    /// <summary>
    /// Completes an arithmetic result <paramref name="r"/> (rounded to nearest by the host) whose exact value is
    /// r + <paramref name="error"/>: applies FPCR's rounding mode and raises Overflow, Underflow and Inexact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish<T>(T r, T error, bool finiteInputs, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (T.IsInfinity(r))
        {
            if (finiteInputs)
            {
                fpsr |= Overflow | Inexact;
                var mode = Mode(fpcr);
                if (mode == Rounding.Zero || (mode == Rounding.PlusInfinity && T.IsNegative(r)) || (mode == Rounding.MinusInfinity && T.IsPositive(r)))
                {
                    return T.IsNegative(r) ? T.BitIncrement(T.NegativeInfinity) : T.BitDecrement(T.PositiveInfinity);
                }
            }
            return r;
        }
        if (error == T.Zero)
        {
            return r;
        }
        fpsr |= Inexact;
        if (T.Abs(r) < MinNormal<T>() || (T.Abs(r) == MinNormal<T>() && T.Sign(error) != T.Sign(r)))
        {
            fpsr |= Underflow;
        }
        if ((fpcr & (3UL << 22)) == 0)
        {
            return r;
        }
        var directed = Directed(r, error, Mode(fpcr));
        if (T.IsInfinity(directed))
        {
            fpsr |= Overflow;
        }
        return directed;
    }

    /// <summary>
    /// Below this magnitude the FMA residual of a product or quotient can itself underflow, so exactness is
    /// decided by <see cref="TinyError"/> instead: 2^-968 for double, 2^-101 for single (MinNormal × 2^(p+1)).
    /// </summary>
    private static T ResidualLimit<T>() where T : IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? FromBits<T>(0x0370_0000_0000_0000UL) : FromBits<T>(0x0D00_0000UL);

    private static T MinNormal<T>() where T : IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? FromBits<T>(0x0010_0000_0000_0000UL) : FromBits<T>(0x0080_0000UL);

    /// <summary>Re-rounds a nearest-even result whose exact value is r + error to a directed mode.</summary>
    private static T Directed<T>(T r, T error, Rounding mode) where T : IBinaryFloatingPointIeee754<T>
    {
        var up = error > T.Zero;
        var adjusted = mode switch
        {
            Rounding.PlusInfinity => up ? T.BitIncrement(r) : r,
            Rounding.MinusInfinity => up ? r : T.BitDecrement(r),
            // Towards zero: move only when the exact value is nearer zero than r.
            _ => up == T.IsNegative(r) ? (up ? T.BitIncrement(r) : T.BitDecrement(r)) : r,
        };
        return T.IsZero(adjusted) && !T.IsZero(r) ? T.CopySign(adjusted, r) : adjusted;
    }

    public static T Add<T>(T a, T b, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = a + b;
        if (T.IsNaN(r))
        {
            return NaNResult(a, b, b, 2, fpcr, ref fpsr);
        }
        var bb = r - a;
        var error = (a - (r - bb)) + (b - bb);
        var result = Finish(r, T.IsFinite(error) ? error : T.Zero, T.IsFinite(a) && T.IsFinite(b), fpcr, ref fpsr);
        // An exact zero sum of operands of opposite signs is +0, or -0 when rounding towards minus infinity.
        return T.IsZero(result) && error == T.Zero && T.IsNegative(a) != T.IsNegative(b)
            ? (Mode(fpcr) == Rounding.MinusInfinity ? -T.Zero : T.Zero)
            : result;
    }

    /// <summary>FSUB: a + (−b), except that a NaN operand propagates with its own sign.</summary>
    public static T Subtract<T>(T a, T b, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T> =>
        T.IsNaN(a) || T.IsNaN(b) ? NaNResult(a, b, b, 2, fpcr, ref fpsr) : Add(a, -b, fpcr, ref fpsr);

    public static T Multiply<T>(T a, T b, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = a * b;
        if (T.IsNaN(r))
        {
            return NaNResult(a, b, b, 2, fpcr, ref fpsr);
        }
        var error = !T.IsFinite(r) ? T.Zero
            : T.Abs(r) < ResidualLimit<T>() && !T.IsZero(a) && !T.IsZero(b) ? TinyError(a, b, r, divide: false)
            : T.FusedMultiplyAdd(a, b, -r);
        return Finish(r, error, T.IsFinite(a) && T.IsFinite(b), fpcr, ref fpsr);
    }

    public static T Divide<T>(T a, T b, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = a / b;
        if (T.IsNaN(r))
        {
            return NaNResult(a, b, b, 2, fpcr, ref fpsr);
        }
        if (T.IsZero(b))
        {
            if (T.IsFinite(a))
            {
                fpsr |= DivideByZero;
            }
            return r;
        }
        var error = T.Zero;
        if (T.IsFinite(r) && T.IsFinite(a) && T.IsFinite(b))
        {
            if ((T.Abs(r) < ResidualLimit<T>() || T.Abs(a) < ResidualLimit<T>()) && !T.IsZero(a))
            {
                error = TinyError(a, b, r, divide: true);
            }
            else
            {
                var remainder = T.FusedMultiplyAdd(-r, b, a);
                error = remainder == T.Zero ? T.Zero : T.CopySign(T.Epsilon, remainder) * T.CopySign(T.One, b);
            }
        }
        return Finish(r, error, T.IsFinite(a) && T.IsFinite(b), fpcr, ref fpsr);
    }

    /// <summary>
    /// The sign of (exact − r) as ±Epsilon, or zero when exact, for a product or quotient of finite non-zero
    /// operands whose rounded result <paramref name="r"/> is subnormal or zero: there the FMA residual itself
    /// underflows, so singles are checked in double precision and doubles after scaling by 2^600.
    /// </summary>
    private static T TinyError<T>(T a, T b, T r, bool divide) where T : IBinaryFloatingPointIeee754<T>
    {
        double difference;
        if (typeof(T) == typeof(float))
        {
            double da = double.CreateTruncating(a), db = double.CreateTruncating(b), dr = double.CreateTruncating(r);
            // Products of singles are exact in double; a quotient is exact when r × b (exact in double) equals a.
            difference = divide ? (da - (dr * db)) * Math.Sign(db) : (da * db) - dr;
        }
        else
        {
            double da = double.CreateTruncating(a), db = double.CreateTruncating(b), dr = double.CreateTruncating(r);
            var scaled = Math.ScaleB(da, 600);
            var high = divide ? scaled / db : scaled * db;
            if (!double.IsNormal(high))
            {
                return T.CopySign(T.Epsilon, r);
            }
            var low = divide ? Math.FusedMultiplyAdd(-high, db, scaled) * Math.Sign(db) : Math.FusedMultiplyAdd(scaled, db, -high);
            var rounded = Math.ScaleB(dr, 600);
            difference = high != rounded ? high - rounded : low;
        }
        return difference == 0 ? T.Zero : T.CopySign(T.Epsilon, T.CreateTruncating(difference));
    }

    public static T Sqrt<T>(T a, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = T.Sqrt(a);
        if (T.IsNaN(r))
        {
            return NaNResult(a, a, a, 1, fpcr, ref fpsr);
        }
        // r × r can underflow for small a: check a × 2^600 against (r × 2^300)^2 in double, exact for both widths.
        var (da, dr) = (Math.ScaleB(double.CreateTruncating(a), 600), Math.ScaleB(double.CreateTruncating(r), 300));
        var remainder = T.IsFinite(r) ? T.CreateTruncating(typeof(T) == typeof(double) ? Math.FusedMultiplyAdd(-dr, dr, da) : da - (dr * dr)) : T.Zero;
        return Finish(r, remainder == T.Zero ? T.Zero : T.CopySign(T.Epsilon, remainder), T.IsFinite(a), fpcr, ref fpsr);
    }

    /// <summary>FPMulAdd: <paramref name="addend"/> + n × m with one rounding; NaN priority addend, n, m.</summary>
    public static T FusedMultiplyAdd<T>(T addend, T n, T m, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = T.FusedMultiplyAdd(n, m, addend);
        if (T.IsNaN(r) || T.IsNaN(addend))
        {
            // 0 × inf + qNaN is Invalid on Arm even though the addend is a quiet NaN.
            if (T.IsNaN(addend) && !IsSignalingNaN(n) && !IsSignalingNaN(m) && ((T.IsZero(n) && T.IsInfinity(m)) || (T.IsInfinity(n) && T.IsZero(m))))
            {
                fpsr |= InvalidOperation;
                return DefaultNaN<T>();
            }
            return NaNResult(addend, n, m, 3, fpcr, ref fpsr);
        }
        var error = T.IsFinite(r) && T.IsFinite(n) && T.IsFinite(m) && T.IsFinite(addend)
            ? T.CreateTruncating(ExactSign(double.CreateTruncating(n), double.CreateTruncating(m), double.CreateTruncating(addend), double.CreateTruncating(r))) * T.Epsilon
            : T.Zero;
        if (T.IsZero(r) && error == T.Zero && Mode(fpcr) == Rounding.MinusInfinity
            && !(T.IsZero(addend) && (T.IsZero(n) || T.IsZero(m)) && T.IsNegative(addend) == (T.IsNegative(n) != T.IsNegative(m))))
        {
            // An exact zero from terms of opposite signs is -0 when rounding towards minus infinity.
            return -T.Zero;
        }
        return Finish(r, error, T.IsFinite(addend) && T.IsFinite(n) && T.IsFinite(m), fpcr, ref fpsr);
    }

    /// <summary>The sign of the exact value n × m + a − r, computed with integers (FMA is rare; this is exact).</summary>
    private static int ExactSign(double n, double m, double a, double r)
    {
        static (BigInteger Mantissa, int Exponent) Split(double x)
        {
            var bits = BitConverter.DoubleToInt64Bits(x);
            var exponent = (int)((bits >> 52) & 0x7FF);
            var mantissa = bits & 0xF_FFFF_FFFF_FFFF;
            if (exponent == 0)
            {
                exponent = 1;
            }
            else
            {
                mantissa |= 1L << 52;
            }
            return (bits < 0 ? -mantissa : mantissa, exponent - 1075);
        }
        var (mn, en) = Split(n);
        var (mm, em) = Split(m);
        var (ma, ea) = Split(a);
        var (mr, er) = Split(r);
        var ep = en + em;
        var e0 = Math.Min(Math.Min(ep, ea), er);
        var sum = ((mn * mm) << (ep - e0)) + (ma << (ea - e0)) - (mr << (er - e0));
        return sum.Sign;
    }

    /// <summary>FMAX/FMIN (<paramref name="max"/>), or FMAXNM/FMINNM when <paramref name="numberWins"/>.</summary>
    public static T MinMax<T>(T a, T b, bool max, bool numberWins, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (T.IsNaN(a) || T.IsNaN(b))
        {
            if (numberWins && !(T.IsNaN(a) && T.IsNaN(b)))
            {
                var nan = T.IsNaN(a) ? a : b;
                if (!IsSignalingNaN(nan))
                {
                    return T.IsNaN(a) ? b : a;
                }
            }
            return NaNResult(a, b, b, 2, fpcr, ref fpsr);
        }
        if (a == b)
        {
            // Equal values differ only for zeros: max(+0, -0) = +0, min(+0, -0) = -0.
            return max == T.IsNegative(a) ? b : a;
        }
        return (a > b) == max ? a : b;
    }

    /// <summary>FPCompare as NZCV bits 3–0; <paramref name="signaling"/> (FCMPE) raises Invalid for any NaN.</summary>
    public static uint Compare<T>(T a, T b, bool signaling, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (T.IsNaN(a) || T.IsNaN(b))
        {
            if (signaling || IsSignalingNaN(a) || IsSignalingNaN(b))
            {
                fpsr |= InvalidOperation;
            }
            return 0b0011;
        }
        return a == b ? 0b0110u : a < b ? 0b1000u : 0b0010u;
    }

    /// <summary>Rounds to an integral value in <paramref name="mode"/> (FRINT*, and the first step of FCVT*).</summary>
    public static T RoundToIntegral<T>(T x, Rounding mode) where T : IBinaryFloatingPointIeee754<T>
    {
        var r = mode switch
        {
            Rounding.TiesEven => T.Round(x, MidpointRounding.ToEven),
            Rounding.PlusInfinity => T.Ceiling(x),
            Rounding.MinusInfinity => T.Floor(x),
            Rounding.Zero => T.Truncate(x),
            _ => T.Round(x, MidpointRounding.AwayFromZero),
        };
        return T.IsZero(r) ? T.CopySign(r, x) : r;
    }

    /// <summary>FRINT* with NaN handling and, for FRINTX, the Inexact flag.</summary>
    public static T Frint<T>(T x, Rounding rounding, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (T.IsNaN(x))
        {
            return ProcessNaN(x, fpcr, ref fpsr);
        }
        var mode = rounding >= Rounding.FpcrExact ? Mode(fpcr) : rounding;
        var r = RoundToIntegral(x, mode);
        if (rounding == Rounding.FpcrExact && r != x)
        {
            fpsr |= Inexact;
        }
        return r;
    }

    /// <summary>FCVT{N,P,M,Z,A}{S,U}: to a signed or unsigned integer of <paramref name="bits"/> bits, saturating.</summary>
    public static ulong ToInteger<T>(T x, Rounding mode, bool signed, int bits, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        if (T.IsNaN(x))
        {
            fpsr |= InvalidOperation;
            return 0;
        }
        var r = RoundToIntegral(x, mode);
        var d = double.CreateTruncating(r);
        double min = signed ? -Math.Pow(2, bits - 1) : 0, limit = signed ? Math.Pow(2, bits - 1) : Math.Pow(2, bits);
        if (d < min || d >= limit)
        {
            fpsr |= InvalidOperation;
            if (d < min)
            {
                return signed ? (bits == 64 ? 1UL << 63 : 0xFFFF_FFFF_8000_0000UL) & Mask(bits) : 0;
            }
            return signed ? (1UL << (bits - 1)) - 1 : Mask(bits);
        }
        if (r != x)
        {
            fpsr |= Inexact;
        }
        return (signed ? (ulong)(long)d : d >= 9.2233720368547758E18 ? (ulong)(long)(d - 9.2233720368547758E18) + (1UL << 63) : (ulong)(long)d) & Mask(bits);
    }

    private static ulong Mask(int bits) => bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;

    /// <summary>SCVTF/UCVTF to double or single, rounding per FPCR.</summary>
    public static T FromInteger<T>(ulong value, bool signed, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T>
    {
        Int128 exact = signed ? (long)value : value;
        // The host converts signed 64-bit integers correctly rounded; an unsigned value above 2^63 is halved with
        // its lowest bit kept sticky, converted, and doubled (exact), which rounds the same way.
        var r = signed || value < 1UL << 63
            ? T.CreateTruncating((long)value)
            : T.CreateTruncating((long)((value >> 1) | (value & 1))) * (T.One + T.One);
        var back = Int128.CreateTruncating(r);
        if (back == exact)
        {
            return r;
        }
        fpsr |= Inexact;
        var mode = Mode(fpcr);
        return mode == Rounding.TiesEven ? r : Directed(r, exact > back ? T.One : -T.One, mode);
    }

    /// <summary>FCVT from double to single with Arm NaN conversion, rounding and flags.</summary>
    public static float DoubleToSingle(double x, ulong fpcr, ref ulong fpsr)
    {
        if (double.IsNaN(x))
        {
            if (IsSignalingNaN(x))
            {
                fpsr |= InvalidOperation;
            }
            if ((fpcr & DefaultNaNBit) != 0)
            {
                return DefaultNaN<float>();
            }
            var bits = BitConverter.DoubleToUInt64Bits(x);
            return BitConverter.UInt32BitsToSingle((uint)(bits >> 63 << 31) | 0x7FC0_0000u | (uint)((bits >> 29) & 0x3F_FFFF));
        }
        var r = (float)x;
        var error = float.IsFinite(r) ? x - r : 0;
        return Finish(r, error == 0 ? 0f : float.CopySign(float.Epsilon, (float)error), !double.IsInfinity(x), fpcr, ref fpsr);
    }

    /// <summary>FCVT from single to double (exact; NaNs quieted, payload kept).</summary>
    public static double SingleToDouble(float x, ulong fpcr, ref ulong fpsr)
    {
        if (float.IsNaN(x))
        {
            if (IsSignalingNaN(x))
            {
                fpsr |= InvalidOperation;
            }
            if ((fpcr & DefaultNaNBit) != 0)
            {
                return DefaultNaN<double>();
            }
            var bits = BitConverter.SingleToUInt32Bits(x);
            return BitConverter.UInt64BitsToDouble(((ulong)(bits >> 31) << 63) | 0x7FF8_0000_0000_0000UL | ((ulong)(bits & 0x3F_FFFF) << 29));
        }
        return x;
    }
}
