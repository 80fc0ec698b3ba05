namespace Popcorn.Emulation.RiscV;

/// <summary>
/// IEEE 754 arithmetic as the RISC-V F and D extensions define it, over raw register bits: the five rounding modes
/// (the host computes round-to-nearest-even; the exact error of each operation, from error-free transformations,
/// says which neighbour a directed mode picks), the accrued flags NV/DZ/OF/UF/NX (tininess after rounding), and
/// canonical quiet NaNs for every NaN result.
/// </summary>
internal static class RiscVFloat
{
    public const uint NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
    public const int Rne = 0, Rtz = 1, Rdn = 2, Rup = 3, Rmm = 4;
    public const ulong CanonicalNaN64 = 0x7FF8_0000_0000_0000;
    public const uint CanonicalNaN32 = 0x7FC0_0000;
    public const ulong NaNBox = 0xFFFF_FFFF_0000_0000;
    private const double MinNormal64 = 2.2250738585072014E-308;
    private const float MinNormal32 = 1.17549435E-38f;
    private const double Scale = 1.6069380442589903E+60; // 2^200
    private const double TinyResult = 1.0261342003245941E-289; // 2^-960: below it error terms can underflow

    /// <summary>The single-precision value in a register: its low half when properly NaN-boxed, else the canonical NaN.</summary>
    public static uint Unbox(ulong bits) => (bits & NaNBox) == NaNBox ? (uint)bits : CanonicalNaN32;

    public static ulong Box(uint bits) => NaNBox | bits;

    public static bool IsSignaling64(ulong b) => (b & 0x7FF0_0000_0000_0000) == 0x7FF0_0000_0000_0000 && (b & 0x000F_FFFF_FFFF_FFFF) != 0 && (b & 0x0008_0000_0000_0000) == 0;

    public static bool IsSignaling32(uint b) => (b & 0x7F80_0000) == 0x7F80_0000 && (b & 0x7F_FFFF) != 0 && (b & 0x40_0000) == 0;

