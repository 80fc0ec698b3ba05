using Serval.Symbolic;

namespace Serval.RiscV;

/// <summary>
/// Bits of a symbolic value fixed by constant masks (as CSR updates with csrs/csrc leave them): a value all of
/// whose bits are known becomes concrete. This lets a privilege field written by the code be read back concretely.
/// </summary>
internal static class KnownBits
{
    /// <summary>The value itself when concrete or when every bit is fixed; otherwise unchanged.</summary>
    public static BitVec Concretize(BitVec value)
    {
        if (value.IsConcrete || value.Width > 64)
        {
            return value;
        }
        var (ones, zeros) = Analyze(value.ToTerm());
        var all = value.Width == 64 ? ulong.MaxValue : (1UL << value.Width) - 1;
        return ((ones | zeros) & all) == all ? BitVec.Of(ones & all, value.Width) : value;
    }

    // Bits known to be one and bits known to be zero.
    private static (ulong Ones, ulong Zeros) Analyze(Term term)
    {
        switch (term.Op)
        {
            case Op.Const:
                var v = (ulong)(term.Value & ulong.MaxValue);
                return (v, ~v);
            case Op.BvAnd:
                var (andOnes, andZeros) = (ulong.MaxValue, 0UL);
                foreach (var arg in term.Args)
                {
                    var (o, z) = Analyze(arg);
                    andOnes &= o;
                    andZeros |= z;
                }
                return (andOnes, andZeros);
            case Op.BvOr:
                var (orOnes, orZeros) = (0UL, ulong.MaxValue);
                foreach (var arg in term.Args)
                {
                    var (o, z) = Analyze(arg);
                    orOnes |= o;
                    orZeros &= z;
                }
                return (orOnes, orZeros);
            case Op.BvLShr when term[1].IsConst:
                var amount = (int)(ulong)(term[1].Value & 63);
                var (ones, zeros) = Analyze(term[0]);
                var all = term.Width == 64 ? ulong.MaxValue : (1UL << term.Width) - 1;
                return ((ones & all) >> amount, ((zeros & all) >> amount) | (all & ~(all >> amount)) | ~all);
            case Op.BvShl when term[1].IsConst:
                var left = (int)(ulong)(term[1].Value & 63);
                var (shiftedOnes, shiftedZeros) = Analyze(term[0]);
                return (shiftedOnes << left, (shiftedZeros << left) | ((1UL << left) - 1));
            default:
                return (0, 0);
        }
    }
}
