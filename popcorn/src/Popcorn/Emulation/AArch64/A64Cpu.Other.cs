using System.Numerics;
using System.Runtime.CompilerServices;
using Rounding = Popcorn.Emulation.AArch64.A64DecodeTable.Rounding;

namespace Popcorn.Emulation.AArch64;

public sealed partial class A64Cpu
{
    /// <summary>System registers as MRS/MSR encode them in bits 19:5 (o0:op1:CRn:CRm:op2).</summary>
    internal static class SystemRegisters
    {
        public const int Tpidr = (1 << 14) | (3 << 11) | (13 << 7) | (0 << 3) | 2;
        public const int Nzcv = (1 << 14) | (3 << 11) | (4 << 7) | (2 << 3) | 0;
        public const int Fpcr = (1 << 14) | (3 << 11) | (4 << 7) | (4 << 3) | 0;
        public const int Fpsr = (1 << 14) | (3 << 11) | (4 << 7) | (4 << 3) | 1;
        public const int Cntfrq = (1 << 14) | (3 << 11) | (14 << 7) | (0 << 3) | 0;
        public const int Cntvct = (1 << 14) | (3 << 11) | (14 << 7) | (0 << 3) | 2;
        public const int Dczid = (1 << 14) | (3 << 11) | (0 << 7) | (0 << 3) | 7;
    }

    /// <summary>The frequency CNTFRQ_EL0 reports: CNTVCT_EL0 counts retired instructions, one per nanosecond.</summary>
    private const ulong CounterFrequency = 1_000_000_000;