    private static double D(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    private static ulong B(double value) => BitConverter.DoubleToUInt64Bits(value);

    private static double S(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    // ---- double precision ----

    public static ulong Add64(ulong a, ulong b, int rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x + y;
        if (double.IsNaN(r))
        {
            return InvalidOrPropagate64(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        if (double.IsInfinity(r))
        {
            return double.IsFinite(x) && double.IsFinite(y) ? Overflow64(r < 0, rm, ref flags) : B(r);
        }
        var err = TwoSumError(x, y, r);
        r = Round64(r, err, rm, ref flags);
        if (r == 0 && err == 0 && rm == Rdn && double.IsNegative(x) != double.IsNegative(y))
        {
            r = -0.0;
        }
        return B(r);
    }

    public static ulong Mul64(ulong a, ulong b, int rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x * y;
        if (double.IsNaN(r))
        {
            return InvalidOrPropagate64(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        if (double.IsInfinity(r))
        {
            return double.IsFinite(x) && double.IsFinite(y) ? Overflow64(r < 0, rm, ref flags) : B(r);
        }
        if (Math.Abs(r) < TinyResult && x != 0 && y != 0)
        {
            // A tiny product: its error term would underflow, so compute it on operands normalized to [1, 2).
            int shift = Math.ILogB(x) + Math.ILogB(y);
            double xm = Math.ScaleB(x, -Math.ILogB(x)), ym = Math.ScaleB(y, -Math.ILogB(y));
            double pm = xm * ym, rs = Math.ScaleB(r, -shift);
            var scaledErr = (pm - rs) + Math.FusedMultiplyAdd(xm, ym, -pm);
            var n = scaledErr > 0 ? Math.BitIncrement(r) : Math.BitDecrement(r);
            var tie = scaledErr != 0 && Math.ScaleB(n, -shift) - rs == 2 * scaledErr;
            return B(Round64(r, scaledErr, rm, ref flags, tie));
        }
        var err = Math.FusedMultiplyAdd(x, y, -r);
        return B(Round64(r, err, rm, ref flags));
    }

    public static ulong Div64(ulong a, ulong b, int rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x / y;
        if (double.IsNaN(r))
        {
            return InvalidOrPropagate64(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        if (y == 0)
        {
            if (double.IsFinite(x))
            {
                flags |= DZ;
            }
            return B(r);
        }
        if (double.IsInfinity(r))
        {
            return double.IsFinite(x) ? Overflow64(r < 0, rm, ref flags) : B(r);
        }
        if (double.IsInfinity(y) || x == 0)
        {
            return B(r);
        }
        if (Math.Abs(r) < TinyResult || Math.Abs(x) < TinyResult)
        {
            // The remainder would underflow: compute it on operands normalized to [1, 2); only a subnormal quotient can tie.
            int shift = Math.ILogB(x) - Math.ILogB(y);
            double xm = Math.ScaleB(x, -Math.ILogB(x)), ym = Math.ScaleB(y, -Math.ILogB(y)), rs = Math.ScaleB(r, -shift);
            var scaledRemainder = Math.FusedMultiplyAdd(-rs, ym, xm);
            var scaledErr = scaledRemainder / ym;
            if (scaledErr == 0 && scaledRemainder != 0)
            {
                scaledErr = double.CopySign(double.Epsilon, scaledRemainder) * Math.Sign(ym);
            }
            var n = scaledErr > 0 ? Math.BitIncrement(r) : Math.BitDecrement(r);
            var tie = scaledErr != 0 && scaledRemainder == (Math.ScaleB(n, -shift) - rs) / 2 * ym;
            return B(Round64(r, scaledErr, rm, ref flags, tie));
        }
        var remainder = Math.FusedMultiplyAdd(-r, y, x);
        var err = remainder / y;
        if (err == 0 && remainder != 0)
        {
            err = double.CopySign(double.Epsilon, remainder) * Math.Sign(y);
        }
        // A quotient in the normal range is never exactly halfway between two doubles.
        return B(Round64(r, err, rm, ref flags, tie: false));
    }

    public static ulong Sqrt64(ulong a, int rm, ref uint flags)
    {
        var x = D(a);
        if (double.IsNaN(x) || x < 0)
        {
            if (IsSignaling64(a) || !double.IsNaN(x))
            {
                flags |= NV;
            }
            return CanonicalNaN64;
        }
        var r = Math.Sqrt(x);
        if (r == 0 || double.IsInfinity(r))
        {
            return B(r);
        }
        var err = Math.FusedMultiplyAdd(-r, r, x) / (2 * r);
        // A square root is never exactly halfway between two doubles.
        return B(Round64(r, err, rm, ref flags, tie: false));
    }

    /// <summary>(±a·b) ± c with one rounding.</summary>
    public static ulong Fma64(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, int rm, ref uint flags)
    {
        double x = D(a), y = D(b), z = D(c);
        if (negateProduct)
        {
            x = -x;
        }
        if (negateAddend)
        {
            z = -z;
        }
        var r = Math.FusedMultiplyAdd(x, y, z);
        if (double.IsNaN(r) || double.IsNaN(x) || double.IsNaN(y) || double.IsNaN(z))
        {
            var invalid = IsSignaling64(a) || IsSignaling64(b) || IsSignaling64(c) || (double.IsInfinity(x) && y == 0) || (x == 0 && double.IsInfinity(y)) ||
                (!double.IsNaN(x) && !double.IsNaN(y) && !double.IsNaN(z));
            if (invalid)
            {
                flags |= NV;
            }
            return CanonicalNaN64;
        }
        if (double.IsInfinity(r))
        {
            return double.IsFinite(x) && double.IsFinite(y) && double.IsFinite(z) ? Overflow64(r < 0, rm, ref flags) : B(r);
        }
        var product = x * y;
        if (x != 0 && y != 0 && Math.Abs(product) < TinyResult && (product == 0 || Math.Abs(z) >= TinyResult))
        {
            // The product is below half an ulp of the addend (r is the addend): it only decides the direction of rounding.
            var sticky = product != 0 ? product : double.CopySign(double.Epsilon, x) * Math.Sign(y);
            return B(Round64(r, sticky, rm, ref flags, tie: false));
        }
        var scale = 1.0;
        if (Math.Abs(r) < TinyResult && double.IsFinite(z * Scale) && double.IsFinite(Math.Max(Math.Abs(x), Math.Abs(y)) * Scale))
        {
            // A subnormal result: compute the error with the product and the addend scaled up.
            scale = Scale;
            if (Math.Abs(x) < Math.Abs(y))
            {
                x *= Scale;
            }
            else
            {
                y *= Scale;
            }
            z *= Scale;
        }
        var p = x * y;
        double err;
        if (double.IsFinite(p))
        {
            var pl = Math.FusedMultiplyAdd(x, y, -p);
            var s = p + z;
            var e1 = double.IsFinite(s) ? TwoSumError(p, z, s) : 0;
            // exact - r = (s - r) + e1 + pl, summed with compensation so that its sign is right.
            var t = s - (r * scale);
            var u = e1 + pl;
            var v = t + u;
            err = v + (TwoSumError(t, u, v) + TwoSumError(e1, pl, u));
        }
        else
        {
            err = 0;
        }
        r = Round64(r, err, rm, ref flags, IsTie(r, err, scale));
        if (r == 0 && err == 0 && rm == Rdn && (double.IsNegative(x) ^ double.IsNegative(y)) != double.IsNegative(z))
        {
            r = -0.0;
        }
        return B(r);
    }

    // ---- single precision: computed in double (exact or with a known error), rounded once to single ----

    public static uint Add32(uint a, uint b, int rm, ref uint flags)
    {
        double x = S(a), y = S(b);
        if (double.IsNaN(x) || double.IsNaN(y) || (double.IsInfinity(x) && double.IsInfinity(y) && x != y))
        {
            return InvalidOrPropagate32(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        var d = x + y;
        var err = double.IsFinite(d) ? TwoSumError(x, y, d) : 0;
        var r = Round32(d, err, rm, ref flags);
        if (d == 0 && err == 0 && rm == Rdn && double.IsNegative(x) != double.IsNegative(y))
        {
            return 0x8000_0000;
        }
        return r;
    }

    public static uint Mul32(uint a, uint b, int rm, ref uint flags)
    {
        double x = S(a), y = S(b);
        if (double.IsNaN(x) || double.IsNaN(y) || (double.IsInfinity(x) && y == 0) || (x == 0 && double.IsInfinity(y)))
        {
            return InvalidOrPropagate32(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        return Round32(x * y, 0, rm, ref flags);
    }

    public static uint Div32(uint a, uint b, int rm, ref uint flags)
    {
        double x = S(a), y = S(b);
        if (double.IsNaN(x) || double.IsNaN(y) || (x == 0 && y == 0) || (double.IsInfinity(x) && double.IsInfinity(y)))
        {
            return InvalidOrPropagate32(a, b, double.IsNaN(x) || double.IsNaN(y), ref flags);
        }
        if (y == 0)
        {
            if (double.IsFinite(x))
            {
                flags |= DZ;
            }
            return BitConverter.SingleToUInt32Bits((float)(x / y));
        }
        var d = x / y;
        var err = double.IsInfinity(y) || x == 0 || double.IsInfinity(x) ? 0 : Math.FusedMultiplyAdd(-d, y, x) / y;
        return Round32(d, err, rm, ref flags);
    }

    public static uint Sqrt32(uint a, int rm, ref uint flags)
    {
        double x = S(a);
        if (double.IsNaN(x) || x < 0)
        {
            if (IsSignaling32(a) || !double.IsNaN(x))
            {
                flags |= NV;
            }
            return CanonicalNaN32;
        }
        var d = Math.Sqrt(x);
        var err = d == 0 || double.IsInfinity(d) ? 0 : Math.FusedMultiplyAdd(-d, d, x) / (2 * d);
        return Round32(d, err, rm, ref flags);
    }

    public static uint Fma32(uint a, uint b, uint c, bool negateProduct, bool negateAddend, int rm, ref uint flags)
    {
        double x = S(a), y = S(b), z = S(c);
        if (negateProduct)
        {
            x = -x;
        }
        if (negateAddend)
        {
            z = -z;
        }
        var p = x * y;
        if (double.IsNaN(x) || double.IsNaN(y) || double.IsNaN(z) || double.IsNaN(p + z))
        {
            var invalid = IsSignaling32(a) || IsSignaling32(b) || IsSignaling32(c) || (double.IsInfinity(x) && y == 0) || (x == 0 && double.IsInfinity(y)) ||
                (!double.IsNaN(x) && !double.IsNaN(y) && !double.IsNaN(z));
            if (invalid)
            {
                flags |= NV;
            }
            return CanonicalNaN32;
        }
        var d = p + z;
        var err = double.IsFinite(d) ? TwoSumError(p, z, d) : 0;
        var r = Round32(d, err, rm, ref flags);
        if (d == 0 && err == 0 && rm == Rdn && double.IsNegative(p) != double.IsNegative(z))
        {
            return 0x8000_0000;
        }
        return r;
    }

    // ---- sign injection, min/max, compare, classify ----

    public static ulong MinMax64(ulong a, ulong b, bool max, ref uint flags)
    {
        if (IsSignaling64(a) || IsSignaling64(b))
        {
            flags |= NV;
        }
        double x = D(a), y = D(b);
        if (double.IsNaN(x))
        {
            return double.IsNaN(y) ? CanonicalNaN64 : b;
        }
        if (double.IsNaN(y))
        {
            return a;
        }
        if (x == y)
        {
            return max ? (double.IsNegative(x) ? b : a) : (double.IsNegative(x) ? a : b);
        }
        return (x < y) ^ max ? a : b;
    }

    public static uint MinMax32(uint a, uint b, bool max, ref uint flags)
    {
        if (IsSignaling32(a) || IsSignaling32(b))
        {
            flags |= NV;
        }
        double x = S(a), y = S(b);
        if (double.IsNaN(x))
        {
            return double.IsNaN(y) ? CanonicalNaN32 : b;
        }
        if (double.IsNaN(y))
        {
            return a;
        }
        if (x == y)
        {
            return max ? (double.IsNegative(x) ? b : a) : (double.IsNegative(x) ? a : b);
        }
        return (x < y) ^ max ? a : b;
    }

    /// <summary>feq (quiet: NV only for signaling NaNs), flt and fle (signaling: NV for any NaN).</summary>
    public static ulong Compare(double x, double y, bool signalingA, bool signalingB, int kind, ref uint flags)
    {
        var unordered = double.IsNaN(x) || double.IsNaN(y);
        if (signalingA || signalingB || (unordered && kind != 0))
        {
            flags |= NV;
        }
        if (unordered)
        {
            return 0;
        }
        return kind switch { 0 => x == y, 1 => x < y, _ => x <= y } ? 1UL : 0UL;
    }

    public static ulong Classify(double x, bool signaling)
    {
        if (double.IsNaN(x))
        {
            return signaling ? 1UL << 8 : 1UL << 9;
        }
        var negative = double.IsNegative(x);
        int bit = double.IsInfinity(x) ? 0 : x == 0 ? 3 : double.IsSubnormal(x) ? 2 : 1;
        return 1UL << (negative ? bit : 7 - bit);
    }

    public static ulong Classify32(uint bits)
    {
        var f = BitConverter.UInt32BitsToSingle(bits);
        if (float.IsNaN(f))
        {
            return IsSignaling32(bits) ? 1UL << 8 : 1UL << 9;
        }
        var negative = float.IsNegative(f);
        int bit = float.IsInfinity(f) ? 0 : f == 0 ? 3 : float.IsSubnormal(f) ? 2 : 1;
        return 1UL << (negative ? bit : 7 - bit);
    }

    // ---- conversions ----

    /// <summary>fcvt.{w,wu,l,lu}.{s,d}: the integer in the destination register (32-bit results sign-extended).</summary>
    public static ulong ToInteger(double v, int rm, bool signed, bool word, ref uint flags)
    {
        double max = word ? (signed ? 2147483647.0 : 4294967295.0) : (signed ? 9223372036854775807.0 : 18446744073709551615.0);
        double min = signed ? (word ? -2147483648.0 : -9223372036854775808.0) : 0;
        ulong maxBits = word ? (signed ? 0x7FFF_FFFFUL : 0xFFFF_FFFF_FFFF_FFFFUL) : (signed ? 0x7FFF_FFFF_FFFF_FFFFUL : ulong.MaxValue);
        ulong minBits = signed ? (word ? 0xFFFF_FFFF_8000_0000UL : 0x8000_0000_0000_0000UL) : 0;
        if (double.IsNaN(v))
        {
            flags |= NV;
            return maxBits;
        }
        var r = rm switch
        {
            Rtz => Math.Truncate(v),
            Rdn => Math.Floor(v),
            Rup => Math.Ceiling(v),
            Rmm => Math.Round(v, MidpointRounding.AwayFromZero),
            _ => Math.Round(v, MidpointRounding.ToEven),
        };
        // The doubles nearest 2^63 and 2^64 round up to them, so the upper bounds are exclusive for 64-bit results.
        if (word ? r > max : r >= max)
        {
            flags |= NV;
            return maxBits;
        }
        if (r < min)
        {
            flags |= NV;
            return minBits;
        }
        if (r != v)
        {
            flags |= NX;
        }
        return (signed, word) switch
        {
            (true, true) => (ulong)(long)(int)r,
            (false, true) => (ulong)(long)(int)(uint)r,
            (true, false) => (ulong)(long)r,
            _ => (ulong)r,
        };
    }

    /// <summary>fcvt.d.{w,wu,l,lu}.</summary>
    public static ulong FromInteger64(Int128 value, int rm, ref uint flags)
    {
        var d = (double)value;
        var err = (double)(value - (Int128)d);
        return B(Round64(d, err, rm, ref flags));
    }

    /// <summary>fcvt.s.{w,wu,l,lu}.</summary>
    public static uint FromInteger32(Int128 value, int rm, ref uint flags)
    {
        var d = (double)value;
        var err = (double)(value - (Int128)d);
        return Round32(d, err, rm, ref flags);
    }

    /// <summary>fcvt.s.d.</summary>
    public static uint Narrow(ulong a, int rm, ref uint flags)
    {
        var x = D(a);
        if (double.IsNaN(x))
        {
            if (IsSignaling64(a))
            {
                flags |= NV;
            }
            return CanonicalNaN32;
        }
        return double.IsInfinity(x) ? BitConverter.SingleToUInt32Bits((float)x) : Round32(x, 0, rm, ref flags);
    }

    /// <summary>fcvt.d.s.</summary>
    public static ulong Widen(uint a, ref uint flags)
    {
        var x = S(a);
        if (double.IsNaN(x))
        {
            if (IsSignaling32(a))
            {
                flags |= NV;
            }
            return CanonicalNaN64;
        }
        return B(x);
    }

    // ---- rounding ----

    private static double TwoSumError(double x, double y, double s)
    {
        var bv = s - x;
        var av = s - bv;
        return (x - av) + (y - bv);
    }

    /// <summary>Rounds <paramref name="r"/> (the nearest-even result) given the exact value r + err.</summary>
    private static double Round64(double r, double err, int rm, ref uint flags) => Round64(r, err, rm, ref flags, IsTie(r, err, 1));

    /// <summary>Whether the exact value r + err/scale lies exactly halfway between r and its neighbour.</summary>
    private static bool IsTie(double r, double err, double scale)
    {
        if (err == 0)
        {
            return false;
        }
        var n = err > 0 ? Math.BitIncrement(r) : Math.BitDecrement(r);
        return double.IsFinite(n) && (n - r) * scale == 2 * err;
    }

    /// <summary>Rounds <paramref name="r"/> (the nearest-even result) given the sign of the exact error and whether it is a tie.</summary>
    private static double Round64(double r, double err, int rm, ref uint flags, bool tie)
    {
        if (err == 0)
        {
            return r;
        }
        flags |= NX;
        switch (rm)
        {
            case Rtz:
                if (r > 0 && err < 0)
                {
                    r = Math.BitDecrement(r);
                }
                else if (r < 0 && err > 0)
                {
                    r = Math.BitIncrement(r);
                }
                break;
            case Rdn:
                if (err < 0)
                {
                    r = Math.BitDecrement(r);
                }
                break;
            case Rup:
                if (err > 0)
                {
                    r = Math.BitIncrement(r);
                }
                break;
            case Rmm:
                var n = err > 0 ? Math.BitIncrement(r) : Math.BitDecrement(r);
                if (tie && Math.Abs(n) > Math.Abs(r))
                {
                    r = n;
                }
                break;
        }
        if (double.IsInfinity(r))
        {
            flags |= OF;
        }
        else if (Math.Abs(r) < MinNormal64)
        {
            flags |= UF;
        }
        return r;
    }

    /// <summary>Rounds the exact value d + err (err far below d's last bit) once to single precision.</summary>
    private static uint Round32(double d, double err, int rm, ref uint flags)
    {
        var f = (float)d;
        if (float.IsInfinity(f) && !double.IsInfinity(d))
        {
            return Overflow32(d < 0, rm, ref flags);
        }
        if (double.IsInfinity(d))
        {
            return BitConverter.SingleToUInt32Bits(f);
        }
        var diff = d - f;
        if (diff == 0 && err == 0)
        {
            return BitConverter.SingleToUInt32Bits(f);
        }
        flags |= NX;
        var above = diff != 0 ? diff > 0 : err > 0;
        var neighbour = above ? MathF.BitIncrement(f) : MathF.BitDecrement(f);
        var tie = diff != 0 && ((double)neighbour - f) == 2 * diff;
        switch (rm)
        {
            case Rne:
                // Double rounding: a tie in d that the error breaks goes to the side of the error.
                if (tie && err != 0 && (err > 0) == above)
                {
                    f = neighbour;
                }
                break;
            case Rtz:
                if (f > 0 ? !above : f < 0 && above)
                {
                    f = neighbour;
                }
                break;
            case Rdn:
                if (!above)
                {
                    f = neighbour;
                }
                break;
            case Rup:
                if (above)
                {
                    f = neighbour;
                }
                break;
            case Rmm:
                if (tie && err == 0 && Math.Abs(neighbour) > Math.Abs(f))
                {
                    f = neighbour;
                }
                break;
        }
        if (float.IsInfinity(f))
        {
            flags |= OF;
        }
        else if (Math.Abs(f) < MinNormal32)
        {
            flags |= UF;
        }
        return BitConverter.SingleToUInt32Bits(f);
    }

    private static ulong Overflow64(bool negative, int rm, ref uint flags)
    {
        flags |= OF | NX;
        var toMax = rm == Rtz || (rm == Rdn && !negative) || (rm == Rup && negative);
        var magnitude = toMax ? double.MaxValue : double.PositiveInfinity;
        return B(negative ? -magnitude : magnitude);
    }

    private static uint Overflow32(bool negative, int rm, ref uint flags)
    {
        flags |= OF | NX;
        var toMax = rm == Rtz || (rm == Rdn && !negative) || (rm == Rup && negative);
        var magnitude = toMax ? float.MaxValue : float.PositiveInfinity;
        return BitConverter.SingleToUInt32Bits(negative ? -magnitude : magnitude);
    }

    private static ulong InvalidOrPropagate64(ulong a, ulong b, bool nanInput, ref uint flags)
    {
        if (!nanInput || IsSignaling64(a) || IsSignaling64(b))
        {
            flags |= NV;
        }
        return CanonicalNaN64;
    }

    private static uint InvalidOrPropagate32(uint a, uint b, bool nanInput, ref uint flags)
    {
        if (!nanInput || IsSignaling32(a) || IsSignaling32(b))
        {
            flags |= NV;
        }
        return CanonicalNaN32;
    }
}
