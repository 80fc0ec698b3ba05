using Systems.RiscV;
using static Popcorn.Emulation.RiscV.RiscVFloat;

namespace Popcorn.Emulation.RiscV;

/// <summary>The F and D register-to-register instructions: arithmetic, fused multiply-add, conversions, moves, compares.</summary>
internal static class RiscVFloatExecutor
{
    /// <summary>Executes one F/D instruction; false when <paramref name="op"/> is not one.</summary>
    public static bool Execute(RiscVState s, in DecodedInstruction d, Opcode op, int rm, ref uint flags)
    {
        var fs = s.F;
        var xs = s.X;
        ulong f1 = fs[d.Rs1], f2 = fs[d.Rs2], f3 = fs[d.Rs3];
        uint s1 = Unbox(f1), s2 = Unbox(f2), s3 = Unbox(f3);
        var x1 = xs[d.Rs1];
        switch (op)
        {
            // ---- single precision ----
            case Opcode.FaddS:
                fs[d.Rd] = Box(Add32(s1, s2, rm, ref flags));
                break;
            case Opcode.FsubS:
                fs[d.Rd] = Box(Add32(s1, s2 ^ 0x8000_0000, rm, ref flags));
                break;
            case Opcode.FmulS:
                fs[d.Rd] = Box(Mul32(s1, s2, rm, ref flags));
                break;
            case Opcode.FdivS:
                fs[d.Rd] = Box(Div32(s1, s2, rm, ref flags));
                break;
            case Opcode.FsqrtS:
                fs[d.Rd] = Box(Sqrt32(s1, rm, ref flags));
                break;
            case Opcode.FmaddS:
                fs[d.Rd] = Box(Fma32(s1, s2, s3, false, false, rm, ref flags));
                break;
            case Opcode.FmsubS:
                fs[d.Rd] = Box(Fma32(s1, s2, s3, false, true, rm, ref flags));
                break;
            case Opcode.FnmsubS:
                fs[d.Rd] = Box(Fma32(s1, s2, s3, true, false, rm, ref flags));
                break;
            case Opcode.FnmaddS:
                fs[d.Rd] = Box(Fma32(s1, s2, s3, true, true, rm, ref flags));
                break;
            case Opcode.FsgnjS:
                fs[d.Rd] = Box((s1 & 0x7FFF_FFFF) | (s2 & 0x8000_0000));
                break;
            case Opcode.FsgnjnS:
                fs[d.Rd] = Box((s1 & 0x7FFF_FFFF) | (~s2 & 0x8000_0000));
                break;
            case Opcode.FsgnjxS:
                fs[d.Rd] = Box(s1 ^ (s2 & 0x8000_0000));
                break;
            case Opcode.FminS:
                fs[d.Rd] = Box(MinMax32(s1, s2, false, ref flags));
                break;
            case Opcode.FmaxS:
                fs[d.Rd] = Box(MinMax32(s1, s2, true, ref flags));
                break;
            case Opcode.FeqS:
            case Opcode.FltS:
            case Opcode.FleS:
                xs[d.Rd] = Compare(BitConverter.UInt32BitsToSingle(s1), BitConverter.UInt32BitsToSingle(s2), IsSignaling32(s1), IsSignaling32(s2),
                    op == Opcode.FeqS ? 0 : op == Opcode.FltS ? 1 : 2, ref flags);
                break;
            case Opcode.FclassS:
                xs[d.Rd] = Classify32(s1);
                break;
            case Opcode.FmvXW:
                xs[d.Rd] = (ulong)(long)(int)(uint)f1;
                break;
            case Opcode.FmvWX:
                fs[d.Rd] = Box((uint)x1);
                break;
            case Opcode.FcvtWS:
            case Opcode.FcvtWuS:
            case Opcode.FcvtLS:
            case Opcode.FcvtLuS:
                xs[d.Rd] = ToInteger(BitConverter.UInt32BitsToSingle(s1), rm, op is Opcode.FcvtWS or Opcode.FcvtLS, op is Opcode.FcvtWS or Opcode.FcvtWuS, ref flags);
                break;
            case Opcode.FcvtSW:
                fs[d.Rd] = Box(FromInteger32((int)x1, rm, ref flags));
                break;
            case Opcode.FcvtSWu:
                fs[d.Rd] = Box(FromInteger32((uint)x1, rm, ref flags));
                break;
            case Opcode.FcvtSL:
                fs[d.Rd] = Box(FromInteger32((long)x1, rm, ref flags));
                break;
            case Opcode.FcvtSLu:
                fs[d.Rd] = Box(FromInteger32(x1, rm, ref flags));
                break;

            // ---- double precision ----
            case Opcode.FaddD:
                fs[d.Rd] = Add64(f1, f2, rm, ref flags);
                break;
            case Opcode.FsubD:
                fs[d.Rd] = Add64(f1, f2 ^ 0x8000_0000_0000_0000, rm, ref flags);
                break;
            case Opcode.FmulD:
                fs[d.Rd] = Mul64(f1, f2, rm, ref flags);
                break;
            case Opcode.FdivD:
                fs[d.Rd] = Div64(f1, f2, rm, ref flags);
                break;
            case Opcode.FsqrtD:
                fs[d.Rd] = Sqrt64(f1, rm, ref flags);
                break;
            case Opcode.FmaddD:
                fs[d.Rd] = Fma64(f1, f2, f3, false, false, rm, ref flags);
                break;
            case Opcode.FmsubD:
                fs[d.Rd] = Fma64(f1, f2, f3, false, true, rm, ref flags);
                break;
            case Opcode.FnmsubD:
                fs[d.Rd] = Fma64(f1, f2, f3, true, false, rm, ref flags);
                break;
            case Opcode.FnmaddD:
                fs[d.Rd] = Fma64(f1, f2, f3, true, true, rm, ref flags);
                break;
            case Opcode.FsgnjD:
                fs[d.Rd] = (f1 & 0x7FFF_FFFF_FFFF_FFFF) | (f2 & 0x8000_0000_0000_0000);
                break;
            case Opcode.FsgnjnD:
                fs[d.Rd] = (f1 & 0x7FFF_FFFF_FFFF_FFFF) | (~f2 & 0x8000_0000_0000_0000);
                break;
            case Opcode.FsgnjxD:
                fs[d.Rd] = f1 ^ (f2 & 0x8000_0000_0000_0000);
                break;
            case Opcode.FminD:
                fs[d.Rd] = MinMax64(f1, f2, false, ref flags);
                break;
            case Opcode.FmaxD:
                fs[d.Rd] = MinMax64(f1, f2, true, ref flags);
                break;
            case Opcode.FeqD:
            case Opcode.FltD:
            case Opcode.FleD:
                xs[d.Rd] = Compare(BitConverter.UInt64BitsToDouble(f1), BitConverter.UInt64BitsToDouble(f2), IsSignaling64(f1), IsSignaling64(f2),
                    op == Opcode.FeqD ? 0 : op == Opcode.FltD ? 1 : 2, ref flags);
                break;
            case Opcode.FclassD:
                xs[d.Rd] = Classify(BitConverter.UInt64BitsToDouble(f1), IsSignaling64(f1));
                break;
            case Opcode.FmvXD:
                xs[d.Rd] = f1;
                break;
            case Opcode.FmvDX:
                fs[d.Rd] = x1;
                break;
            case Opcode.FcvtWD:
            case Opcode.FcvtWuD:
            case Opcode.FcvtLD:
            case Opcode.FcvtLuD:
                xs[d.Rd] = ToInteger(BitConverter.UInt64BitsToDouble(f1), rm, op is Opcode.FcvtWD or Opcode.FcvtLD, op is Opcode.FcvtWD or Opcode.FcvtWuD, ref flags);
                break;
            case Opcode.FcvtDW:
                fs[d.Rd] = FromInteger64((int)x1, rm, ref flags);
                break;
            case Opcode.FcvtDWu:
                fs[d.Rd] = FromInteger64((uint)x1, rm, ref flags);
                break;
            case Opcode.FcvtDL:
                fs[d.Rd] = FromInteger64((long)x1, rm, ref flags);
                break;
            case Opcode.FcvtDLu:
                fs[d.Rd] = FromInteger64(x1, rm, ref flags);
                break;
            case Opcode.FcvtSD:
                fs[d.Rd] = Box(Narrow(f1, rm, ref flags));
                break;
            case Opcode.FcvtDS:
                fs[d.Rd] = Widen(s1, ref flags);
                break;
            default:
                return false;
        }
        return true;
    }
}
