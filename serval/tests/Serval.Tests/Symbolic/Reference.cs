using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

/// <summary>
/// SMT-LIB2 bitvector semantics written independently of the library, on C#'s own UInt128/Int128 arithmetic, for
/// widths 1 to 128.
/// </summary>
internal static class Reference
{
    public static UInt128 Mask(int w) => w == 128 ? UInt128.MaxValue : (UInt128.One << w) - 1;

    public static Int128 Signed(UInt128 v, int w) => (Int128)(v << (128 - w)) >> (128 - w);

    public static UInt128 Wrap(Int128 v, int w) => (UInt128)v & Mask(w);

    public static UInt128 Binary(Op op, UInt128 a, UInt128 b, int w)
    {
        var (sa, sb) = (Signed(a, w), Signed(b, w));
        var m = Mask(w);
        return op switch
        {
            Op.BvAdd => (a + b) & m,
            Op.BvSub => (a - b) & m,
            Op.BvMul => (a * b) & m,
            Op.BvAnd => a & b,
            Op.BvOr => a | b,
            Op.BvXor => a ^ b,
            Op.BvUDiv => b == 0 ? m : a / b,
            Op.BvURem => b == 0 ? a : a % b,
            Op.BvSDiv => sb == 0 ? (sa < 0 ? 1 : m) : sb == -1 ? Wrap(-sa, w) : Wrap(sa / sb, w),
            Op.BvSRem => sb == 0 ? a : sb == -1 ? 0 : Wrap(sa % sb, w),
            Op.BvSMod => sb == 0 ? a : Wrap(Mod(sa, sb), w),
            Op.BvShl => b >= (UInt128)w ? 0 : (a << (int)b) & m,
            Op.BvLShr => b >= (UInt128)w ? 0 : a >> (int)b,
            Op.BvAShr => b >= (UInt128)w ? (sa < 0 ? m : 0) : Wrap(sa >> (int)b, w),
            _ => throw new ArgumentException(op.ToString()),
        };
    }

    public static bool Compare(Op op, UInt128 a, UInt128 b, int w) => op switch
    {
        Op.Eq => a == b,
        Op.BvUlt => a < b,
        Op.BvUle => a <= b,
        Op.BvSlt => Signed(a, w) < Signed(b, w),
        Op.BvSle => Signed(a, w) <= Signed(b, w),
        _ => throw new ArgumentException(op.ToString()),
    };

    public static UInt128 RotateLeft(UInt128 a, UInt128 amount, int w)
    {
        var n = (int)(amount % (UInt128)w);
        return n == 0 ? a : ((a << n) | (a >> (w - n))) & Mask(w);
    }

    public static UInt128 RotateRight(UInt128 a, UInt128 amount, int w) => RotateLeft(a, (UInt128)w - amount % (UInt128)w, w);

    private static Int128 Mod(Int128 a, Int128 b)
    {
        var r = b == -1 ? 0 : a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }
}