    /// <summary>
    /// Floating point, SIMD moves and system instructions: everything that neither branches nor touches memory.
    /// False when the instruction names a system register this CPU does not provide.
    /// </summary>
    private bool ExecuteOther(ref A64Instruction i, A64State s)
    {
        var v = s.V;
        var x = s.Slots;
        int d = i.Rd * 2, n = i.Rn * 2, m = i.Rm * 2;
        var fpcr = s.FpcrBits;
        ref var fpsr = ref s.FpsrBits;
        var dbl = i.Size == 8;
        switch (i.Op)
        {
            case A64Op.Mrs:
                {
                    ulong value;
                    switch ((int)i.Imm)
                    {
                        case SystemRegisters.Tpidr: value = s.ThreadPointer; break;
                        case SystemRegisters.Nzcv: value = s.Nzcv; break;
                        case SystemRegisters.Fpcr: value = s.FpcrBits; break;
                        case SystemRegisters.Fpsr: value = s.FpsrBits; break;
                        case SystemRegisters.Cntfrq: value = CounterFrequency; break;
                        case SystemRegisters.Cntvct: value = (ulong)_cycles; break;
                        case SystemRegisters.Dczid: value = 1 << 4; break;
                        default: return false;
                    }
                    Reg(x, i.Rd) = value;
                    return true;
                }
            case A64Op.Msr:
                {
                    var value = Reg(x, i.Rn);
                    switch ((int)i.Imm)
                    {
                        case SystemRegisters.Tpidr: s.ThreadPointer = value; break;
                        case SystemRegisters.Nzcv: s.Nzcv = value; break;
                        case SystemRegisters.Fpcr: s.FpcrBits = value & 0x07FF_9F00UL; break;
                        case SystemRegisters.Fpsr: s.FpsrBits = value & 0xF800_009FUL; break;
                        default: return false;
                    }
                    return true;
                }
            case A64Op.Clrex:
                s.ClearReservation();
                return true;

            case A64Op.FmovReg:
                SetScalar(v, d, dbl ? v[n] : (uint)v[n]);
                return true;
            case A64Op.FmovImm:
                SetScalar(v, d, (ulong)i.Imm);
                return true;
            case A64Op.FmovToGeneral:
                Reg(x, i.Rd) = dbl ? v[n] : (uint)v[n];
                return true;
            case A64Op.FmovFromGeneral:
                SetScalar(v, d, dbl ? Reg(x, i.Rn) : (uint)Reg(x, i.Rn));
                return true;
            case A64Op.FmovToTop:
                v[d + 1] = Reg(x, i.Rn);
                return true;
            case A64Op.FmovFromTop:
                Reg(x, i.Rd) = v[n + 1];
                return true;
            case A64Op.Fabs:
                SetScalar(v, d, dbl ? v[n] & ~(1UL << 63) : (uint)v[n] & ~(1u << 31));
                return true;
            case A64Op.Fneg:
                SetScalar(v, d, dbl ? v[n] ^ (1UL << 63) : (uint)v[n] ^ (1u << 31));
                return true;
            case A64Op.Fsqrt:
                if (dbl)
                {
                    SetD(v, d, A64Float.Sqrt(D(v, n), fpcr, ref fpsr));
                }
                else
                {
                    SetS(v, d, A64Float.Sqrt(S(v, n), fpcr, ref fpsr));
                }
                return true;
            case A64Op.FcvtToSingle:
                SetS(v, d, A64Float.DoubleToSingle(D(v, n), fpcr, ref fpsr));
                return true;
            case A64Op.FcvtToDouble:
                SetD(v, d, A64Float.SingleToDouble(S(v, n), fpcr, ref fpsr));
                return true;
            case A64Op.Frint:
                if (dbl)
                {
                    SetD(v, d, A64Float.Frint(D(v, n), (Rounding)i.Shift, fpcr, ref fpsr));
                }
                else
                {
                    SetS(v, d, A64Float.Frint(S(v, n), (Rounding)i.Shift, fpcr, ref fpsr));
                }
                return true;
            case A64Op.Fadd:
            case A64Op.Fsub:
            case A64Op.Fmul:
            case A64Op.Fnmul:
            case A64Op.Fdiv:
            case A64Op.Fmax:
            case A64Op.Fmin:
            case A64Op.Fmaxnm:
            case A64Op.Fminnm:
            case A64Op.Fabd:
                if (dbl)
                {
                    SetD(v, d, TwoSource(i.Op, D(v, n), D(v, m), fpcr, ref fpsr));
                }
                else
                {
                    SetS(v, d, TwoSource(i.Op, S(v, n), S(v, m), fpcr, ref fpsr));
                }
                return true;
            case A64Op.Fmadd:
            case A64Op.Fmsub:
            case A64Op.Fnmadd:
            case A64Op.Fnmsub:
                {
                    var negateProduct = i.Op is A64Op.Fmsub or A64Op.Fnmadd;
                    var negateAddend = i.Op is A64Op.Fnmadd or A64Op.Fnmsub;
                    var a = i.Ra * 2;
                    if (dbl)
                    {
                        var (addend, factor) = (D(v, a), D(v, n));
                        SetD(v, d, A64Float.FusedMultiplyAdd(negateAddend ? -addend : addend, negateProduct ? -factor : factor, D(v, m), fpcr, ref fpsr));
                    }
                    else
                    {
                        var (addend, factor) = (S(v, a), S(v, n));
                        SetS(v, d, A64Float.FusedMultiplyAdd(negateAddend ? -addend : addend, negateProduct ? -factor : factor, S(v, m), fpcr, ref fpsr));
                    }
                    return true;
                }
            case A64Op.Fcmp:
                s.Flags = dbl
                    ? A64Float.Compare(D(v, n), i.Amount == 1 ? 0.0 : D(v, m), i.Shift == 1, ref fpsr)
                    : A64Float.Compare(S(v, n), i.Amount == 1 ? 0f : S(v, m), i.Shift == 1, ref fpsr);
                return true;
            case A64Op.Fccmp:
                if (ConditionHolds(i.Cond, s.Flags))
                {
                    s.Flags = dbl
                        ? A64Float.Compare(D(v, n), D(v, m), i.Shift == 1, ref fpsr)
                        : A64Float.Compare(S(v, n), S(v, m), i.Shift == 1, ref fpsr);
                }
                else
                {
                    s.Flags = (uint)i.Imm2;
                }
                return true;
            case A64Op.Fcsel:
                {
                    var chosen = ConditionHolds(i.Cond, s.Flags) ? v[n] : v[m];
                    SetScalar(v, d, dbl ? chosen : (uint)chosen);
                    return true;
                }
            case A64Op.Scvtf:
            case A64Op.Ucvtf:
                {
                    var signed = i.Op == A64Op.Scvtf;
                    var raw = Reg(x, i.Rn);
                    var value = i.Sf ? raw : signed ? (ulong)(int)raw : (uint)raw;
                    // Fixed-point forms scale by 2^-fbits afterwards, exactly: the result stays a normal number.
                    if (dbl)
                    {
                        SetD(v, d, Math.ScaleB(A64Float.FromInteger<double>(value, signed, fpcr, ref fpsr), -i.Amount));
                    }
                    else
                    {
                        SetS(v, d, MathF.ScaleB(A64Float.FromInteger<float>(value, signed, fpcr, ref fpsr), -i.Amount));
                    }
                    return true;
                }
            case A64Op.FcvtToSigned:
            case A64Op.FcvtToUnsigned:
                {
                    var signed = i.Op == A64Op.FcvtToSigned;
                    var bits = i.Sf ? 64 : 32;
                    Reg(x, i.Rd) = dbl
                        ? A64Float.ToInteger(Math.ScaleB(D(v, n), i.Amount), (Rounding)i.Shift, signed, bits, ref fpsr)
                        : A64Float.ToInteger(MathF.ScaleB(S(v, n), i.Amount), (Rounding)i.Shift, signed, bits, ref fpsr);
                    return true;
                }
            case A64Op.ScvtfScalar:
            case A64Op.UcvtfScalar:
                {
                    var signed = i.Op == A64Op.ScvtfScalar;
                    if (dbl)
                    {
                        SetD(v, d, A64Float.FromInteger<double>(v[n], signed, fpcr, ref fpsr));
                    }
                    else
                    {
                        var raw = (uint)v[n];
                        SetS(v, d, A64Float.FromInteger<float>(signed ? (ulong)(int)raw : raw, signed, fpcr, ref fpsr));
                    }
                    return true;
                }
            case A64Op.FcvtzsScalar:
            case A64Op.FcvtzuScalar:
                {
                    var signed = i.Op == A64Op.FcvtzsScalar;
                    SetScalar(v, d, dbl
                        ? A64Float.ToInteger(D(v, n), Rounding.Zero, signed, 64, ref fpsr)
                        : A64Float.ToInteger(S(v, n), Rounding.Zero, signed, 32, ref fpsr));
                    return true;
                }
            default:
                Simd(ref i, v, x);
                return true;
        }
    }

