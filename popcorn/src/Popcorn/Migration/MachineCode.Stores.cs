using Popcorn.Emulation;

namespace Popcorn.Migration;

internal static partial class MachineCode
{
    private static bool IsFrameBase(Isa isa, int register) => register == StackPointer(isa) || register == FramePointer(isa);

    /// <summary>
    /// One step back for a value in a stack slot: a store that fills the whole slot moves it to the stored register
    /// (at the slot's offset inside it); a store that fills part of it cannot be undone; anything else leaves it.
    /// </summary>
    private static StackMapLocation? StoreStep(Isa isa, uint word, int length, StackMapLocation location, long? fpAboveSp)
    {
        var size = Math.Max(location.Size, 1);
        foreach (var (baseRegister, offset, bytes, source) in isa == Isa.Aarch64 ? A64Stores(word) : RiscVStores(word, length))
        {
            if (!IsFrameBase(isa, baseRegister))
            {
                continue;
            }
            var start = offset;
            if (baseRegister != location.Register)
            {
                if (fpAboveSp is not { } delta)
                {
                    return null;
                }
                // Both in the location's terms: sp = fp - delta.
                start += baseRegister == StackPointer(isa) ? -delta : delta;
            }
            if (start <= location.Offset && location.Offset + size <= start + bytes)
            {
                return location with { Type = LocationType.Register, Register = source, Offset = location.Offset - start };
            }
            if (start < location.Offset + size && location.Offset < start + bytes)
            {
                return null;
            }
        }
        return location;
    }

    /// <summary>The stack stores of one aarch64 instruction: base, offset, bytes and the stored register (DWARF).</summary>
    private static List<(int Base, long Offset, int Bytes, int Source)> A64Stores(uint w)
    {
        var list = new List<(int, long, int, int)>();
        var rt = (int)(w & 0x1F);
        var rn = (int)((w >> 5) & 0x1F);
        var vector = (w & 0x0400_0000) != 0;
        var size = (int)(w >> 30);
        var opc = (int)((w >> 22) & 3);
        int Register(int n) => vector ? 64 + n : n;
        // STR (unsigned immediate) and STUR; for vector registers opc 10 with size 00 is a Q register.
        var quad = vector && size == 0 && opc == 2;
        if ((w & 0x3B00_0000) == 0x3900_0000 && (opc == 0 || quad))
        {
            var bytes = quad ? 16 : 1 << size;
            list.Add((rn, (long)((w >> 10) & 0xFFF) * bytes, bytes, Register(rt)));
        }
        else if ((w & 0x3B20_0C00) == 0x3800_0000 && (opc == 0 || quad))
        {
            list.Add((rn, SignExtend((w >> 12) & 0x1FF, 9), quad ? 16 : 1 << size, Register(rt)));
        }
        else if ((w & 0x3BC0_0000) == 0x2900_0000)
        {
            // STP (signed offset): W/X, S/D/Q.
            var bytes = vector ? 4 << (int)(w >> 30) : (w >> 31) == 1 ? 8 : 4;
            var offset = SignExtend((w >> 15) & 0x7F, 7) * bytes;
            list.Add((rn, offset, bytes, Register(rt)));
            list.Add((rn, offset + bytes, bytes, Register((int)((w >> 10) & 0x1F))));
        }
        return list;
    }

    /// <summary>The stack stores of one riscv64 instruction: base, offset, bytes and the stored register (DWARF).</summary>
    private static List<(int Base, long Offset, int Bytes, int Source)> RiscVStores(uint w, int length)
    {
        var list = new List<(int, long, int, int)>();
        if (length == 2)
        {
            var funct3 = (w >> 13) & 7;
            var op = w & 3;
            var rs2 = (int)((w >> 2) & 0x1F);
            if (op == 2 && funct3 is 5 or 7)
            {
                // C.FSDSP, C.SDSP
                list.Add((2, ((w >> 10) & 7) << 3 | ((w >> 7) & 7) << 6, 8, funct3 == 5 ? 32 + rs2 : rs2));
            }
            else if (op == 2 && funct3 == 6)
            {
                // C.SWSP
                list.Add((2, ((w >> 9) & 0xF) << 2 | ((w >> 7) & 3) << 6, 4, rs2));
            }
            else if (op == 0 && funct3 is 5 or 6 or 7)
            {
                // C.FSD, C.SW, C.SD
                var source = (int)(((w >> 2) & 7) + 8);
                var baseRegister = (int)(((w >> 7) & 7) + 8);
                var offset = funct3 == 6 ? ((w >> 10) & 7) << 3 | ((w >> 6) & 1) << 2 | ((w >> 5) & 1) << 6 : ((w >> 10) & 7) << 3 | ((w >> 5) & 3) << 6;
                list.Add((baseRegister, offset, funct3 == 6 ? 4 : 8, funct3 == 5 ? 32 + source : source));
            }
            return list;
        }
        var opcode = w & 0x7F;
        if (opcode is 0x23 or 0x27)
        {
            var offset = SignExtend(((w >> 25) << 5) | ((w >> 7) & 0x1F), 12);
            var rs2 = (int)((w >> 20) & 0x1F);
            list.Add(((int)((w >> 15) & 0x1F), offset, 1 << (int)((w >> 12) & 3), opcode == 0x27 ? 32 + rs2 : rs2));
        }
        return list;
    }

    /// <summary>
    /// One step back for a value in an aarch64 vector register, possibly at a byte offset inside it: a Q-register
    /// load or a full vector move carries the offset along; any other write to a register whose upper bytes hold
    /// the value cannot be undone. Returns false when the instruction is for <see cref="A64Step"/> to handle.
    /// </summary>
    private static bool A64VectorStep(uint w, StackMapLocation location, out StackMapLocation? result)
    {
        result = location;
        var rd = (int)(w & 0x1F);
        var rn = (int)((w >> 5) & 0x1F);
        if (location.Register < 64 || 64 + rd != location.Register)
        {
            return false;
        }
        if ((w & 0xFFC0_0000) == 0x3DC0_0000)
        {
            // LDR Qt, [Xn, #imm]
            result = location with { Type = LocationType.Indirect, Register = rn, Offset = ((long)((w >> 10) & 0xFFF) * 16) + location.Offset };
            return true;
        }
        if ((w & 0xFFE0_0C00) == 0x3CC0_0000)
        {
            // LDUR Qt, [Xn, #imm]
            result = location with { Type = LocationType.Indirect, Register = rn, Offset = SignExtend((w >> 12) & 0x1FF, 9) + location.Offset };
            return true;
        }
        if ((w & 0xFFE0_FC00) == 0x4EA0_1C00 && ((w >> 16) & 0x1F) == rn)
        {
            // MOV Vd.16B, Vn.16B
            result = location with { Register = 64 + rn };
            return true;
        }
        if (location.Offset != 0)
        {
            result = null;
            return true;
        }
        return false;
    }
}