    private static T TwoSource<T>(A64Op op, T a, T b, ulong fpcr, ref ulong fpsr) where T : IBinaryFloatingPointIeee754<T> => op switch
    {
        A64Op.Fadd => A64Float.Add(a, b, fpcr, ref fpsr),
        A64Op.Fsub => A64Float.Subtract(a, b, fpcr, ref fpsr),
        A64Op.Fmul => A64Float.Multiply(a, b, fpcr, ref fpsr),
        A64Op.Fnmul => -A64Float.Multiply(a, b, fpcr, ref fpsr),
        A64Op.Fdiv => A64Float.Divide(a, b, fpcr, ref fpsr),
        A64Op.Fmax => A64Float.MinMax(a, b, true, false, fpcr, ref fpsr),
        A64Op.Fmin => A64Float.MinMax(a, b, false, false, fpcr, ref fpsr),
        A64Op.Fmaxnm => A64Float.MinMax(a, b, true, true, fpcr, ref fpsr),
        A64Op.Fabd => T.Abs(A64Float.Subtract(a, b, fpcr, ref fpsr)),
        _ => A64Float.MinMax(a, b, false, true, fpcr, ref fpsr),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double D(ulong[] v, int half) => BitConverter.UInt64BitsToDouble(v[half]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float S(ulong[] v, int half) => BitConverter.UInt32BitsToSingle((uint)v[half]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetD(ulong[] v, int half, double value) => SetScalar(v, half, BitConverter.DoubleToUInt64Bits(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetS(ulong[] v, int half, float value) => SetScalar(v, half, BitConverter.SingleToUInt32Bits(value));

    /// <summary>Writes a scalar into the low bits of a vector register, zeroing the rest as the architecture does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetScalar(ulong[] v, int half, ulong bits)
    {
        v[half] = bits;
        v[half + 1] = 0;
    }

    private static ulong ElementMask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    private static ulong GetElement(ulong[] v, int half, long index, int size)
    {
        var bit = (int)index * size * 8;
        return (v[half + (bit >> 6)] >> (bit & 63)) & ElementMask(size);
    }

    private static void SetElement(ulong[] v, int half, long index, int size, ulong value)
    {
        var bit = (int)index * size * 8;
        ref var word = ref v[half + (bit >> 6)];
        var mask = ElementMask(size) << (bit & 63);
        word = (word & ~mask) | ((value << (bit & 63)) & mask);
    }

    /// <summary>An element replicated across 64 bits.</summary>
    private static ulong Replicate(ulong element, int size) => size switch
    {
        1 => element * 0x0101_0101_0101_0101UL,
        2 => element * 0x0001_0001_0001_0001UL,
        4 => element * 0x0000_0001_0000_0001UL,
        _ => element,
    };

    private static void Simd(ref A64Instruction i, ulong[] v, ulong[] x)
    {
        int d = i.Rd * 2, n = i.Rn * 2, m = i.Rm * 2;
        var full = i.Amount == 1;
        ulong lo, hi;
        switch (i.Op)
        {
            case A64Op.DupGeneral:
                lo = Replicate(Reg(x, i.Rn) & ElementMask(i.Size), i.Size);
                hi = lo;
                break;
            case A64Op.DupElement:
                {
                    var element = GetElement(v, n, i.Imm, i.Size);
                    if (i.Amount == 2)
                    {
                        SetScalar(v, d, element);
                        return;
                    }
                    lo = hi = Replicate(element, i.Size);
                    full = i.Sf;
                    break;
                }
            case A64Op.InsGeneral:
                SetElement(v, d, i.Imm, i.Size, Reg(x, i.Rn));
                return;
            case A64Op.InsElement:
                SetElement(v, d, i.Imm, i.Size, GetElement(v, n, i.Imm2, i.Size));
                return;
            case A64Op.Umov:
                Reg(x, i.Rd) = GetElement(v, n, i.Imm, i.Size);
                return;
            case A64Op.Smov:
                {
                    var element = GetElement(v, n, i.Imm, i.Size);
                    var extended = i.Size == 1 ? (ulong)(sbyte)element : i.Size == 2 ? (ulong)(short)element : (ulong)(int)element;
                    Reg(x, i.Rd) = i.Sf ? extended : (uint)extended;
                    return;
                }
            case A64Op.MoviImm:
                lo = hi = (ulong)i.Imm;
                break;
            case A64Op.OrrVecImm:
                (lo, hi) = (v[d] | (ulong)i.Imm, v[d + 1] | (ulong)i.Imm);
                break;
            case A64Op.BicVecImm:
                (lo, hi) = (v[d] & ~(ulong)i.Imm, v[d + 1] & ~(ulong)i.Imm);
                break;
            case A64Op.VecFneg:
            case A64Op.VecFabs:
                {
                    var signs = i.Size == 8 ? 1UL << 63 : 0x8000_0000_8000_0000UL;
                    (lo, hi) = i.Op == A64Op.VecFneg ? (v[n] ^ signs, v[n + 1] ^ signs) : (v[n] & ~signs, v[n + 1] & ~signs);
                    break;
                }
            case A64Op.Cnt:
                (lo, hi) = (CountBytes(v[n]), CountBytes(v[n + 1]));
                break;
            case A64Op.Uaddlv:
                {
                    var sum = SumBytes(v[n]) + (full ? SumBytes(v[n + 1]) : 0);
                    SetScalar(v, d, sum);
                    return;
                }
            default:
                (lo, hi) = Logical(i.Op, (v[d], v[d + 1]), (v[n], v[n + 1]), (v[m], v[m + 1]));
                break;
        }
        v[d] = lo;
        v[d + 1] = full ? hi : 0;
    }

    private static (ulong, ulong) Logical(A64Op op, (ulong Lo, ulong Hi) d, (ulong Lo, ulong Hi) n, (ulong Lo, ulong Hi) m)
    {
        static ulong One(A64Op op, ulong d, ulong n, ulong m) => op switch
        {
            A64Op.VecAnd => n & m,
            A64Op.VecBic => n & ~m,
            A64Op.VecOrr => n | m,
            A64Op.VecOrn => n | ~m,
            A64Op.VecEor => n ^ m,
            A64Op.VecBsl => (n & d) | (m & ~d),
            A64Op.VecBit => (d & ~m) | (n & m),
            _ => (d & m) | (n & ~m),
        };
        return (One(op, d.Lo, n.Lo, m.Lo), One(op, d.Hi, n.Hi, m.Hi));
    }

    private static ulong CountBytes(ulong value)
    {
        var result = 0UL;
        for (var b = 0; b < 64; b += 8)
        {
            result |= (ulong)BitOperations.PopCount((value >> b) & 0xFF) << b;
        }
        return result;
    }

    private static ulong SumBytes(ulong value)
    {
        var sum = 0UL;
        for (var b = 0; b < 64; b += 8)
        {
            sum += (value >> b) & 0xFF;
        }
        return sum;
    }
}
